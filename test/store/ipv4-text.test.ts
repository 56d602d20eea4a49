import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Store } from '../../src/store/index.js';
import { ipv4TextSql } from '../../src/store/schema.js';

const BASE = 0xffff00000000n;

let store: Store;
beforeAll(async () => {
  store = await Store.memory();
});
afterAll(() => store.close());

/** The dotted quad of an IPv4-mapped number as JS writes it, or null for any other number. */
function dottedQuad(value: bigint): string | null {
  if (value < BASE || value > BASE + 0xffffffffn) return null;
  const v = Number(value - BASE);
  return [v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255].join('.');
}

/** ipv4TextSql of each number, run on DuckDB (UHUGEINT values, given as text so that any 128-bit number fits). */
async function textsOf(values: readonly bigint[]): Promise<(string | null)[]> {
  const list = values.map((v, i) => `(${i}, '${v}'::UHUGEINT)`).join(', ');
  const rows = (await store.query(`SELECT ${ipv4TextSql('n')} AS text FROM (VALUES ${list}) AS t(i, n) ORDER BY i`)).rows;
  return rows.map((row) => (row.text === null ? null : String(row.text)));
}

describe('ipv4TextSql', () => {
  it('writes the dotted quad of every IPv4-mapped number and NULL for any other, at the range edges', async () => {
    const values = [0n, 1n, BASE - 1n, BASE, BASE + 1n, BASE + 0x0a000109n, BASE + 0xffffffffn, BASE + 0x100000000n, 2n ** 127n + 5n, 2n ** 128n - 1n];
    expect(await textsOf(values)).toEqual(values.map(dottedQuad));
    expect(await textsOf([BASE + 0x00ff0a01n])).toEqual(['0.255.10.1']);
  });

  it('agrees with the JS dotted quad on arbitrary numbers (property)', async () => {
    const mapped = fc.bigInt({ min: BASE, max: BASE + 0xffffffffn });
    const any = fc.bigInt({ min: 0n, max: 2n ** 128n - 1n });
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(mapped, mapped, any), { minLength: 1, maxLength: 40 }), async (values) => {
        expect(await textsOf(values)).toEqual(values.map(dottedQuad));
      }),
      { numRuns: 100 },
    );
  });
});
