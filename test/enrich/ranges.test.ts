import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { flattenRanges } from '../../src/enrich/index.js';
import type { RankedRange } from '../../src/enrich/index.js';

/** The reference: at each address, the narrowest covering range, then the lower rank, then the earlier one. */
function winnerAt(ranges: readonly RankedRange<number>[], address: bigint): number | undefined {
  let best: { range: RankedRange<number>; index: number } | undefined;
  ranges.forEach((range, index) => {
    if (address < range.low || address > range.high) return;
    if (!best) return void (best = { range, index });
    const [w, bw] = [range.high - range.low, best.range.high - best.range.low];
    if (w < bw || (w === bw && (range.rank ?? 0) < (best.range.rank ?? 0))) best = { range, index };
  });
  return best?.range.value;
}

function lookup(flat: readonly { low: bigint; high: bigint; value: number }[], address: bigint): number | undefined {
  return flat.find((r) => r.low <= address && address <= r.high)?.value;
}

describe('flattenRanges', () => {
  it('lets the narrowest covering range win at every address (property against a reference)', () => {
    const range = fc.tuple(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 2 }));
    fc.assert(
      fc.property(fc.array(range, { maxLength: 12 }), (specs) => {
        const ranges = specs.map(([low, width, rank], value) => ({ low: BigInt(low), high: BigInt(low + width), value, rank }));
        const flat = flattenRanges(ranges);
        for (let i = 1; i < flat.length; i++) expect(flat[i]!.low).toBeGreaterThan(flat[i - 1]!.high);
        for (let a = 0n; a <= 82n; a++) expect(lookup(flat, a)).toBe(winnerAt(ranges, a));
      }),
      { numRuns: 300 },
    );
  });

  it('keeps disjoint ranges as they are and splits an outer range around a nested one', () => {
    expect(flattenRanges([{ low: 0n, high: 9n, value: 'a' }, { low: 20n, high: 29n, value: 'b' }])).toEqual([
      { low: 0n, high: 9n, value: 'a' },
      { low: 20n, high: 29n, value: 'b' },
    ]);
    expect(flattenRanges([{ low: 0n, high: 255n, value: 'outer' }, { low: 16n, high: 31n, value: 'inner' }])).toEqual([
      { low: 0n, high: 15n, value: 'outer' },
      { low: 16n, high: 31n, value: 'inner' },
      { low: 32n, high: 255n, value: 'outer' },
    ]);
  });
});
