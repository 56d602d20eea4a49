import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backquoteIdentifier, backslashStringLiteral, quoteIdentifier, sqlLiteral } from '../../src/sql/index.js';
import { Store } from '../../src/store/index.js';

let store: Store;

beforeAll(async () => {
  store = await Store.memory();
});

afterAll(() => {
  store.close();
});

describe('sqlLiteral and quoteIdentifier', () => {
  it('give back any text unchanged when DuckDB reads them', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'grapheme', maxLength: 20 }), async (text) => {
        const result = await store.query(`SELECT ${sqlLiteral(text)} AS ${quoteIdentifier(`c ${text}`)}`);
        expect(result.columns).toEqual([`c ${text}`]);
        expect(result.rows[0]?.[`c ${text}`]).toBe(text);
      }),
      { numRuns: 50 },
    );
  });

  it('writes numbers, bigints, booleans and null as DuckDB, Trino and ClickHouse read them', () => {
    expect([sqlLiteral(null), sqlLiteral(3), sqlLiteral(2n ** 100n), sqlLiteral(true), sqlLiteral("it's")]).toEqual(['NULL', '3', '1267650600228229401496703205376', 'TRUE', "'it''s'"]);
    expect(() => sqlLiteral(Number.NaN)).toThrow();
  });
});

describe('backquoteIdentifier and backslashStringLiteral', () => {
  it('escape backquotes, quotes and backslashes the way Hive DDL and ClickHouse read them', () => {
    expect(backquoteIdentifier('end')).toBe('`end`');
    expect(backquoteIdentifier('a`b')).toBe('`a``b`');
    expect(backslashStringLiteral("s3://b/it's\\x")).toBe("'s3://b/it\\'s\\\\x'");
  });
});
