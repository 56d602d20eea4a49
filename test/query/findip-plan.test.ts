import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findip } from '../../src/index.js';
import { planFindip } from '../../src/query/findip.js';
import { readFindipPruning } from '../../src/query/findip-pruning.js';
import { findipSql } from '../../src/query/flow-queries.js';
import { cidrRange } from '../../src/records/index.js';
import { resolveSource } from '../../src/sources/index.js';
import { ingestSources, quoteIdentifier, refreshRollups, Store } from '../../src/store/index.js';

const fixture = (relative: string): string => join(import.meta.dirname, '../fixtures', relative);
const FILES = ['queries/flows-mixed.log', 'aws-docs/default-v2.log', 'aws-docs/traffic-path-v5.log'].map(fixture);

let folder: string;
let store: Store;

beforeAll(async () => {
  folder = mkdtempSync(join(tmpdir(), 'flowlens-findip-plan-'));
  store = await Store.open(join(folder, 'flows.duckdb'));
  await ingestSources(store, await Promise.all(FILES.map((file) => resolveSource(file))));
  await refreshRollups(store);
});
afterAll(() => {
  store.close();
  rmSync(folder, { recursive: true, force: true });
});

const ranges = (addresses: readonly string[]) => addresses.map((a) => cidrRange(a));
const temporaryTables = async (): Promise<string[]> =>
  (await store.query("SELECT table_name FROM duckdb_tables() WHERE temporary AND table_name LIKE 'findip_rows%' ORDER BY table_name")).rows.map((r) => String(r.table_name));
/** The rows of `columns` whose source or destination is in the ranges, read by the plain full-scan condition. */
async function expectedRows(addresses: readonly string[], columns: readonly string[]): Promise<string[]> {
  const sql = `SELECT ${columns.map(quoteIdentifier).join(', ')} FROM flows WHERE ${findipSql(ranges(addresses))}`;
  return (await store.query(sql)).rows.map((row) => JSON.stringify(row, (_, v: unknown) => (typeof v === 'bigint' ? String(v) : v))).sort();
}
const text = (rows: readonly object[]): string[] => rows.map((row) => JSON.stringify(row, (_, v: unknown) => (typeof v === 'bigint' ? String(v) : v))).sort();

describe('planFindip', () => {
  it('gathers the few rows of each plan into its own temporary table and drops it on close', async () => {
    const first = await planFindip(store, 'TRUE', ranges(['10.0.1.10']));
    const second = await planFindip(store, 'TRUE', ranges(['172.31.5.5', '10.0.0.0/16']));
    const tables = await temporaryTables();
    expect(tables).toHaveLength(2);
    const one = (await store.query(first.select(first.columns))).rows;
    const two = (await store.query(second.select(second.columns))).rows;
    expect(one.length).toBeGreaterThan(0);
    expect(text(one)).toEqual(await expectedRows(['10.0.1.10'], first.columns));
    expect(text(two)).toEqual(await expectedRows(['172.31.5.5', '10.0.0.0/16'], second.columns));
    await first.close();
    await second.close();
    expect(await temporaryTables()).toEqual([]);
  });

  it('orders by start and applies a limit without gathering', async () => {
    const plan = await planFindip(store, 'TRUE', ranges(['10.0.0.0/8']), { fields: ['start', 'srcaddr', 'dstaddr'], limit: 3 });
    expect(await temporaryTables()).toEqual([]);
    expect(plan.columns).toEqual(['start', 'srcaddr', 'dstaddr']);
    const rows = (await store.query(plan.select(plan.columns))).rows;
    expect(rows).toHaveLength(3);
    const starts = rows.map((r) => Number(r.start));
    expect(starts).toEqual([...starts].sort((a, b) => a - b));
    await plan.close();
  });
});

describe('findip (library)', () => {
  it('yields the rows of the plain scan, and two open iterators do not mix their rows', async () => {
    const a = findip(store, '10.0.1.10', { fields: ['srcaddr', 'dstaddr', 'start'] });
    const b = findip(store, '2001:db8::/32', { fields: ['srcaddr', 'dstaddr', 'start'] });
    const first = await a.next();
    const fromB: object[] = [];
    for await (const row of b) fromB.push(row);
    const fromA: object[] = first.done ? [] : [first.value];
    for await (const row of a) fromA.push(row);
    expect(text(fromA)).toEqual(await expectedRows(['10.0.1.10'], ['srcaddr', 'dstaddr', 'start']));
    expect(text(fromB)).toEqual(await expectedRows(['2001:db8::/32'], ['srcaddr', 'dstaddr', 'start']));
    expect(fromA.length).toBeGreaterThan(0);
    expect(fromB.length).toBeGreaterThan(0);
    expect(await temporaryTables()).toEqual([]);
  });
});

describe('readFindipPruning', () => {
  it.each([['10.0.1.10'], ['10.0.0.0/8'], ['2001:db8::/32']])('counts the found records per hour of start as the rollups hold them (%s)', async (address) => {
    const pruning = await readFindipPruning(store, ranges([address]));
    const expected = await store.query(
      `SELECT "start" - "start" % 3600 AS hour, count(*) AS n FROM flows WHERE (${findipSql(ranges([address]))}) AND "start" IS NOT NULL GROUP BY hour ORDER BY hour`,
    );
    expect(pruning?.hours.map((h) => [String(h.hour), h.rows])).toEqual(expected.rows.map((r) => [String(r.hour), Number(r.n)]));
    expect(pruning?.hours.length).toBeGreaterThan(0);
  });
});

describe('planFindip on rows of equal start', () => {
  it('orders a request and its response by the printed columns, whatever order they were stored in', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flowlens-findip-ties-'));
    const tied = await Store.open(join(dir, 'flows.duckdb'));
    try {
      const header = 'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status';
      const lines = [
        '2 123456789012 eni-1 10.9.0.1 10.9.0.2 443 50000 6 5 900 1700000000 1700000030 ACCEPT OK',
        '2 123456789012 eni-1 10.9.0.1 10.9.0.2 443 40000 6 4 800 1700000000 1700000030 ACCEPT OK',
        '2 123456789012 eni-1 10.9.0.2 10.9.0.1 40000 443 6 3 300 1700000000 1700000030 ACCEPT OK',
      ];
      const file = join(dir, 'tied.log');
      writeFileSync(file, `${header}\n${lines.join('\n')}\n`);
      await ingestSources(tied, [await resolveSource(file)]);
      await refreshRollups(tied);
      const plan = await planFindip(tied, 'TRUE', ranges(['10.9.0.1']));
      try {
        const rows = (await tied.query(plan.select(['srcaddr', 'dstaddr', 'srcport', 'dstport', 'start']))).rows;
        expect(rows.map((r) => `${String(r.srcaddr)}:${String(r.srcport)}>${String(r.dstaddr)}:${String(r.dstport)}`)).toEqual([
          '10.9.0.1:443>10.9.0.2:40000',
          '10.9.0.1:443>10.9.0.2:50000',
          '10.9.0.2:40000>10.9.0.1:443',
        ]);
      } finally {
        await plan.close();
      }
    } finally {
      tied.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

