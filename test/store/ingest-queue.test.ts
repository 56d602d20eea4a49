import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SourceError } from '../../src/records/index.js';
import { createLocalSource } from '../../src/sources/index.js';
import type { Source, SourceUnit } from '../../src/sources/index.js';
import { FLOW_ROLLUPS, ingestSources, readRollups, refreshRollups, Store, WHOLE_STORE_ROLLUPS } from '../../src/store/index.js';
import { V2_HEADER, openTempStore } from '../helpers/temp-store.js';

const HEADER = V2_HEADER;
const line = (unit: number, i: number): string => `2 123456789010 eni-${unit} 10.0.${unit}.${i % 250} 10.0.2.6 ${1000 + i} 443 6 10 ${i} ${1700000000 + i} ${1700000060 + i} ACCEPT OK`;

let dir: string;
let store: Store;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'flowlens-queue-'));
  store = await openTempStore();
});
afterEach(() => store.close());

function writeUnits(count: number, rows: number): void {
  for (let u = 0; u < count; u++) {
    writeFileSync(join(dir, `u${String(u).padStart(3, '0')}.log`), `${HEADER}\n${Array.from({ length: rows }, (_, i) => line(u, i)).join('\n')}\n`);
  }
}

describe('ingestSources with units loaded and committed together', () => {
  it('tags every row with its own unit, as the ledger counts them', async () => {
    writeUnits(30, 50);
    const summary = await ingestSources(store, [createLocalSource(dir)]);
    expect(summary).toMatchObject({ units: 30, records: 1500 });
    const mismatched = await store.query(`SELECT u.unit_key, u.records, count(f.unit_id) AS stored, min(f.interface_id) AS eni, max(f.interface_id) AS eni2
      FROM ingest_units u LEFT JOIN flows f USING (unit_id) GROUP BY ALL HAVING stored <> u.records OR eni <> eni2`);
    expect(mismatched.rows).toEqual([]);
    const sample = await store.query("SELECT src_ip FROM flows WHERE srcaddr = '10.0.7.3'");
    expect(sample.rows[0]?.src_ip).toBe(0xffff0a000703);
  });

  it('keeps the units before a failing one in the same run, and drops only that unit', async () => {
    writeUnits(5, 20);
    const failing = failingAt(dir, 'u002.log');
    const failed: string[] = [];
    const summary = await ingestSources(store, [failing], { onUnitError: (unit) => failed.push(unit.key) });
    expect(summary).toMatchObject({ units: 4, failedUnits: 1, records: 80 });
    expect(failed).toHaveLength(1);
    expect(Number(await store.scalar("SELECT count(*) FROM flows WHERE interface_id = 'eni-2'"))).toBe(0);
    expect(Number(await store.scalar('SELECT count(*) FROM ingest_units'))).toBe(4);
    const again = await ingestSources(store, [createLocalSource(dir)]);
    expect(again).toMatchObject({ units: 1, skippedUnits: 4, records: 20 });
  });

  it('rolls units up in the transaction that commits them, so an ingest ended by an error and its rerun stay exact', async () => {
    writeUnits(5, 20);
    const failing = failingAt(dir, 'u003.log');
    await expect(ingestSources(store, [failing], { rollups: true })).rejects.toThrow(/simulated transfer failure/);
    // The three units before the error are stored, and the hourly rollups hold exactly them.
    expect(Number(await store.scalar('SELECT count(*) FROM ingest_units'))).toBe(3);
    expect(await readRollups(store)).toEqual(FLOW_ROLLUPS);
    await expectRollupsMatchRecords(FLOW_ROLLUPS);
    const again = await ingestSources(store, [createLocalSource(dir)], { rollups: true });
    expect(again).toMatchObject({ units: 2, skippedUnits: 3, records: 40, rollupUnits: 2 });
    expect(await refreshRollups(store)).toBe(0);
    expect(await readRollups(store)).toEqual({ ...FLOW_ROLLUPS, wholeStore: WHOLE_STORE_ROLLUPS });
    await expectRollupsMatchRecords(FLOW_ROLLUPS);
    await expectRollupsMatchRecords(WHOLE_STORE_ROLLUPS);
  });

  it('commits a folder of thousands of small units in several transactions, every unit stored once', async () => {
    for (let u = 0; u < 4100; u++) {
      const record = `2 123456789010 eni-${u} 10.${u >> 8}.${u & 255}.1 10.0.2.6 ${1000 + u} 443 6 10 ${u} 1700000000 1700000060 ACCEPT OK`;
      writeFileSync(join(dir, `u${String(u).padStart(4, '0')}.log`), `${HEADER}\n${record}\n`);
    }
    const statements: string[] = [];
    const run = store.run.bind(store);
    vi.spyOn(store, 'run').mockImplementation(async (sql: string) => {
      statements.push(sql);
      return run(sql);
    });
    const summary = await ingestSources(store, [createLocalSource(dir)], { rollups: true });
    expect(summary).toMatchObject({ units: 4100, records: 4100 });
    // 4,100 one-record units are far below the group's rows and time: the count of units closes the first group.
    expect(statements.filter((sql) => sql === 'COMMIT').length).toBeGreaterThanOrEqual(2);
    expect(Number(await store.scalar('SELECT count(DISTINCT unit_id) FROM flows'))).toBe(4100);
    await expectRollupsMatchRecords(FLOW_ROLLUPS);
  });

  it('restores the DuckDB settings it changes for loading', async () => {
    const names = ['threads', 'memory_limit', 'disabled_compression_methods'];
    const settings = async (): Promise<unknown[]> => Promise.all(names.map((name) => store.scalar(`SELECT current_setting('${name}')`)));
    const before = await settings();
    writeUnits(2, 10);
    await ingestSources(store, [createLocalSource(dir)]);
    expect(await settings()).toEqual(before);
  });
});

// Every address pair's flows, packets and bytes as the rollup tables give them equal those of the records.
async function expectRollupsMatchRecords(tables: { ports: string; pairs: string }): Promise<void> {
  const records = (await store.query(`SELECT srcaddr, dstaddr, dstport, action, count(*)::BIGINT AS flows, sum(packets)::BIGINT AS packets, sum(bytes)::BIGINT AS bytes
    FROM flows GROUP BY ALL ORDER BY ALL`)).rows;
  expect(records.length).toBeGreaterThan(0);
  const ports = (await store.query(`SELECT srcaddr, dstaddr, dstport, action, sum(flows)::BIGINT AS flows, sum(packets)::BIGINT AS packets, sum(bytes)::BIGINT AS bytes
    FROM ${tables.ports} GROUP BY ALL ORDER BY ALL`)).rows;
  expect(ports).toEqual(records);
  const total = await store.query(`SELECT sum(flows)::BIGINT AS n FROM ${tables.pairs}`);
  expect(Number(total.rows[0]?.n)).toBe(Number(await store.scalar('SELECT count(*) FROM flows')));
}

// The folder's units as a source whose unit named `suffix` breaks after its first chunk (a transfer failure).
function failingAt(dir: string, suffix: string): Source {
  const local = createLocalSource(dir);
  return {
    name: 'failing',
    async *units(options) {
      for await (const unit of local.units(options)) {
        if (!unit.key.endsWith(suffix)) yield unit;
        else yield { ...unit, open: async () => Readable.from(breakAfterFirstChunk(await unit.open())) } satisfies SourceUnit;
      }
    },
  };
}

async function* breakAfterFirstChunk(stream: Readable): AsyncGenerator<Buffer> {
  for await (const chunk of stream) {
    yield (chunk as Buffer).subarray(0, 200);
    throw new SourceError('transfer', 'simulated transfer failure');
  }
}

describe('IngestQueue.withAllThreads', () => {
  it("runs its work with the store's own thread count, loads with one thread, and keeps a failing work's error", async () => {
    const { IngestQueue } = await import('../../src/store/ingest-queue.js');
    await store.run('SET threads = 3');
    const queue = new IngestQueue(store);
    const threads = async (): Promise<number> => Number(await store.scalar("SELECT current_setting('threads')"));
    expect(await queue.run(threads)).toBe(1);
    expect(await queue.run(() => queue.withAllThreads(threads))).toBe(3);
    expect(await queue.run(threads)).toBe(1);
    // A statement failing inside the work aborts the transaction: the work's error is the one reported.
    await expect(queue.run(() => queue.withAllThreads(() => store.run("SELECT error('rollup step failed')")))).rejects.toThrow(/rollup step failed/);
    await expect(queue.finish()).rejects.toThrow(/rollup step failed/);
    expect(await threads()).toBe(3);
  });
});
