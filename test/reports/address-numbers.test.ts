import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbDialect, dialectForStore, duckdb } from '../../src/engines/index.js';
import type { SqlDialect } from '../../src/engines/index.js';
import { buildReportSql, findReport } from '../../src/reports/index.js';
import { createLocalSource } from '../../src/sources/index.js';
import { FLOW_ROLLUPS, ingestSources, readRollups, refreshRollups, Store } from '../../src/store/index.js';
import { V2_HEADER } from '../sources/helpers/flow-data.js';
import { valuesOf } from '../query/fixture-store.js';

// port-scans and byte-stats group by address numbers on a store with rollups; their rows must be those of the SQL
// over flows, also when one number has several spellings (leading zeros, IPv4-mapped IPv6, upper-case IPv6).
const ADDRESSES = ['10.0.0.1', '010.0.0.1', '::ffff:10.0.0.1', '10.0.0.2', '10.0.0.3', '192.168.1.5', '2001:db8::1', '2001:DB8::1', '2001:db8::2'];
const CLEAN = ['10.0.0.2', '10.0.0.3', '192.168.1.5', '2001:db8::2'];
const START = 1_700_000_000 - (1_700_000_000 % 3600);
const WHERES = ['TRUE', `"start" >= ${START + 900}`, `"start" >= ${START} AND "start" < ${START + 3600}`, "action = 'REJECT'"];

interface Flow {
  src: string;
  dst: string;
  port: number;
  offset: number;
  bytes: number;
  reject: boolean;
  noData: boolean;
}

const flowArbitrary = (addresses: readonly string[]): fc.Arbitrary<Flow> =>
  fc.record({
    src: fc.constantFrom(...addresses),
    dst: fc.constantFrom(...addresses),
    port: fc.constantFrom(22, 80, 443, 3389, 8080, 1000, 1001, 1002),
    offset: fc.integer({ min: 0, max: 3 * 3600 }),
    bytes: fc.integer({ min: 0, max: 2 ** 40 }),
    reject: fc.boolean(),
    noData: fc.integer({ min: 0, max: 4 }).map((n) => n === 0),
  });

function line(flow: Flow): string {
  const t = START + flow.offset;
  if (flow.noData) return `2 123456789012 eni-0a1 - - - - - - - ${t} ${t + 60} - NODATA`;
  return `2 123456789012 eni-0a1 ${flow.src} ${flow.dst} 40000 ${flow.port} 6 3 ${flow.bytes} ${t} ${t + 59} ${flow.reject ? 'REJECT' : 'ACCEPT'} OK`;
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'flowlens-address-numbers-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let run = 0;
/** A store of the flows in two units (files), with its rollups current. */
async function storeOf(first: readonly Flow[], second: readonly Flow[]): Promise<Store> {
  const folder = join(dir, String(run++));
  mkdirSync(folder);
  writeFileSync(join(folder, 'a.log'), `${[V2_HEADER, ...first.map(line)].join('\n')}\n`);
  writeFileSync(join(folder, 'b.log'), `${[V2_HEADER, ...second.map(line)].join('\n')}\n`);
  const store = await Store.memory();
  await ingestSources(store, [createLocalSource(folder)]);
  await refreshRollups(store);
  return store;
}

const CASES: { report: string; params: Record<string, string> }[] = [
  { report: 'port-scans', params: { 'min-ports': '2', 'min-hosts': '2' } },
  { report: 'port-scans', params: { window: '600', 'min-ports': '3', 'min-hosts': '1' } },
  { report: 'port-scans', params: { window: '7200', 'min-ports': '1', 'min-hosts': '4' } },
  { report: 'byte-stats', params: {} },
];

/** Checks every case and selection against the SQL over flows; returns how many result rows were compared. */
async function expectSameRows(store: Store, limit: number | undefined): Promise<number> {
  const rolled: SqlDialect[] = [await dialectForStore(store), new DuckDbDialect(FLOW_ROLLUPS)];
  expect(rolled[0]?.rollups?.wholeStore).toBeDefined();
  let compared = 0;
  for (const { report, params } of CASES) {
    for (const where of WHERES) {
      const context = { table: 'flows', where, limit, params };
      const plain = await store.query(buildReportSql(findReport(report), { ...context, dialect: duckdb }));
      for (const dialect of rolled) {
        const sql = buildReportSql(findReport(report), { ...context, dialect });
        expect(sql).toContain('address_names');
        const fast = await store.query(sql);
        expect(valuesOf(fast.rows), `${report} ${JSON.stringify(params)} where ${where}`).toEqual(valuesOf(plain.rows));
        expect(fast.columns).toEqual(plain.columns);
        expect(fast.types).toEqual(plain.types);
      }
      compared += plain.rows.length;
    }
  }
  return compared;
}

describe('reports grouped by address numbers', () => {
  it('give the rows of the SQL over flows when numbers have several spellings', async () => {
    let compared = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(flowArbitrary(ADDRESSES), { minLength: 1, maxLength: 120 }), fc.array(flowArbitrary(ADDRESSES), { maxLength: 60 }), fc.constantFrom(undefined, 3), async (first, second, limit) => {
        const store = await storeOf(first, second);
        try {
          compared += await expectSameRows(store, limit);
        } finally {
          store.close();
        }
      }),
      { numRuns: 8 },
    );
    expect(compared).toBeGreaterThan(0);
  });

  it('give the same rows when every number has one spelling', async () => {
    const flows = fc.sample(flowArbitrary(CLEAN), { numRuns: 300, seed: 7 });
    const store = await storeOf(flows.slice(0, 200), flows.slice(200));
    try {
      expect(await readRollups(store)).toBeDefined();
      expect(await expectSameRows(store, undefined)).toBeGreaterThan(0);
    } finally {
      store.close();
    }
  });

  it('read the flows table when the store has no current rollups', async () => {
    const store = await storeOf([{ src: '10.0.0.1', dst: '10.0.0.2', port: 22, offset: 0, bytes: 10, reject: true, noData: false }], []);
    try {
      await store.run('DELETE FROM ingest_units WHERE unit_id = (SELECT max(unit_id) FROM ingest_units)');
      const dialect = await dialectForStore(store);
      expect(dialect.rollups).toBeUndefined();
      for (const { report, params } of CASES) {
        expect(buildReportSql(findReport(report), { table: 'flows', where: 'TRUE', limit: undefined, params, dialect })).not.toContain('address_names');
      }
    } finally {
      store.close();
    }
  });
});
