import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addressToBigInt } from '../../src/records/index.js';
import { bigIntToAddress, buildGraph, createPseudonymizer, IPV4_MAPPED_BASE, parseNodeMode, pseudonymizeNodeId } from '../../src/graph/index.js';
import { fixtureStore } from './fixture.js';

const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((o) => o.join('.'));
const ipv6 = fc.array(fc.nat(0xffff), { minLength: 8, maxLength: 8 }).map((g) => bigIntToAddress(g.reduce((v, x) => (v << 16n) | BigInt(x), 0n))).filter((a) => a.includes(':'));
const key = fc.string({ minLength: 1, maxLength: 20 });

/** Length of the common leading bits of two addresses of one family. */
function commonPrefix(a: string, b: string): number {
  const v4 = !a.includes(':');
  const width = v4 ? 32 : 128;
  const x = (addressToBigInt(a) as bigint) - (v4 ? IPV4_MAPPED_BASE : 0n);
  const y = (addressToBigInt(b) as bigint) - (v4 ? IPV4_MAPPED_BASE : 0n);
  let n = 0;
  while (n < width && ((x >> BigInt(width - 1 - n)) & 1n) === ((y >> BigInt(width - 1 - n)) & 1n)) n++;
  return n;
}

describe('createPseudonymizer', () => {
  const p = createPseudonymizer('test key');

  it('maps the same address to the same pseudonym (also across instances with the same key)', () => {
    fc.assert(fc.property(key, ipv4, (k, a) => createPseudonymizer(k).address(a) === createPseudonymizer(k).address(a)));
  });

  it('preserves prefixes exactly: shared leading bits in = shared leading bits out (IPv4)', () => {
    fc.assert(fc.property(ipv4, ipv4, (a, b) => commonPrefix(a, b) === commonPrefix(p.address(a), p.address(b))));
  });

  it('preserves prefixes exactly for IPv6', () => {
    fc.assert(fc.property(ipv6, ipv6, (a, b) => commonPrefix(a, b) === commonPrefix(p.address(a), p.address(b))), { numRuns: 30 });
  });

  it('keeps IPv4 as IPv4 and IPv6 as IPv6', () => {
    fc.assert(fc.property(ipv4, (a) => !p.address(a).includes(':')));
    fc.assert(fc.property(ipv6, (a) => p.address(a).includes(':')), { numRuns: 20 });
  });

  it('is a bijection that reveal inverts with the key', () => {
    fc.assert(fc.property(ipv4, (a) => bigIntToAddress(p.reveal(addressToBigInt(p.address(a)) as bigint)) === a));
  });

  it('gives different pseudonyms under different keys', () => {
    const addresses = Array.from({ length: 64 }, (_, i) => `10.0.${i}.${i * 3}`);
    fc.assert(fc.property(key, key, (k1, k2) => {
      fc.pre(k1 !== k2);
      const a = createPseudonymizer(k1);
      const b = createPseudonymizer(k2);
      return addresses.some((x) => a.address(x) !== b.address(x));
    }), { numRuns: 30 });
  });

  it('batches many addresses with the same result as one at a time', () => {
    const values = Array.from({ length: 500 }, (_, i) => IPV4_MAPPED_BASE + BigInt(i * 7919));
    const fresh = createPseudonymizer('test key');
    expect(fresh.values(values)).toEqual(values.map((v) => createPseudonymizer('test key').value(v)));
  });

  it('tokenizes ENI ids consistently, keeping the eni- prefix', () => {
    expect(p.token('eni-0abc')).toBe(p.token('eni-0abc'));
    expect(p.token('eni-0abc')).toMatch(/^eni-[0-9a-f]{17}$/);
    expect(p.token('eni-0abc')).not.toBe(createPseudonymizer('other').token('eni-0abc'));
  });

  it('keeps two hosts of one subnet inside the pseudonym of that subnet', () => {
    fc.assert(fc.property(ipv4, fc.integer({ min: 8, max: 30 }), (a, prefix) => {
      const host = pseudonymizeNodeId(a, 'address', p);
      const network = bigIntToAddress(((addressToBigInt(a) as bigint) >> BigInt(32 - prefix)) << BigInt(32 - prefix));
      const pseudoSubnet = pseudonymizeNodeId(`${network}/${prefix}`, 'subnet', p);
      return commonPrefix(host, pseudoSubnet.split('/')[0] as string) >= prefix;
    }));
  });
});

describe('pseudonymized graphs', () => {
  it('contain no original address, keep names, and keep the graph shape', async () => {
    const store = await fixtureStore();
    try {
      const { parseNames } = await import('../../src/graph/index.js');
      const names = parseNames('10.0.1.12: load-balancer-0\n', 'yaml');
      const pseudonymizer = createPseudonymizer('secret');
      for (const node of ['ip', 'ip-port', 'subnet/24', 'eni']) {
        const plain = await buildGraph(store, { node: parseNodeMode(node), names });
        const pseudo = await buildGraph(store, { node: parseNodeMode(node), names, pseudonymizer });
        expect(pseudo.edges.map((e) => e.flows)).toEqual(plain.edges.map((e) => e.flows));
        const text = JSON.stringify(pseudo);
        for (const original of ['10.0.1.10', '10.0.1.11', '10.0.2.20', '10.0.0.2', '203.0.113.5', '198.51.100.7', '10.0.1.0/24', 'eni-0a1b2c3d4e5f6000']) {
          expect(text).not.toContain(original);
        }
        expect(pseudo.nodes.map((n) => n.id)).toContain('load-balancer-0');
      }
    } finally {
      store.close();
    }
  });

  it('maps the hosts of a subnet into the pseudonym of their subnet node', async () => {
    const store = await fixtureStore();
    try {
      const pseudonymizer = createPseudonymizer('secret');
      const subnets = await buildGraph(store, { node: parseNodeMode('subnet/24'), pseudonymizer });
      const pseudoSubnet = pseudonymizeNodeId('10.0.1.0/24', 'subnet', pseudonymizer);
      expect(subnets.nodes.map((n) => n.id)).toContain(pseudoSubnet);
      for (const host of ['10.0.1.10', '10.0.1.11', '10.0.1.12']) {
        expect(commonPrefix(pseudonymizer.address(host), pseudoSubnet.split('/')[0] as string)).toBeGreaterThanOrEqual(24);
      }
    } finally {
      store.close();
    }
  });
});
