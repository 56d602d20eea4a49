// Query latencies on a flowlens store and on a naive table (read_csv, VARCHAR addresses) of the same records.
// usage: node queries.mjs DIST_DIR STORE_DB NAIVE_DB RUNS ATTACKER_IP
// Each query runs once to warm up, then RUNS times; prints JSON [{ name, oursMs, naiveMs, note }].
import { performance } from 'node:perf_hooks';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';

const [dist, storePath, naivePath, runsText, attacker] = process.argv.slice(2);
const runs = Number(runsText);
const load = async (path) => {
  try {
    return await import(pathToFileURL(join(dist, 'src', path)).href);
  } catch {
    return null;
  }
};
const { Store } = await load('store/index.js');
const { findipSql } = await load('query/flow-queries.js');
const { cidrRange } = await load('records/index.js');
const reports = await load('reports/index.js');
const dialects = await load('engines/index.js');
const insights = await load('query/insights/index.js');
const graph = await load('graph/index.js');

const store = await Store.open(storePath, { readOnly: true });
const naiveInstance = await DuckDBInstance.create(naivePath, { access_mode: 'READ_ONLY' });
const naive = await naiveInstance.connect();
const dialect = dialects?.DuckDbDialect ? new dialects.DuckDbDialect() : null;

const range = cidrRange(attacker);
const FIELDS = '"version", account_id, interface_id, srcaddr, dstaddr, srcport, dstport, protocol, packets, bytes, "start", "end", "action", log_status';
const quoted = `'${attacker.replaceAll("'", "''")}'`;

// name → { ours: () => Promise, naiveSql, note }; a query whose module is missing is skipped with a note.
const queries = [];
const reportSql = (name) => reports.buildReportSql(reports.findReport(name), { dialect, table: 'flows', where: 'TRUE', limit: undefined });
for (const name of ['top-talkers', 'rejected-sources']) {
  if (!reports || !dialect) {
    queries.push({ name, note: 'src/reports not built: skipped' });
    continue;
  }
  const sql = reportSql(name);
  queries.push({ name, ours: () => store.query(sql), naiveSql: sql, note: `flowlens report ${name}` });
}
queries.push({
  name: 'findip',
  ours: () => store.query(`SELECT ${FIELDS} FROM flows WHERE ${findipSql([range])} ORDER BY "start", unit_id`),
  naiveSql: `SELECT ${FIELDS} FROM flows WHERE srcaddr = ${quoted} OR dstaddr = ${quoted} ORDER BY "start"`,
  note: `flowlens findip ${attacker} (the SSH attacker's flows)`,
});
if (insights && dialect) {
  const sql = insights.compileInsights('stats count(*) by srcAddr, dstPort', { dialect, source: insights.flowsSource({ table: 'flows' }) }).sql;
  queries.push({ name: 'insights stats by srcAddr, dstPort', ours: () => store.query(sql), naiveSql: sql, note: "flowlens insights 'stats count(*) by srcAddr, dstPort'" });
} else {
  queries.push({ name: 'insights stats by srcAddr, dstPort', note: 'src/query/insights not built: skipped' });
}
if (graph?.buildGraph) {
  queries.push({
    name: 'graph top-100 edges',
    ours: () => graph.buildGraph(store, { top: 100, weight: 'bytes' }),
    naiveSql: `SELECT srcaddr, dstaddr, count(*) AS flows, sum(bytes) AS bytes, sum(packets) AS packets, count(DISTINCT dstport) AS ports,
      min("start") AS first_seen, max("end") AS last_seen, count(*) FILTER (WHERE "action" = 'ACCEPT') AS accepted,
      count(*) FILTER (WHERE "action" = 'REJECT') AS rejected
      FROM flows WHERE srcaddr IS NOT NULL GROUP BY srcaddr, dstaddr ORDER BY bytes DESC LIMIT 100`,
    note: 'flowlens graph --node ip --top 100 --weight bytes (buildGraph)',
  });
} else {
  queries.push({ name: 'graph top-100 edges', note: 'src/graph not built: skipped' });
}

async function time(fn) {
  await fn();
  const times = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await fn();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return times.length % 2 ? times[times.length >> 1] : (times[times.length / 2 - 1] + times[times.length / 2]) / 2;
}

const results = [];
for (const q of queries) {
  if (!q.ours) {
    results.push({ name: q.name, oursMs: null, naiveMs: null, note: q.note });
    continue;
  }
  const oursMs = await time(q.ours);
  let naiveMs = null;
  let note = q.note;
  try {
    naiveMs = await time(() => naive.runAndReadAll(q.naiveSql));
  } catch (error) {
    note += ` (naive query failed: ${error.message.split('\n')[0]})`;
  }
  results.push({ name: q.name, oursMs, naiveMs, note });
}
store.close();
naive.closeSync();
naiveInstance.closeSync();
process.stdout.write(`${JSON.stringify(results)}\n`);
