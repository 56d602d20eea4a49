import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildGraph, graphEdgesSql, loadNameTable, parseNodeMode } from '../../src/graph/index.js';
import type { FlowGraph } from '../../src/graph/index.js';
import { duckdb, DuckDbDialect } from '../../src/engines/index.js';
import { compileInsights, flowsSource } from '../../src/query/insights/index.js';
import { dialectForStore } from '../../src/engines/index.js';
import { buildReportSql, REPORTS } from '../../src/reports/index.js';
import { resolveSource } from '../../src/sources/index.js';
import {
  FLOW_RECORDS_TABLE, FLOW_ROLLUPS, ingestSources, readRollups, refreshRollups, ROLLUP_UNITS_TABLE, rollupCondition, rollupTablesFor, updateRollups,
  WHOLE_STORE_ROLLUPS, WHOLE_STORE_UNITS_TABLE,
} from '../../src/store/index.js';
import type { FlowRollups, Store } from '../../src/store/index.js';
import { fixtureStore, graphFixture } from '../graph/fixture.js';
import { loadStore, valuesOf } from './fixture-store.js';

/** Both levels, as readRollups returns them on a store whose rollups are up to date. */
const BOTH: FlowRollups = { ...FLOW_ROLLUPS, wholeStore: WHOLE_STORE_ROLLUPS };
const rolled = new DuckDbDialect(FLOW_ROLLUPS);
const wholeRolled = new DuckDbDialect(BOTH);
/** Whether a selection lets the whole-store level answer (no time window). */
const untimed = (where: string) => !where.includes('"start"');
const PARAMS: Record<string, Record<string, string>> = { 'subnet-top-bytes': { cidr: '10.0.1.0/24' } };
// Selections as selectionToSql writes them: whole hours (answered from rollups) and others (read from flows).
const WHERES = ['TRUE', '"start" >= 1700000000', '"start" >= 1699999200 AND "start" < 1700010000', '"start" >= 1699999200 AND "start" < 1700006400', "action = 'REJECT'"];
const INSIGHTS = [
  'stats count(*) by srcAddr, dstPort',
  'filter action="REJECT" | stats count(*) as numRejections by srcAddr | sort numRejections desc, srcAddr asc | limit 20',
  'stats sum(bytes) as b, sum(packets) as p, count() as n by srcAddr, dstAddr | sort b desc | limit 7',
  'filter isIpInSubnet(srcAddr, "10.0.1.0/24") and protocol = 6 | stats sum(bytes) by dstAddr, dstPort',
  'stats count(*) as flows',
  'filter logStatus = "NODATA" | stats count(*), sum(bytes)',
  'stats count(*) by action, protocol, logStatus',
  'stats avg(bytes) by srcAddr',
  'filter srcPort > 1000 | stats count(*) by srcAddr',
  'stats count(*) by bin(1h)',
  'stats count(*) by srcAddr, dstPort | limit 7',
  'stats count(*), sum(bytes) by dstAddr, dstPort, srcAddr | limit 3 | limit 40',
  'stats count(*) by protocol, dstPort | limit 2',
  'stats count(*) by action, dstPort | limit 1',
  'stats count(*) by srcAddr, dstPort | sort srcAddr desc, dstPort asc | limit 5',
];

let store: Store;

beforeAll(async () => {
  store = await loadStore('queries/flows-mixed.log');
  await refreshRollups(store);
});
afterAll(() => store.close());

describe('rollups', () => {
  it('cover the stored units after refreshRollups, and count every record', async () => {
    expect(await readRollups(store)).toEqual(BOTH);
    expect((await dialectForStore(store)).rollups).toEqual(BOTH);
    for (const tables of [FLOW_ROLLUPS, WHOLE_STORE_ROLLUPS]) {
      const sums = await store.query(`SELECT (SELECT sum(flows) FROM ${tables.ports}) AS ports, (SELECT sum(flows) FROM ${tables.pairs}) AS pairs, (SELECT count(*) FROM flows) AS n`);
      expect(sums.rows[0]).toEqual({ ports: sums.rows[0]?.n, pairs: sums.rows[0]?.n, n: sums.rows[0]?.n });
    }
  });

  it('keep one whole-store row per key, each pairs row counting its merged ports rows', async () => {
    const keys = 'srcaddr, dstaddr, dstport, protocol, action, log_status';
    const check = await store.query(`SELECT
  (SELECT count(*) FROM ${WHOLE_STORE_ROLLUPS.ports}) AS ports, (SELECT count(DISTINCT (${keys})) FROM ${FLOW_ROLLUPS.ports}) AS port_keys,
  (SELECT sum(port_keys) FROM ${WHOLE_STORE_ROLLUPS.pairs}) AS merged,
  (SELECT count(*) FROM ${WHOLE_STORE_ROLLUPS.pairs}) AS pairs, (SELECT count(DISTINCT (srcaddr, dstaddr, protocol, action, log_status)) FROM flows) AS pair_keys`);
    const row = check.rows[0] ?? {};
    expect(Number(row.ports)).toBeGreaterThan(0);
    expect(row.ports).toBe(row.port_keys);
    expect(Number(row.merged)).toBe(Number(row.ports));
    expect(row.pairs).toBe(row.pair_keys);
  });

  it('read the whole-store level only for selections without a time window', () => {
    expect(rollupTablesFor(BOTH, 'TRUE')).toEqual(WHOLE_STORE_ROLLUPS);
    expect(rollupTablesFor(BOTH, `"action" = 'REJECT'`)).toEqual(WHOLE_STORE_ROLLUPS);
    expect(rollupTablesFor(BOTH, `hour_start >= 3600 AND "action" = 'REJECT'`)).toEqual({ ports: FLOW_ROLLUPS.ports, pairs: FLOW_ROLLUPS.pairs });
    expect(rollupTablesFor(FLOW_ROLLUPS, 'TRUE')).toEqual({ ports: FLOW_ROLLUPS.ports, pairs: FLOW_ROLLUPS.pairs });
  });

  it.each(WHERES)('give every report the same rows as the flows table (where %s)', async (where) => {
    for (const report of REPORTS.filter((r) => r.logType === undefined)) {
      const context = { table: 'flows', where, limit: undefined, params: PARAMS[report.name] ?? {} };
      const plain = await store.query(buildReportSql(report, { ...context, dialect: duckdb }));
      for (const dialect of [rolled, wholeRolled]) {
        const fast = await store.query(buildReportSql(report, { ...context, dialect }));
        expect(valuesOf(fast.rows), report.name).toEqual(valuesOf(plain.rows));
        expect(fast.types, report.name).toEqual(plain.types);
      }
    }
    // top-talkers reads the pairs rollup: the whole-store one when the selection has no time window.
    const talkers = REPORTS.find((r) => r.name === 'top-talkers');
    if (!talkers) throw new Error('top-talkers report missing');
    const sql = buildReportSql(talkers, { table: 'flows', where, limit: undefined, params: {}, dialect: wholeRolled });
    const expected = rollupCondition(where) === undefined ? 'FROM "flows"' : untimed(where) ? WHOLE_STORE_ROLLUPS.pairs : FLOW_ROLLUPS.pairs;
    expect(sql).toContain(expected);
  });

  it.each(INSIGHTS)('give Insights %s the same rows', async (query) => {
    for (const where of WHERES) {
      const plain = compileInsights(query, { dialect: duckdb, source: flowsSource({ where }) });
      const expected = valuesOf((await store.query(plain.sql)).rows);
      for (const dialect of [rolled, wholeRolled]) {
        const fast = compileInsights(query, { dialect, source: flowsSource({ where }) });
        expect(valuesOf((await store.query(fast.sql)).rows), `${query} where ${where}`).toEqual(expected);
        // The whole-store tables are read exactly when rollups answer a selection without a time window.
        const hourly = compileInsights(query, { dialect: rolled, source: flowsSource({ where }) }).sql.includes('flow_rollup_');
        expect(fast.sql.includes('_all_v2'), `${query} where ${where}`).toBe(dialect === wholeRolled && hourly && untimed(where));
      }
    }
  });

  it('are read only by queries they can answer', () => {
    const sql = (query: string, where = 'TRUE') => compileInsights(query, { dialect: rolled, source: flowsSource({ where }) }).sql;
    expect(sql('stats count(*) by srcAddr, dstPort')).toContain(FLOW_ROLLUPS.ports);
    expect(sql('stats count(*) by srcAddr, dstPort | limit 5')).toContain('port_keys');
    expect(sql('stats count(*) by srcAddr, dstPort | sort srcAddr desc | limit 5')).not.toContain('port_keys');
    expect(sql('filter protocol = 6 | stats count(*) by srcAddr, dstPort | limit 5')).not.toContain('port_keys');
    expect(sql('stats count(*) by srcAddr')).toContain(FLOW_ROLLUPS.pairs);
    const whole = (query: string, where = 'TRUE') => compileInsights(query, { dialect: wholeRolled, source: flowsSource({ where }) }).sql;
    expect(whole('stats count(*) by srcAddr, dstPort | limit 5')).toContain(`"${WHOLE_STORE_ROLLUPS.pairs}" WHERE`);
    expect(whole('stats count(*) by srcAddr, dstPort', "action = 'REJECT'")).toContain(WHOLE_STORE_ROLLUPS.ports);
    expect(whole('stats count(*) by srcAddr', '"start" >= 1699999200')).toContain(`"${FLOW_ROLLUPS.pairs}" AS r`);
    expect(sql('stats count(*) by srcAddr', '"start" >= 1700000001')).not.toContain('rollup');
    expect(sql('stats avg(bytes) by srcAddr')).not.toContain('rollup');
    expect(sql('filter srcPort > 1000 | stats count(*) by srcAddr')).not.toContain('rollup');
    expect(sql('fields @message | stats count(*) by srcAddr')).not.toContain('rollup');
    expect(compileInsights('stats count(*) by srcAddr', { dialect: rolled, source: flowsSource({ table: 'other' }) }).sql).not.toContain('rollup');
  });

  it('translate only selections on whole hours and actions', () => {
    expect(rollupCondition('TRUE')).toBe('TRUE');
    expect(rollupCondition(`"start" >= 3600 AND "start" < 7200 AND action = 'REJECT'`)).toBe(`hour_start >= 3600 AND hour_start < 7200 AND "action" = 'REJECT'`);
    expect(rollupCondition('"start" >= 3601')).toBeUndefined();
    expect(rollupCondition('("start" >= 3600)')).toBeUndefined();
    expect(rollupCondition("srcaddr = '10.0.0.1'")).toBeUndefined();
  });

  it('are ignored once a unit is added or removed without them, until refreshed', async () => {
    const copy = await loadStore('queries/flows-mixed.log');
    try {
      expect(await readRollups(copy)).toBeUndefined();
      await refreshRollups(copy);
      expect(await readRollups(copy)).toEqual(BOTH);
      await copy.run('DELETE FROM ingest_units');
      expect(await readRollups(copy)).toBeUndefined();
      expect(await refreshRollups(copy)).toBe(0);
      expect(await readRollups(copy)).toEqual(BOTH);
      for (const table of [FLOW_ROLLUPS.pairs, WHOLE_STORE_ROLLUPS.ports, WHOLE_STORE_ROLLUPS.pairs]) {
        expect(Number(await copy.scalar(`SELECT count(*) FROM ${table}`)), table).toBe(0);
      }
    } finally {
      copy.close();
    }
  });

  it('leave the whole-store level stale when more units are ingested, until refreshed', async () => {
    const copy = await loadStore('queries/flows-mixed.log');
    try {
      await refreshRollups(copy);
      await ingestSources(copy, [await resolveSource(graphFixture('flows.log'))]);
      expect(await readRollups(copy)).toBeUndefined();
      expect(await refreshRollups(copy)).toBe(1);
      expect(await readRollups(copy)).toEqual(BOTH);
      await expectWholeStoreCounts(copy);
      await expectTopTalkers(copy, WHOLE_STORE_ROLLUPS.pairs);
    } finally {
      copy.close();
    }
  });

  it('rebuild the whole-store level when a unit is removed', async () => {
    const copy = await loadStore('queries/flows-mixed.log');
    try {
      await ingestSources(copy, [await resolveSource(graphFixture('flows.log'))]);
      await refreshRollups(copy);
      const first = Number(await copy.scalar('SELECT min(unit_id) FROM ingest_units'));
      await copy.run(`DELETE FROM ${FLOW_RECORDS_TABLE} WHERE unit_id = ${first}`);
      await copy.run(`DELETE FROM ingest_units WHERE unit_id = ${first}`);
      expect(await readRollups(copy)).toBeUndefined();
      expect(await refreshRollups(copy)).toBe(0);
      expect(await readRollups(copy)).toEqual(BOTH);
      await expectWholeStoreCounts(copy);
      await expectTopTalkers(copy, WHOLE_STORE_ROLLUPS.pairs);
    } finally {
      copy.close();
    }
  });

  it('use the hourly level after a per-unit updateRollups, until refreshRollups rebuilds the whole-store one', async () => {
    const copy = await loadStore('queries/flows-mixed.log');
    try {
      await refreshRollups(copy);
      await ingestSources(copy, [await resolveSource(graphFixture('flows.log'))]);
      const added = Number(await copy.scalar('SELECT max(unit_id) FROM ingest_units'));
      await updateRollups(copy, added);
      expect(await readRollups(copy)).toEqual(FLOW_ROLLUPS);
      await expectTopTalkers(copy, FLOW_ROLLUPS.pairs);
      // Re-rolling a unit the whole-store level already holds makes it stale too (its records may have changed).
      expect(await refreshRollups(copy)).toBe(0);
      expect(await readRollups(copy)).toEqual(BOTH);
      await updateRollups(copy, added);
      expect(await readRollups(copy)).toEqual(FLOW_ROLLUPS);
      expect(await refreshRollups(copy)).toBe(0);
      expect(await readRollups(copy)).toEqual(BOTH);
      await expectWholeStoreCounts(copy);
    } finally {
      copy.close();
    }
  });

  it('are replaced, not doubled, when a unit is rolled up twice in one transaction', async () => {
    const copy = await loadStore('queries/flows-mixed.log');
    try {
      const units = (await copy.query('SELECT unit_id FROM ingest_units ORDER BY unit_id')).rows.map((r) => Number(r.unit_id));
      await copy.run('BEGIN TRANSACTION');
      for (const unit of [...units, ...units]) await updateRollups(copy, unit);
      await copy.run('COMMIT');
      expect(await readRollups(copy)).toEqual(FLOW_ROLLUPS);
      expect(Number(await copy.scalar(`SELECT sum(flows) FROM ${FLOW_ROLLUPS.pairs}`))).toBe(Number(await copy.scalar('SELECT count(*) FROM flows')));
    } finally {
      copy.close();
    }
  });

  it('are kept per unit by updateRollups', async () => {
    const copy = await loadStore('queries/flows-mixed.log');
    try {
      const units = (await copy.query('SELECT unit_id FROM ingest_units ORDER BY unit_id')).rows.map((r) => Number(r.unit_id));
      for (const unit of units) await updateRollups(copy, unit);
      await updateRollups(copy, units[0] ?? 0);
      expect(await readRollups(copy)).toEqual(FLOW_ROLLUPS);
      const total = await copy.query(`SELECT sum(flows) AS n FROM ${FLOW_ROLLUPS.ports}`);
      expect(Number(total.rows[0]?.n)).toBe(Number(await copy.scalar('SELECT count(*) FROM flows')));
    } finally {
      copy.close();
    }
  });
});

describe('graph on rollups', () => {
  let graphStore: Store;
  beforeAll(async () => {
    graphStore = await fixtureStore();
  });
  afterAll(() => graphStore.close());

  it.each(['ip', 'subnet/24', 'name', 'ip-port'])('builds the same --node %s graph from rollups', async (node) => {
    const names = await loadNameTable({ names: [graphFixture('names.yaml')] });
    const variants = [{}, { top: 3, weight: 'bytes' as const }, { publicMode: 'group' as const, names }, { protocols: [6] }, { withPorts: false, minFlows: 2 },
      { where: '"start" >= 1699999200' }, { where: "action = 'REJECT'", top: 4 }];
    const before: FlowGraph[] = [];
    for (const variant of variants) before.push(await buildGraph(graphStore, { node: parseNodeMode(node), ...variant }));
    await refreshRollups(graphStore);
    const rollups = await readRollups(graphStore);
    expect(rollups).toEqual(BOTH);
    // Both levels are read when the scope allows: the whole-store one without a time window.
    const ip = parseNodeMode('ip');
    expect(graphEdgesSql({ node: ip, rollups }, {})).toContain(`"${WHOLE_STORE_ROLLUPS.pairs}"`);
    expect(graphEdgesSql({ node: ip, rollups, where: "action = 'ACCEPT'" }, {})).toContain(`"${WHOLE_STORE_ROLLUPS.ports}"`);
    expect(graphEdgesSql({ node: ip, rollups, where: '"start" >= 1699999200' }, {})).toContain(`"${FLOW_ROLLUPS.ports}"`);
    expect(graphEdgesSql({ node: ip, rollups: FLOW_ROLLUPS }, {})).toContain(`"${FLOW_ROLLUPS.pairs}"`);
    const sort = (g: FlowGraph) => ({ ...g, edges: [...g.edges].sort((a, b) => `${a.source} ${a.target}`.localeCompare(`${b.source} ${b.target}`)), nodes: [...g.nodes].sort((a, b) => a.id.localeCompare(b.id)) });
    for (const [i, variant] of variants.entries()) {
      for (const level of [undefined, FLOW_ROLLUPS]) {
        const after = await buildGraph(graphStore, { node: parseNodeMode(node), ...variant, rollups: level });
        expect(sort(after), `${node} variant ${i} ${level ? 'hourly' : 'whole-store'}`).toEqual(sort(before[i] as FlowGraph));
      }
    }
    await graphStore.run(`DELETE FROM ${ROLLUP_UNITS_TABLE}`);
  });
});

/** The whole-store tables and ledger match the stored records and units. */
async function expectWholeStoreCounts(store: Store): Promise<void> {
  const row = (await store.query(`SELECT (SELECT count(*) FROM flows) AS n, (SELECT sum(flows) FROM ${WHOLE_STORE_ROLLUPS.ports}) AS ports,
  (SELECT sum(flows) FROM ${WHOLE_STORE_ROLLUPS.pairs}) AS pairs, (SELECT list(unit_id ORDER BY unit_id) FROM ingest_units) AS units,
  (SELECT list(unit_id ORDER BY unit_id) FROM ${WHOLE_STORE_UNITS_TABLE}) AS ledger`)).rows[0] ?? {};
  expect(Number(row.n)).toBeGreaterThan(0);
  expect([Number(row.ports), Number(row.pairs)]).toEqual([Number(row.n), Number(row.n)]);
  expect(row.ledger).toEqual(row.units);
}

/** top-talkers through dialectForStore reads the given table and gives the flows table's rows. */
async function expectTopTalkers(store: Store, table: string): Promise<void> {
  const report = REPORTS.find((r) => r.name === 'top-talkers');
  if (!report) throw new Error('top-talkers report missing');
  const context = { table: 'flows', where: 'TRUE', limit: undefined, params: {} };
  const sql = buildReportSql(report, { ...context, dialect: await dialectForStore(store) });
  expect(sql).toContain(table);
  expect(valuesOf((await store.query(sql)).rows)).toEqual(valuesOf((await store.query(buildReportSql(report, { ...context, dialect: duckdb }))).rows));
}
