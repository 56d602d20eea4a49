import fc from 'fast-check';
import ipaddr from 'ipaddr.js';
import { describe, expect, it } from 'vitest';
import { addressToBigInt, cidrRange, isIpAddress, isPrivateAddress, parseIPv4 } from '../../src/records/index.js';

describe('parseIPv4', () => {
  it.each([
    ['0.0.0.0', 0],
    ['10.0.1.5', 167772421],
    ['255.255.255.255', 4294967295],
  ])('parses %s', (text, value) => expect(parseIPv4(text)).toBe(value));

  it.each(['', '1.2.3', '1.2.3.4.5', '256.1.1.1', '1..2.3', '01234.1.1.1', 'a.b.c.d', '1.2.3.4 ', '-'])('refuses %j', (text) =>
    expect(parseIPv4(text)).toBe(-1),
  );

  it('agrees with ipaddr.js on random dotted quads', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 300 }), { minLength: 4, maxLength: 4 }), (parts) => {
        const text = parts.join('.');
        const expected = ipaddr.IPv4.isValidFourPartDecimal(text) ? ipaddr.IPv4.parse(text).toByteArray().reduce((a, b) => a * 256 + b, 0) : -1;
        expect(parseIPv4(text)).toBe(expected);
      }),
    );
  });
});

describe('addressToBigInt', () => {
  it('maps IPv4 into ::ffff:0:0/96 so it sorts with IPv6', () => {
    expect(addressToBigInt('0.0.0.1')).toBe(0xffff00000001n);
    expect(addressToBigInt('::ffff:0.0.0.1')).toBe(0xffff00000001n);
  });
  it('parses IPv6', () => {
    expect(addressToBigInt('2001:db8::1')).toBe(0x20010db8000000000000000000000001n);
    expect(addressToBigInt('nonsense')).toBeNull();
  });
});

describe('cidrRange', () => {
  it('covers an IPv4 prefix', () => {
    const { low, high } = cidrRange('10.0.1.0/24');
    expect(high - low).toBe(255n);
    expect(low).toBe(addressToBigInt('10.0.1.0'));
  });
  it('covers an IPv6 prefix and single addresses', () => {
    const { low, high } = cidrRange('2001:db8::/32');
    expect(high - low).toBe((1n << 96n) - 1n);
    expect(cidrRange('10.0.0.1')).toEqual({ low: addressToBigInt('10.0.0.1'), high: addressToBigInt('10.0.0.1') });
  });
  it.each(['10.0.0.0/33', '10.0.0/8', 'x/1'])('refuses %s', (text) => expect(() => cidrRange(text)).toThrow());
});

describe('isPrivateAddress', () => {
  it.each([
    ['10.1.2.3', true],
    ['172.16.0.1', true],
    ['172.32.0.1', false],
    ['192.168.1.1', true],
    ['203.0.113.5', false],
    ['fd00::1', true],
    ['2001:db8::1', false],
  ])('%s → %s', (text, expected) => expect(isPrivateAddress(text)).toBe(expected));
  it('validates both families', () => {
    expect(isIpAddress('2001:db8:1234:a100:8d6e:3477:df66:f105')).toBe(true);
    expect(isIpAddress('2001:db8::zz')).toBe(false);
  });
});

describe('IPv6 text', () => {
  // ipaddr.js alone, as addressToBigInt and isIpAddress read IPv6 before their plain-form fast path.
  const reference = (text: string): bigint | null => {
    if (!ipaddr.IPv6.isValid(text)) return null;
    return ipaddr.IPv6.parse(text)
      .toByteArray()
      .reduce((value, byte) => (value << 8n) | BigInt(byte), 0n);
  };
  const ipv6Like = fc.oneof(
    fc.ipV6(),
    fc.ipV6().map((text) => text.toUpperCase()),
    fc.ipV6().map((text) => `${text}%eth0`),
    fc.stringMatching(/^[0-9a-fA-F:]{0,41}$/),
    fc.array(fc.stringMatching(/^[0-9a-f]{0,5}$/), { minLength: 1, maxLength: 10 }).map((groups) => groups.join(':')),
    fc.constantFrom('::', '::1', '1::', '1:2:3:4:5:6:7::', '::2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8', '1::2::3', ':::', '1:', ':1', '::ffff:1.2.3.4', 'fe80::1%en0', '1:2:3:4:5:6:7:8:9', '00000::'),
  );

  it('reads every text as ipaddr.js does (property)', () => {
    fc.assert(
      fc.property(ipv6Like, (text) => {
        const expected = reference(text);
        expect(addressToBigInt(text)).toBe(expected);
        expect(isIpAddress(text)).toBe(expected !== null);
      }),
      { numRuns: 5000 },
    );
  });
});
