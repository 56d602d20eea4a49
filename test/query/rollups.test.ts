import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildGraph, graphEdgesSql, loadNameTable, parseNodeMode } from '../../src/graph/index.js';
import type { FlowGraph } from '../../src/graph/index.js';
import { duckdb, DuckDbDialect } from '../../src/query/dialect.js';
import { compileInsights, flowsSource } from '../../src/query/insights/index.js';
import { dialectForStore } from '../../src/query/store-dialect.js';
import { buildReportSql, REPORTS } from '../../src/reports/index.js';
import { FLOW_ROLLUPS, readRollups, refreshRollups, ROLLUP_UNITS_TABLE, rollupCondition, updateRollups } from '../../src/store/index.js';
import type { Store } from '../../src/store/index.js';
import { fixtureStore, graphFixture } from '../graph/fixture.js';
import { loadStore, valuesOf } from './fixture-store.js';

const rolled = new DuckDbDialect(FLOW_ROLLUPS);
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
    expect(await readRollups(store)).toEqual(FLOW_ROLLUPS);
    expect((await dialectForStore(store)).rollups).toEqual(FLOW_ROLLUPS);
    const sums = await store.query(`SELECT (SELECT sum(flows) FROM ${FLOW_ROLLUPS.ports}) AS ports, (SELECT sum(flows) FROM ${FLOW_ROLLUPS.pairs}) AS pairs, (SELECT count(*) FROM flows) AS n`);
    expect(sums.rows[0]).toEqual({ ports: sums.rows[0]?.n, pairs: sums.rows[0]?.n, n: sums.rows[0]?.n });
  });

  it.each(WHERES)('give every report the same rows as the flows table (where %s)', async (where) => {
    for (const report of REPORTS.filter((r) => r.logType === undefined)) {
      const context = { table: 'flows', where, limit: undefined, params: PARAMS[report.name] ?? {} };
      const plain = await store.query(buildReportSql(report, { ...context, dialect: duckdb }));
      const fast = await store.query(buildReportSql(report, { ...context, dialect: rolled }));
      expect(valuesOf(fast.rows), report.name).toEqual(valuesOf(plain.rows));
      expect(fast.types, report.name).toEqual(plain.types);
    }
  });

  it.each(INSIGHTS)('give Insights %s the same rows', async (query) => {
    for (const where of WHERES) {
      const plain = compileInsights(query, { dialect: duckdb, source: flowsSource({ where }) });
      const fast = compileInsights(query, { dialect: rolled, source: flowsSource({ where }) });
      expect(valuesOf((await store.query(fast.sql)).rows), `${query} where ${where}`).toEqual(valuesOf((await store.query(plain.sql)).rows));
    }
  });

  it('are read only by queries they can answer', () => {
    const sql = (query: string, where = 'TRUE') => compileInsights(query, { dialect: rolled, source: flowsSource({ where }) }).sql;
    expect(sql('stats count(*) by srcAddr, dstPort')).toContain(FLOW_ROLLUPS.ports);
    expect(sql('stats count(*) by srcAddr, dstPort | limit 5')).toContain('port_keys');
    expect(sql('stats count(*) by srcAddr, dstPort | sort srcAddr desc | limit 5')).not.toContain('port_keys');
    expect(sql('filter protocol = 6 | stats count(*) by srcAddr, dstPort | limit 5')).not.toContain('port_keys');
    expect(sql('stats count(*) by srcAddr')).toContain(FLOW_ROLLUPS.pairs);
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
      expect(await readRollups(copy)).toEqual(FLOW_ROLLUPS);
      await copy.run('DELETE FROM ingest_units');
      expect(await readRollups(copy)).toBeUndefined();
      expect(await refreshRollups(copy)).toBe(0);
      expect(await readRollups(copy)).toEqual(FLOW_ROLLUPS);
      expect(Number(await copy.scalar(`SELECT count(*) FROM ${FLOW_ROLLUPS.pairs}`))).toBe(0);
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
    const variants = [{}, { top: 3, weight: 'bytes' as const }, { publicMode: 'group' as const, names }, { protocols: [6] }, { withPorts: false, minFlows: 2 }, { where: '"start" >= 1699999200' }];
    const before: FlowGraph[] = [];
    for (const variant of variants) before.push(await buildGraph(graphStore, { node: parseNodeMode(node), ...variant }));
    await refreshRollups(graphStore);
    const rollups = await readRollups(graphStore);
    expect(graphEdgesSql({ node: parseNodeMode('ip'), rollups }, {})).toContain(FLOW_ROLLUPS.pairs);
    for (const [i, variant] of variants.entries()) {
      const after = await buildGraph(graphStore, { node: parseNodeMode(node), ...variant });
      const sort = (g: FlowGraph) => ({ ...g, edges: [...g.edges].sort((a, b) => `${a.source} ${a.target}`.localeCompare(`${b.source} ${b.target}`)), nodes: [...g.nodes].sort((a, b) => a.id.localeCompare(b.id)) });
      expect(sort(after), `${node} variant ${i}`).toEqual(sort(before[i] as FlowGraph));
    }
    await graphStore.run(`DELETE FROM ${ROLLUP_UNITS_TABLE}`);
  });
});
