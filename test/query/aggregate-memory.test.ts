import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { aggregateSql } from '../../src/query/flow-queries.js';
import { AGGREGATE_MEMORY_BYTES, streamAggregate } from '../../src/query/flow-results.js';
import { createStdinSource } from '../../src/sources/index.js';
import { ingestSources } from '../../src/store/index.js';
import type { Store } from '../../src/store/index.js';
import { V2_HEADER, openTempStore } from '../helpers/temp-store.js';

const KEYS = ['srcaddr', 'dstaddr', 'srcport', 'dstport', 'protocol'];
const MIB = 1024 * 1024;

describe('streamAggregate', () => {
  let store: Store;
  beforeEach(async () => {
    store = await openTempStore();
    const lines = Array.from({ length: 400 }, (_, i) => `2 123456789010 eni-1 10.0.${i % 7}.5 10.0.2.${i % 11} 443 ${1000 + (i % 5)} 6 ${i} ${i * 10} 1439387263 1439387264 ${i % 3 ? 'ACCEPT' : 'REJECT'} OK`);
    await ingestSources(store, [createStdinSource(Readable.from([`${V2_HEADER}\n${lines.join('\n')}\n`]))]);
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
    expect(rows.length).toBe(385); // lcm(7, 11, 5) distinct 5-tuples
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

async function limitNowOn(store: Store): Promise<string> {
  const other = await store.connect();
  try {
    return String((await (await other.runAndReadAll("SELECT current_setting('memory_limit') AS m")).getRowObjectsJS())[0]?.m);
  } finally {
    other.closeSync();
  }
}
