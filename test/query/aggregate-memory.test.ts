import { existsSync, readdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { aggregateSql } from '../../src/query/flow-queries.js';
import { AGGREGATE_MEMORY_BYTES, SINGLE_STATEMENT_GROUPS, streamAggregate } from '../../src/query/flow-results.js';
import { AGGREGATE_PASS_MEMORY_BYTES, AGGREGATE_READ_MEMORY_BYTES, aggregatePassCount, GROUPS_PER_PASS, readAggregateGroupBound, streamAggregatePasses } from '../../src/query/aggregate-passes.js';
import { createStdinSource } from '../../src/sources/index.js';
import { ingestSources, refreshRollups } from '../../src/store/index.js';
import type { Store } from '../../src/store/index.js';
import { V2_HEADER, openTempStore } from '../helpers/temp-store.js';

const KEYS = ['srcaddr', 'dstaddr', 'srcport', 'dstport', 'protocol'];
const MIB = 1024 * 1024;

async function readAll(stream: AsyncIterable<unknown[][]>): Promise<unknown[][]> {
  const rows: unknown[][] = [];
  for await (const batch of stream) for (const row of batch) rows.push(row);
  return rows;
}

describe('streamAggregate', () => {
  let store: Store;
  beforeEach(async () => {
    store = await openTempStore();
    const lines = Array.from({ length: 400 }, (_, i) => `2 123456789010 eni-1 10.0.${i % 7}.5 10.0.2.${i % 11} 443 ${1000 + (i % 5)} 6 ${i} ${i * 10} 1439387263 1439387264 ${i % 3 ? 'ACCEPT' : 'REJECT'} OK`);
    // IPv6 texts (stored beside their numbers), equal byte sums (ties broken by flows, then keys) and a NODATA record.
    const more = Array.from({ length: 60 }, (_, i) => `2 123456789010 eni-2 2001:db8::${i % 4} 2001:DB8::${i % 3} 53 ${i % 2} 17 1 100 1439387200 1439387300 ACCEPT OK`);
    more.push('2 123456789010 eni-2 - - - - - - - 1439387200 1439387300 - NODATA');
    await ingestSources(store, [createStdinSource(Readable.from([`${V2_HEADER}\n${[...lines, ...more].join('\n')}\n`]))]);
  });
  afterEach(() => store.close());

  const limitNow = async (): Promise<string> => String(await store.scalar("SELECT current_setting('memory_limit')"));

  it('streams the rows of aggregateSql under the aggregate memory cap and puts the store limit back', async () => {
    const before = await limitNow();
    const expected = await store.query(aggregateSql(KEYS, 'TRUE'));
    const stream = await streamAggregate(store, KEYS, 'TRUE');
    // memory_limit is global: a second connection sees the cap while the rows stream.
    const other = await store.connect();
    const during = String((await (await other.runAndReadAll("SELECT current_setting('memory_limit') AS m")).getRowObjectsJS())[0]?.m);
    other.closeSync();
    const rows: unknown[][] = [];
    for await (const batch of stream) rows.push(...batch);
    expect(stream.columns).toEqual(expected.columns);
    expect(rows).toEqual(expected.rows.map((row) => expected.columns.map((c) => row[c])));
    expect(rows.length).toBe(385 + 12); // lcm(7, 11, 5) distinct IPv4 5-tuples, lcm(4, 3) IPv6 ones
    expect(during).toBe(`${AGGREGATE_MEMORY_BYTES / MIB}.0 MiB`);
    expect(await limitNow()).toBe(before);
  });

  it('puts the limit back when the reader stops early, and leaves a lower store limit alone', async () => {
    const before = await limitNow();
    for await (const batch of await streamAggregate(store, KEYS, 'TRUE', 5)) {
      expect(batch.length).toBe(5);
      break;
    }
    expect(await limitNow()).toBe(before);
    await store.run("SET memory_limit = '64MiB'");
    const stream = await streamAggregate(store, KEYS, 'TRUE');
    expect(await limitNowOn(store)).toBe('64.0 MiB');
    for await (const batch of stream) expect(batch.length).toBeGreaterThan(0);
    expect(await limitNow()).toBe('64.0 MiB');
  });
});

describe('streamAggregate of many groups', () => {
  it('groups more than SINGLE_STATEMENT_GROUPS into a scratch table and reads it in counted slices, rows as one statement', async () => {
    const store = await openTempStore();
    try {
      await ingestSources(store, [createStdinSource(Readable.from([`${V2_HEADER}\n2 123456789010 eni-1 10.0.0.5 10.0.2.1 443 1000 6 1 10 1439387263 1439387264 ACCEPT OK\n`]))]);
      // Distinct 5-tuples straight into the stored table, shaped as the ingested record (IPv4 addresses as numbers).
      const groups = SINGLE_STATEMENT_GROUPS + 5000;
      await store.run(`INSERT INTO flow_records BY NAME SELECT f.* REPLACE (i % 50000 AS srcport, i // 50000 AS dstport, hash(i) % 100000 AS bytes)
        FROM flow_records AS f, range(${groups}) AS t(i)`);
      const expected = await store.streamRows(aggregateSql(KEYS, 'TRUE'));
      const rows = await readAll(expected);
      const stream = await streamAggregate(store, KEYS, 'TRUE');
      const scratch = (await store.query("SELECT database_name FROM duckdb_databases() WHERE database_name LIKE 'flowlens_aggregate%'")).rows;
      expect(scratch).toHaveLength(1);
      expect(stream.types).toEqual(expected.types);
      const got = await readAll(stream);
      expect(got.length).toBe(groups + 1);
      expect(got).toEqual(rows);
    } finally {
      store.close();
    }
  });
});

describe('streamAggregatePasses', () => {
  let store: Store;
  beforeEach(async () => {
    store = await openTempStore();
    const lines = Array.from({ length: 500 }, (_, i) => `2 123456789010 eni-${i % 3} 10.0.${i % 7}.5 10.0.2.${i % 11} 443 ${1000 + (i % 5)} 6 ${i % 9} ${(i % 13) * 10} 1439387263 1439387264 ${i % 3 ? 'ACCEPT' : 'REJECT'} OK`);
    const v6 = Array.from({ length: 60 }, (_, i) => `2 123456789010 eni-2 2001:db8::${i % 4} 2001:DB8::${i % 3} 53 ${i % 2} 17 1 100 1439387200 1439387300 ACCEPT OK`);
    await ingestSources(store, [createStdinSource(Readable.from([`${V2_HEADER}\n${[...lines, ...v6].join('\n')}\n`]))]);
  });
  afterEach(() => store.close());

  const read = async (stream: AsyncIterable<unknown[][]>): Promise<unknown[][]> => {
    const rows: unknown[][] = [];
    for await (const batch of stream) rows.push(...batch);
    return rows;
  };
  const scratchLeft = async (): Promise<string[]> => {
    const temp = String(await store.scalar("SELECT current_setting('temp_directory')"));
    const folders = existsSync(dirname(temp)) ? readdirSync(dirname(temp)).filter((name) => name.startsWith(`flowlens-aggregate-${process.pid}-`)) : [];
    const attached = (await store.query("SELECT database_name FROM duckdb_databases() WHERE database_name LIKE 'flowlens_aggregate%'")).rows;
    return [...folders, ...attached.map((row) => String(row.database_name))];
  };

  it.each([
    [KEYS, 1, undefined],
    [KEYS, 1, 10],
    [KEYS, 3, undefined],
    [KEYS, 7, 10],
    [['srcaddr', 'dstport'], 4, undefined],
    [['action', 'interface_id'], 5, 2],
    [['dstaddr'], 2, undefined],
  ])('gives the rows, order and types of one statement (by %j, %i passes, limit %s)', async (keys, passes, limit) => {
    const direct = await store.streamRows(aggregateSql(keys, 'TRUE', limit));
    const expected = await read(direct);
    const stream = await streamAggregatePasses(store, keys, 'TRUE', passes, limit);
    expect(stream.columns).toEqual(direct.columns);
    expect(stream.types).toEqual(direct.types);
    expect(await read(stream)).toEqual(expected);
    expect(expected.length).toBeGreaterThan(1);
    expect(await scratchLeft()).toEqual([]);
  });

  it('reads under the read memory cap until the stream ends, then puts the limit back', async () => {
    const before = String(await store.scalar("SELECT current_setting('memory_limit')"));
    const stream = await streamAggregatePasses(store, KEYS, 'TRUE', 2);
    expect(await limitNowOn(store)).toBe(`${AGGREGATE_READ_MEMORY_BYTES / MIB}.0 MiB`);
    expect(AGGREGATE_READ_MEMORY_BYTES).toBeLessThan(AGGREGATE_PASS_MEMORY_BYTES);
    await read(stream);
    expect(String(await store.scalar("SELECT current_setting('memory_limit')"))).toBe(before);
  });

  it.each([[KEYS, 7], [['srcaddr', 'dstport'], 3], [['dstport'], 1]])('reads the groups in ordered slices of bytes with the order of one statement (by %j, %i a slice)', async (keys, slice) => {
    const expected = await read(await store.streamRows(aggregateSql(keys, 'TRUE')));
    expect(await read(await streamAggregatePasses(store, keys, 'TRUE', 3, undefined, slice))).toEqual(expected);
  });

  it('applies the selection in every pass', async () => {
    const where = "action = 'REJECT' AND srcaddr <> '10.0.3.5'";
    const expected = (await store.query(aggregateSql(KEYS, where))).rows.length;
    expect(expected).toBeGreaterThan(0);
    expect(await read(await streamAggregatePasses(store, KEYS, where, 3))).toHaveLength(expected);
  });

  // DuckDB ends a streamed result that fails part way (e.g. out of memory) as if it were complete: the first read of
  // the first slice is cut short here, as DuckDB cuts it, and the slice must be read on from where it stopped.
  const cutting = (reads: number): Store =>
    new Proxy(store, {
      get(target, name) {
        if (name !== 'streamRows') return Reflect.get(target, name, target) as unknown;
        return async (sql: string) => {
          const stream = await target.streamRows(sql);
          if (!sql.includes('ORDER BY') || reads-- <= 0) return stream;
          return {
            ...stream,
            async *[Symbol.asyncIterator]() {
              for await (const batch of stream) {
                yield batch.slice(0, Math.ceil(batch.length / 2));
                return;
              }
            },
          };
        };
      },
    });

  it.each([[undefined, 1], [undefined, 3], [10, 2]])('reads a slice that DuckDB ended early on from where it stopped (limit %s, %i passes)', async (limit, passes) => {
    const expected = await read(await store.streamRows(aggregateSql(KEYS, 'TRUE', limit)));
    expect(await read(await streamAggregatePasses(cutting(2), KEYS, 'TRUE', passes, limit, 100))).toEqual(expected);
    expect(await scratchLeft()).toEqual([]);
  });

  it('fails with aggregate-short when a slice stays short', async () => {
    const error = await read(await streamAggregatePasses(cutting(1000), KEYS, 'TRUE', 2)).catch((e: unknown) => e);
    expect((error as { code?: string }).code).toBe('aggregate-short');
    expect(await scratchLeft()).toEqual([]);
  });

  it('removes its scratch database when the reader stops early', async () => {
    for await (const batch of await streamAggregatePasses(store, KEYS, 'TRUE', 3)) {
      expect(batch.length).toBeGreaterThan(0);
      break;
    }
    expect(await scratchLeft()).toEqual([]);
  });

  it('bounds the groups by the stored records, or by the whole-store rollup for keys it holds', async () => {
    expect(await readAggregateGroupBound(store)).toBe(560);
    expect(await readAggregateGroupBound(store, ['srcaddr', 'dstport'])).toBe(560); // no rollups yet
    await refreshRollups(store);
    const exact = async (keys: string[]): Promise<number> => (await store.query(aggregateSql(keys, 'TRUE'))).rows.length;
    for (const keys of [['srcaddr', 'dstport'], ['dstaddr'], ['action', 'protocol']]) {
      const bound = await readAggregateGroupBound(store, keys);
      expect(bound).toBeGreaterThanOrEqual(await exact(keys));
      expect(bound).toBeLessThan(560);
    }
    expect(await readAggregateGroupBound(store, KEYS)).toBe(560); // srcport is not in the rollup
  });
});

describe('aggregatePassCount', () => {
  it('splits into passes of GROUPS_PER_PASS groups at 160 MiB, smaller ones under a lower limit', () => {
    expect(aggregatePassCount(0, AGGREGATE_MEMORY_BYTES)).toBe(1);
    expect(aggregatePassCount(5_000_000, AGGREGATE_MEMORY_BYTES)).toBe(1);
    expect(aggregatePassCount(100_000_000, AGGREGATE_MEMORY_BYTES)).toBe(Math.ceil(100_000_000 / GROUPS_PER_PASS));
    expect(aggregatePassCount(100_000_000, 2 * AGGREGATE_MEMORY_BYTES)).toBe(Math.ceil(100_000_000 / GROUPS_PER_PASS));
    expect(aggregatePassCount(5_000_000, AGGREGATE_MEMORY_BYTES / 2)).toBe(3);
  });
});

async function limitNowOn(store: Store): Promise<string> {
  const other = await store.connect();
  try {
    return String((await (await other.runAndReadAll("SELECT current_setting('memory_limit') AS m")).getRowObjectsJS())[0]?.m);
  } finally {
    other.closeSync();
  }
}
