import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resultRows } from '../../src/store/chunk-rows.js';
import { normalizeValue, Store } from '../../src/store/index.js';

let store: Store;

beforeAll(async () => {
  store = await Store.memory();
});
afterAll(() => store.close());

/** A query of every kind of column a result can have, with NULLs, extremes and more than one chunk of rows. */
const SQL = `SELECT i::INTEGER AS int, (i * 3000000000)::BIGINT AS big, CASE WHEN i % 7 = 0 THEN NULL ELSE 'text ' || i END AS text,
  (i::UHUGEINT << 100) AS huge, 9007199254740993::BIGINT AS unsafe, -i::HUGEINT AS hugeint, i / 3 AS dbl, i % 2 = 0 AS bool,
  TIMESTAMP '2024-05-01 00:00:00' + to_seconds(i) AS ts, [i, NULL] AS list, {'a': i, 'b': 'x'} AS struct, 1.25::DECIMAL(5, 2) AS dec,
  NULL AS nothing, 'a' AS int
FROM range(5000) AS r(i)`;

describe('resultRows', () => {
  it('gives the values the row-wise JS conversion gives, column by column, duplicate names apart', async () => {
    const expected: unknown[][] = [];
    for await (const rows of (await store.connection.stream(SQL)).yieldRowsJs()) expected.push(...rows.map((row) => row.map(normalizeValue)));
    const actual: unknown[][] = [];
    for await (const rows of resultRows(await store.connection.stream(SQL))) actual.push(...rows);
    expect(actual).toHaveLength(5000);
    expect(actual).toEqual(expected);
    expect(actual[1]?.slice(0, 5)).toEqual([1, 3000000000, 'text 1', 1n << 100n, 9007199254740993n]);
    expect(actual[0]?.[13]).toBe('a');
  });
});
