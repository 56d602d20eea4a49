import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DictionaryColumn, Int32Column, Int64Column, StringColumn, writeParquetFile } from '../../src/store/parquet-file.js';
import { Store } from '../../src/store/index.js';

describe('writeParquetFile', () => {
  let store: Store;
  const folder = mkdtempSync(join(tmpdir(), 'flowlens-parquet-'));
  beforeAll(async () => {
    store = await Store.open(':memory:');
  });
  afterAll(() => store.close());

  const read = async (path: string): Promise<Record<string, unknown>[]> => (await store.query(`SELECT * FROM read_parquet('${path}')`)).rows;

  it('gives DuckDB every value, null and type back (property)', async () => {
    type Row = [number | null, number | null, bigint | null, bigint | null, string | null, string | null];
    const row = fc.tuple(
      fc.option(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 })),
      fc.option(fc.integer({ min: 0, max: 255 })),
      fc.option(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n })),
      fc.option(fc.oneof(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), fc.bigInt({ min: 0n, max: 2n ** 53n - 1n }))),
      fc.option(fc.string({ minLength: 0, maxLength: 80, unit: 'grapheme' })),
      fc.option(fc.constantFrom('eni-1', 'eni-22', '123456789012', 'x'.repeat(100))),
    );
    let file = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(row, { maxLength: 300 }), async (rows: Row[]) => {
        const int = new Int32Column('int', 4);
        const byte = new Int32Column('byte', 4, 'uint8');
        const signed = new Int64Column('signed', 4, 'int64');
        const unsigned = new Int64Column('unsigned', 4, 'uint64');
        const text = new StringColumn('text', 4);
        const dictionary = new DictionaryColumn('dictionary', 4);
        const entries: string[] = [];
        for (const [a, b, c, d, e, f] of rows) {
          if (a === null) int.pushNull();
          else int.push(a);
          if (b === null) byte.pushNull();
          else byte.push(b);
          if (c === null) signed.pushNull();
          else signed.pushBig(c);
          if (d === null) unsigned.pushNull();
          else if (d <= BigInt(Number.MAX_SAFE_INTEGER)) unsigned.pushSafe(Number(d));
          else unsigned.pushBig(d);
          if (e === null) text.pushNull();
          else text.pushText(e);
          if (f === null) dictionary.pushNull();
          else {
            if (!entries.includes(f)) entries.push(f);
            dictionary.pushIndex(entries.indexOf(f));
          }
        }
        const arena = Buffer.from(entries.join(''), 'utf8');
        const lengths = Int32Array.from(entries.map((entry) => Buffer.byteLength(entry)));
        const starts = Uint32Array.from(entries.map((_, i) => entries.slice(0, i).reduce((sum, entry) => sum + Buffer.byteLength(entry), 0)));
        dictionary.setDictionary(arena, starts, lengths, entries.length);
        const path = join(folder, `p${file++}.parquet`);
        writeParquetFile(path, [int, byte, signed, unsigned, text, dictionary]);
        const got = await read(path);
        const big = (value: unknown): bigint | null => (value === null ? null : BigInt(value as number | bigint));
        expect(got.map((r) => [r.int, r.byte, big(r.signed), big(r.unsigned), r.text, r.dictionary])).toEqual(rows);
      }),
      { numRuns: 60 },
    );
    const types = (await store.query(`SELECT column_type FROM (DESCRIBE SELECT * FROM read_parquet('${join(folder, 'p0.parquet')}'))`)).rows.map((r) => r.column_type);
    expect(types).toEqual(['INTEGER', 'UTINYINT', 'BIGINT', 'UBIGINT', 'VARCHAR', 'VARCHAR']);
  });

  it('writes dictionaries of any size (one to four bytes an index)', async () => {
    for (const size of [1, 256, 257, 65_537]) {
      const column = new DictionaryColumn('d', size);
      const entries = Array.from({ length: size }, (_, i) => `v${i}`);
      const arena = Buffer.from(entries.join(''));
      const starts = new Uint32Array(size);
      const lengths = new Int32Array(size);
      let at = 0;
      entries.forEach((entry, i) => {
        starts[i] = at;
        lengths[i] = entry.length;
        at += entry.length;
      });
      column.setDictionary(arena, starts, lengths, size);
      // Every entry, the last one first, then a null.
      for (let i = size - 1; i >= 0; i--) column.pushIndex(i);
      column.pushNull();
      const path = join(folder, `d${size}.parquet`);
      writeParquetFile(path, [column]);
      const got = (await store.query(`SELECT d FROM read_parquet('${path}')`)).rows.map((r) => r.d);
      expect(got).toEqual([...entries.reverse(), null]);
    }
  });

  it('refuses columns of different lengths', () => {
    const a = new Int32Column('a', 1);
    const b = new Int32Column('b', 1);
    a.push(1);
    expect(() => writeParquetFile(join(folder, 'bad.parquet'), [a, b])).toThrow(/b has 0 rows, expected 1/);
  });
});
