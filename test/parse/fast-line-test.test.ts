import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileFastLineTest, compileTokenParser, DEFAULT_LOG_FORMAT, parseFormatString, tokenizeLine } from '../../src/parse/index.js';
import type { FieldValue } from '../../src/records/index.js';

// The fast test is an optimisation: whatever it accepts, the token parser must accept too.
const token = fc.oneof(
  fc.constantFrom('-', '0', '22', '443', '65535', '65536', '255', '256', '999999999', '1234567890', '007', 'ACCEPT', 'REJECT', 'OK', 'NODATA', 'x', 'eni-1'),
  fc.constantFrom('10.0.0.1', '255.255.255.255', '256.1.1.1', '1.2.3', '2001:db8::1', '01.2.3.4', '1.2.3.04'),
  fc.nat({ max: 70000 }).map(String),
  fc.string({ minLength: 1, maxLength: 6 }).filter((s) => !/\s/.test(s)),
);

describe('compileFastLineTest', () => {
  it.each([
    ['the default format', DEFAULT_LOG_FORMAT],
    ['a v5 custom format', parseFormatString('${version} ${vpc-id} ${srcaddr} ${pkt-dstaddr} ${tcp-flags} ${traffic-path} ${flow-direction} ${action} ${log-status}')],
  ])('never accepts a line the token parser refuses (%s)', (_name, format) => {
    const fast = compileFastLineTest(format)!;
    const parse = compileTokenParser(format);
    fc.assert(
      fc.property(fc.array(token, { minLength: format.fields.length, maxLength: format.fields.length }), (tokens) => {
        const line = tokens.join(' ');
        const out: FieldValue[] = [];
        if (fast(line)) expect(parse(tokenizeLine(line), out)).toBeNull();
      }),
      { numRuns: 3000 },
    );
  });

  it('accepts the common case and sends the rest to the token parser', () => {
    const fast = compileFastLineTest(DEFAULT_LOG_FORMAT)!;
    expect(fast('2 123456789010 eni-1 10.0.1.5 10.0.2.6 443 49152 6 10 840 1439387263 1439387264 ACCEPT OK')).toBe(true);
    expect(fast('2 123456789010 eni-1 - - - - - - - 1431280876 1431280934 - NODATA')).toBe(true);
    expect(fast('2 123456789010 eni-1 2001:db8::1 10.0.2.6 443 49152 6 10 840 1439387263 1439387264 ACCEPT OK')).toBe(false);
    expect(fast('2 123456789010 eni-1 10.0.1.5  10.0.2.6 443 49152 6 10 840 1439387263 1439387264 ACCEPT OK')).toBe(false);
  });

  it('is not used for formats without typed fields, where a header would look like a record', () => {
    expect(compileFastLineTest(parseFormatString('vpc-id subnet-id'))).toBeNull();
  });
});
