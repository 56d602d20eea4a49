import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { QueryResponse } from '../../src/server/protocol.js';
import { Store } from '../../src/store/index.js';
import { cellText, compareValues, planChart, sortRows, timeSeries, toCsv } from '../../web/src/query-results.js';

let store: Store;
let dir: string;

beforeAll(async () => {
  store = await Store.memory();
  dir = mkdtempSync(join(tmpdir(), 'flowlens-query-csv-'));
});
afterAll(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const response = (columns: [string, string][], rows: unknown[][]): QueryResponse => ({
  columns: columns.map(([name, type]) => ({ name, type })),
  rows,
  rowCount: rows.length,
  truncated: false,
  elapsedMs: 0,
  sql: '',
});

describe('toCsv', () => {
  it('writes CSV that DuckDB reads back to the same cells, whatever commas, quotes and line breaks they hold', async () => {
    const cell = fc.oneof(fc.string({ unit: fc.constantFrom('a', 'Z', ' ', ',', '"', '\n', '\r\n', 'é', '1') }), fc.integer(), fc.constant(null));
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(cell, cell, cell), { minLength: 1, maxLength: 8 }), async (rows) => {
        const path = join(dir, `r${run++}.csv`);
        writeFileSync(path, toCsv([{ name: 'a', type: 'VARCHAR' }, { name: 'b,c', type: 'VARCHAR' }, { name: 'd"e', type: 'VARCHAR' }], rows));
        const read = await store.query(`SELECT * FROM read_csv('${path}', header = true, all_varchar = true, quote = '"', escape = '"', delim = ',', new_line = '\\r\\n')`);
        expect(read.columns).toEqual(['a', 'b,c', 'd"e']);
        // An empty field reads as NULL: CSV has one spelling for null and the empty string.
        const expected = rows.map((row) => Object.fromEntries(['a', 'b,c', 'd"e'].map((name, i) => [name, cellText(row[i]) === '' ? null : cellText(row[i])])));
        expect(read.rows).toEqual(expected);
      }),
      { numRuns: 60 },
    );
  });
});

describe('sortRows', () => {
  it('matches a reference sort: numbers by value, nulls last both ways, ties in server order', () => {
    const value = fc.oneof(fc.integer({ min: -1000, max: 1000 }), fc.constant(null));
    fc.assert(
      fc.property(fc.array(value, { maxLength: 30 }), fc.boolean(), (values, desc) => {
        const rows = values.map((v, i) => [v, i]);
        const sorted = sortRows(rows, { column: 0, desc });
        const present = rows.filter((r) => r[0] !== null).sort((x, y) => (desc ? (y[0] as number) - (x[0] as number) : (x[0] as number) - (y[0] as number)) || (x[1] as number) - (y[1] as number));
        expect(sorted).toEqual([...present, ...rows.filter((r) => r[0] === null)]);
      }),
    );
  });

  it('compares integers past 2^53 given as text by value and addresses with numeric runs', () => {
    expect(compareValues('18446744073709551616', '9007199254740993')).toBeGreaterThan(0);
    expect(compareValues('10.0.1.9', '10.0.1.10')).toBeLessThan(0);
    expect(compareValues(2, 10)).toBeLessThan(0);
  });
});

describe('planChart', () => {
  it('draws bars for text labels with numbers up to 50 rows, nothing beyond', () => {
    const rows = (n: number) => Array.from({ length: n }, (_v, i) => [`10.0.0.${i}`, '10.0.1.1', i * 10]);
    const top = response([['srcaddr', 'VARCHAR'], ['dstaddr', 'VARCHAR'], ['totalbytes', 'HUGEINT']], rows(50));
    expect(planChart(top)).toEqual({ kind: 'bar', labels: [0, 1], measures: [2], measure: 2 });
    expect(planChart({ ...top, rows: rows(51) })).toBeUndefined();
    expect(planChart(top, 'table')).toBeUndefined();
    // day, day_name, rejections: the measure is the first number after the label, not the day number.
    const weekdays = response([['day', 'BIGINT'], ['day_name', 'VARCHAR'], ['rejections', 'BIGINT']], [[1, 'Monday', 5]]);
    expect(planChart(weekdays)).toMatchObject({ kind: 'bar', labels: [1], measure: 2 });
  });

  it('draws a time series over a first time column, summing rows of the same time', () => {
    const result = response([['time', 'VARCHAR'], ['srcaddr', 'VARCHAR'], ['rejections', 'BIGINT']], [
      ['2024-05-01 00:00:00.000', 'a', 2],
      ['2024-05-01 00:00:00.000', 'b', 3],
      ['2024-05-01 01:00:00.000', 'a', 1],
    ]);
    const plan = planChart(result);
    expect(plan).toEqual({ kind: 'time', labels: [0], measures: [2], measure: 2 });
    const t0 = Date.UTC(2024, 4, 1) / 1000;
    expect(timeSeries(result.rows, plan as NonNullable<typeof plan>)).toEqual([[t0, t0 + 3600], [5, 1]]);
    expect(planChart(result, 'bar')).toMatchObject({ kind: 'bar' });
  });
});
