#!/usr/bin/env node
// Query latency of flowlens against a naive table of the same records, in one run (docs/query-speed.md).
//   before: the flows table without rollups (and findip's OR over src_ip/dst_ip): the "without rollups" column;
//   after:  what the commands run (dialectForStore: rollups when up to date; findip's one-scan-per-side SQL);
//   naive:  DuckDB's read_csv of the same .log.gz files into a table (auto-detected types, VARCHAR addresses).
// Each query runs once to warm up, then --runs times, the three variants interleaved so they share the machine's
// load; figures are medians, in ms, including the conversion of the result rows to JS objects for all three.
// findip is timed as a user waits for it: database opened anew on every run, complete output in each of
// --findip-formats (default table,ndjson,csv) written to a sink; before and naive print through the RecordPrinter.
//
// Then streamed output (measureStreaming): findip's first line and complete csv, print's ndjson rate, `| head -1`,
// each beside DuckDB's own COPY of the same rows.
//
// usage: npm run build && node bench/query-speed.mjs [--records 5000000,20000000] [--runs 5] [--data bench/data]
//        [--dist dist] [--out bench/query-speed.json] [--logs DIR --store DB --naive DB (one size, existing files)]
//        [--findip-formats table,ndjson,csv | none] [--streaming-runs 3 (0: none)] [--no-queries (streaming only)]
//        [--streaming-steps WORDS (only the streamed steps whose names contain one of the comma-separated words)]
// As a library: import { measureQueries } from './query-speed.mjs' (run.mjs can call it with its own databases).
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { spawn } from 'node:child_process';
import { Writable } from 'node:stream';
import { DuckDBInstance } from '@duckdb/node-api';
import { measure } from './lib.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const FIELDS = ['version', 'account_id', 'interface_id', 'srcaddr', 'dstaddr', 'srcport', 'dstport', 'protocol', 'packets', 'bytes', 'start', 'end', 'action', 'log_status'];
const SELECT_FIELDS = FIELDS.map((f) => `"${f}"`).join(', ');

/**
 * Measures the listed queries (top-talkers, rejected-sources, findip, Insights stats by srcAddr/dstPort, graph top-100)
 * on a flowlens store and a naive table. Returns [{ name, beforeMs, afterMs, naiveMs, rows, note }].
 */
export async function measureQueries({ dist, storeDb, naiveDb, runs = 5, attacker, findipFormats = ['table', 'ndjson', 'csv'] }) {
  const load = (path) => import(pathToFileURL(join(dist, 'src', path)).href);
  const { Store } = await load('store/index.js');
  const { cidrRange } = await load('records/index.js');
  const { findipFlowsSql } = await load('query/flow-queries.js');
  const { presentFieldColumns } = await load('query/present-columns.js');
  const { RecordPrinter } = await load('cli/record-printer.js');
  const { runCli } = await load('cli/run-cli.js');
  const { normalizeValue } = await load('store/database.js');
  const normalizeRow = (row) => {
    for (const key of Object.keys(row)) row[key] = normalizeValue(row[key]);
    return row;
  };
  const { duckdb } = await load('engines/index.js');
  const { dialectForStore } = await load('engines/index.js');
  const reports = await load('reports/index.js');
  const insights = await load('query/insights/index.js');
  const graph = await load('graph/index.js');

  const store = await Store.open(storeDb, { readOnly: true });
  const naiveInstance = await DuckDBInstance.create(naiveDb, { access_mode: 'READ_ONLY' });
  const naive = await naiveInstance.connect();
  const naiveQuery = async (sql) => (await naive.runAndReadAll(sql)).getRowObjectsJS();
  const naiveTable = await naiveFlowsTable(naive);
  const reportSql = (name, dialect, table = 'flows') => reports.buildReportSql(reports.findReport(name), { dialect, table, where: 'TRUE', limit: undefined });
  const insightsSql = (dialect, table = 'flows') =>
    insights.compileInsights('stats count(*) by srcAddr, dstPort', { dialect, source: insights.flowsSource({ table }) }).sql;
  const queries = [
    ...['top-talkers', 'rejected-sources'].map((name) => ({
      name,
      note: `flowlens report ${name}`,
      before: () => store.query(reportSql(name, duckdb)),
      after: async () => store.query(reportSql(name, await dialectForStore(store))),
      naive: () => naiveQuery(reportSql(name, duckdb, naiveTable)),
    })),
    // findip: what a user waits for, `flowlens findip ADDR [--format F] > pipe`: each run opens its database anew (a
    // cold buffer pool, as a new process has) and writes the whole output to a byte-counting sink. Besides the SSH
    // attacker (the worst case: 4% of all records), a typical address (the median of flows per address) and a busy
    // one (the 99th percentile), picked from the data.
    ...(await findipTargets(naiveQuery, naiveTable, attacker, findipFormats)).flatMap((target) => target.formats.map((format) => ({
      name: `${target.name}${format === 'table' ? '' : ` --format ${format}`}`,
      note: `flowlens findip ${target.address}${format === 'table' ? '' : ` --format ${format}`} (${target.label}), complete output`,
      cold: true,
      // The baseline: every unit scanned, presentFieldColumns, rows as JS objects through the RecordPrinter.
      before: async () => {
        const opened = await Store.open(storeDb, { readOnly: true });
        try {
          const found = findipFlowsSql('TRUE', [cidrRange(target.address)]);
          const columns = await presentFieldColumns(opened, 'TRUE', found);
          const out = byteSink();
          const printer = new RecordPrinter(out.context, format, undefined);
          for await (const batch of opened.stream(`SELECT ${columns.map((c) => `"${c}"`).join(', ')} FROM ${found} AS f ORDER BY "start", unit_id`)) await printer.rows(columns, batch);
          await printer.finish();
          return { length: out.lines() };
        } finally {
          opened.close();
        }
      },
      after: async () => {
        const out = byteSink();
        const code = await runCli({ argv: ['findip', target.address, '--db', storeDb, '--format', format], stdout: out.context.stdout, stderr: out.context.stderr, env: {} });
        if (code !== 0) throw new Error(`findip exited with ${code}: ${out.errors()}`);
        return { length: out.lines() };
      },
      // The naive table with the same output work: its 14 columns as JS objects through the same RecordPrinter.
      naive: async () => {
        const instance = await DuckDBInstance.create(naiveDb, { access_mode: 'READ_ONLY' });
        const connection = await instance.connect();
        const literal = `'${target.address.replaceAll("'", "''")}'`;
        try {
          const table = await naiveFlowsTable(connection);
          const out = byteSink();
          const printer = new RecordPrinter(out.context, format, undefined);
          const result = await connection.stream(`SELECT ${SELECT_FIELDS} FROM ${table} WHERE srcaddr = ${literal} OR dstaddr = ${literal} ORDER BY "start"`);
          for await (const batch of result.yieldRowObjectJs()) await printer.rows(FIELDS, batch.map((row) => normalizeRow(row)));
          await printer.finish();
          return { length: out.lines() };
        } finally {
          connection.closeSync();
          instance.closeSync();
        }
      },
    }))),
    {
      name: 'insights stats count(*) by srcAddr, dstPort',
      note: "flowlens insights 'stats count(*) by srcAddr, dstPort' (10,000 rows, Insights' default limit)",
      before: () => store.query(insightsSql(duckdb)),
      after: async () => store.query(insightsSql(await dialectForStore(store))),
      naive: () => naiveQuery(insightsSql(duckdb, naiveTable)),
    },
    {
      name: 'graph top-100 edges',
      note: 'flowlens graph --node ip --top 100 --weight bytes (buildGraph, with port lists)',
      before: () => graph.buildGraph(store, { top: 100, weight: 'bytes', useRollups: false }),
      after: () => graph.buildGraph(store, { top: 100, weight: 'bytes' }),
      naive: () =>
        naiveQuery(`SELECT srcaddr, dstaddr, count(*) AS flows, sum(bytes) AS bytes, sum(packets) AS packets, count(DISTINCT dstport) AS ports,
      min("start") AS first_seen, max("end") AS last_seen, count(*) FILTER (WHERE "action" = 'ACCEPT') AS accepted,
      count(*) FILTER (WHERE "action" = 'REJECT') AS rejected
      FROM ${naiveTable} WHERE srcaddr IS NOT NULL AND dstaddr IS NOT NULL AND log_status IS DISTINCT FROM 'NODATA' AND log_status IS DISTINCT FROM 'SKIPDATA'
      GROUP BY srcaddr, dstaddr ORDER BY bytes DESC LIMIT 100`),
    },
  ];
  const results = [];
  try {
    for (const q of queries) {
      const variants = ['before', 'after', 'naive'];
      const times = { before: [], after: [], naive: [] };
      const rows = {};
      let note = q.note;
      // A cold query (findip) opens its database on every run, so a warm-up run would only repeat the first one.
      for (let round = q.cold ? 0 : -1; round < runs; round++) {
        for (const variant of variants) {
          if (!times[variant]) continue;
          const started = performance.now();
          let result;
          try {
            result = await q[variant]();
          } catch (error) {
            // A variant that fails (e.g. a naive table without a column) is reported, not fatal.
            note += ` (${variant} failed: ${String(error.message).split('\n')[0]})`;
            times[variant] = null;
            continue;
          }
          const ms = performance.now() - started;
          if (round >= 0) times[variant].push(ms);
          if (round === (q.cold ? 0 : -1)) rows[variant] = result.rows?.length ?? result.edges?.length ?? result.length;
        }
      }
      const med = (variant) => (times[variant] ? median(times[variant]) : null);
      results.push({ name: q.name, beforeMs: med('before'), afterMs: med('after'), naiveMs: med('naive'), rows, note, times });
    }
  } finally {
    store.close();
    naive.closeSync();
    naiveInstance.closeSync();
  }
  return results;
}

/**
 * The naive table's name for queries written with flows' column names: `flows` itself, or a temporary view renaming
 * the columns read_csv's normalize_names gave (`_action`, `accountid`, …), as bench/run.mjs's naive table has them.
 */
async function naiveFlowsTable(connection) {
  const columns = (await connection.runAndReadAll("SELECT column_name FROM duckdb_columns() WHERE table_name = 'flows'")).getRows().map((r) => String(r[0]));
  if (FIELDS.every((f) => columns.includes(f))) return 'flows';
  const pick = (field) => columns.find((c) => c === field || c === `_${field}` || c === field.replaceAll('_', ''));
  const select = FIELDS.map((f) => `${pick(f) ? `"${pick(f)}"` : 'NULL'} AS "${f}"`).join(', ');
  await connection.run(`CREATE OR REPLACE TEMP VIEW naive_flows AS SELECT ${select} FROM flows`);
  return 'naive_flows';
}

/**
 * Streamed output as users run it, each flowlens command beside its peer, DuckDB alone writing the same rows to
 * stdout with COPY (bench/duckdb-copy.mjs, same store, same memory_limit): the time to the first data line of
 * `findip ATTACKER --format csv` piped to a reader; its complete output into /dev/null; `print --format ndjson` into
 * /dev/null (records/s); and `print`, `query "SELECT * FROM flows"` piped to a reader that stops after one line
 * (`| head -1`: the time until the process has ended). Each a process of its own; medians of `runs`, interleaved.
 * Returns [{ name, flowlens: {wall, cpu, rssMb}, peer: {…}, rows, note }].
 */
export async function measureStreaming({ dist, storeDb, runs = 3, attacker, only }) {
  const cli = join(dist, 'bin', 'flowlens.js');
  const peer = join(here, 'duckdb-copy.mjs');
  const { findipSql } = await import(pathToFileURL(join(dist, 'src', 'query', 'flow-queries.js')).href);
  const { cidrRange } = await import(pathToFileURL(join(dist, 'src', 'records', 'index.js')).href);
  const count = await (async () => {
    const instance = await DuckDBInstance.create(storeDb, { access_mode: 'READ_ONLY' });
    const connection = await instance.connect();
    try {
      const rows = (await connection.runAndReadAll(`SELECT count(*) AS n, count(*) FILTER (WHERE ${findipSql([cidrRange(attacker)])}) AS a FROM flows`)).getRows()[0];
      return { all: Number(rows[0]), attacker: Number(rows[1]) };
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  })();
  const ordered = (where) => `SELECT ${SELECT_FIELDS} FROM flows${where ? ` WHERE ${where}` : ''} ORDER BY "start", unit_id`;
  const attackerRows = ordered(findipSql([cidrRange(attacker)]));
  const steps = [
    // The floor of every first line: a process that starts Node.js, loads DuckDB, opens the store read-only and
    // writes one row, reading no record (only the peer's process runs).
    { name: 'floor: start, open the store, write one row', kind: 'first', lines: 2, flowlens: null, peer: [peer, storeDb, 'csv', 'SELECT 1 AS one'], rows: 1, floor: true },
    {
      name: `findip ${attacker} --format csv: first data line`,
      kind: 'first',
      lines: 2,
      flowlens: [cli, 'findip', attacker, '--db', storeDb, '--format', 'csv'],
      peer: [peer, storeDb, 'csv', attackerRows],
      rows: count.attacker,
    },
    { name: `findip ${attacker} --format csv > /dev/null`, kind: 'whole', flowlens: [cli, 'findip', attacker, '--db', storeDb, '--format', 'csv'], peer: [peer, storeDb, 'csv', attackerRows], rows: count.attacker },
    { name: 'print --format ndjson > /dev/null', kind: 'whole', flowlens: [cli, 'print', '--db', storeDb, '--format', 'ndjson'], peer: [peer, storeDb, 'json', ordered()], rows: count.all },
    // The table's first line is its header, printed once the first rows are sorted (peer: csv, whose header DuckDB writes first).
    { name: 'print | head -1', kind: 'head', lines: 1, flowlens: [cli, 'print', '--db', storeDb], peer: [peer, storeDb, 'csv', ordered()], rows: count.all },
    // csv: the first line is the header, written before any row; the first data line is line 2.
    { name: 'print --format csv | head -2', kind: 'head', lines: 2, flowlens: [cli, 'print', '--db', storeDb, '--format', 'csv'], peer: [peer, storeDb, 'csv', ordered()], rows: count.all },
    { name: 'query "SELECT * FROM flows" --format csv | head -2', kind: 'head', lines: 2, flowlens: [cli, 'query', 'SELECT * FROM flows', '--db', storeDb, '--format', 'csv'], peer: [peer, storeDb, 'csv', 'SELECT * FROM flows'], rows: count.all },
  ];
  const results = [];
  const chosen = steps.filter((s) => !s.floor && (!only || only.some((word) => s.name.includes(word))));
  // The floor row goes with the first-line rows it bounds.
  const selected = chosen.some((s) => s.kind !== 'whole') ? [steps[0], ...chosen] : chosen;
  for (const step of selected) {
    const times = { flowlens: [], peer: [] };
    for (let round = 0; round < runs; round++) {
      for (const variant of ['flowlens', 'peer']) {
        const args = step[variant];
        if (args === null) continue;
        // first: the time to the first data line; head: the time until the pipeline has ended.
        const m = step.kind === 'whole' ? await measure(process.execPath, args, { node: true }) : await firstLine(args, step.lines);
        times[variant].push(m);
      }
    }
    const summary = (list) => list.length === 0 ? null : ({
      wall: median(list.map((m) => (step.kind === 'first' ? m.lineAt : m.wall))),
      cpu: list.every((m) => typeof m.cpu === 'number') ? median(list.map((m) => m.cpu)) : null,
      rssMb: list.every((m) => typeof m.rssMb === 'number') ? Math.max(...list.map((m) => m.rssMb)) : null,
    });
    results.push({ name: step.name, kind: step.kind, rows: step.rows, flowlens: summary(times.flowlens), peer: summary(times.peer), runs });
  }
  return results;
}

/**
 * Runs a node script as `node ARGS | head -n LINES` in a shell (a real pipe, as users have; DuckDB can write to it):
 * seconds to the last of those lines coming out of head, and to the end of the pipeline (the script noticed the
 * closed pipe and ended).
 */
function firstLine(args, lines) {
  return new Promise((resolvePromise, reject) => {
    const started = performance.now();
    const child = spawn('sh', ['-c', `"$0" "$@" 2>/dev/null | head -n ${Number(lines)}`, process.execPath, ...args], { stdio: ['ignore', 'pipe', 'ignore'] });
    let seen = 0;
    let lineAt = null;
    child.stdout.on('data', (chunk) => {
      for (let i = chunk.indexOf(10); i !== -1 && lineAt === null; i = chunk.indexOf(10, i + 1)) {
        if (++seen >= lines) lineAt = (performance.now() - started) / 1000;
      }
    });
    child.on('error', reject);
    child.on('close', () => resolvePromise({ lineAt, wall: (performance.now() - started) / 1000, cpu: null, rssMb: null }));
  });
}

/** Loads .log.gz files into a naive DuckDB table `flows`: read_csv with auto-detected types, flows' column names. */
export async function loadNaiveTable(logs, db) {
  const files = listFiles(logs, '.log.gz');
  const list = `[${files.map((f) => `'${f.replaceAll("'", "''")}'`).join(', ')}]`;
  const instance = await DuckDBInstance.create(db);
  const connection = await instance.connect();
  const started = performance.now();
  await connection.run(`CREATE TABLE flows AS SELECT * FROM read_csv(${list}, delim = ' ', header = true, nullstr = '-', names = [${FIELDS.map((f) => `'${f}'`).join(', ')}])`);
  const seconds = (performance.now() - started) / 1000;
  connection.closeSync();
  instance.closeSync();
  return seconds;
}

/** Brings the store's rollups up to date (a writable open); returns { units, seconds }. */
export async function ensureRollups(dist, storeDb) {
  const { Store, refreshRollups } = await import(pathToFileURL(join(dist, 'src', 'store', 'index.js')).href);
  const store = await Store.open(storeDb);
  try {
    const started = performance.now();
    const units = await refreshRollups(store);
    await store.run('CHECKPOINT');
    return { units, seconds: (performance.now() - started) / 1000 };
  } finally {
    store.close();
  }
}

/** A stdout/stderr pair for runCli that counts output lines and keeps only stderr's text. */
/**
 * The addresses findip is timed on: the attacker in every format, and in the table format the address at the median
 * and at the 99th percentile of flows per address (as source or destination), read from the naive table.
 */
async function findipTargets(naiveQuery, naiveTable, attacker, formats) {
  const [row] = await naiveQuery(`WITH per AS (SELECT addr, count(*) AS n FROM (SELECT srcaddr AS addr FROM ${naiveTable} UNION ALL
  SELECT dstaddr FROM ${naiveTable} WHERE dstaddr IS DISTINCT FROM srcaddr) WHERE addr IS NOT NULL GROUP BY addr),
  q AS (SELECT quantile_disc(n, 0.5) AS median, quantile_disc(n, 0.99) AS p99 FROM per)
SELECT (SELECT min(addr) FROM per, q WHERE n = q.median) AS median_addr, (SELECT any_value(median) FROM q) AS median_n,
  (SELECT min(addr) FROM per, q WHERE n = q.p99) AS p99_addr, (SELECT any_value(p99) FROM q) AS p99_n`);
  return [
    { name: 'findip', address: attacker, label: 'the SSH attacker: every one of its flows', formats },
    { name: 'findip median address', address: row.median_addr, label: `the median address: ${row.median_n} flows`, formats: ['table'] },
    { name: 'findip p99 address', address: row.p99_addr, label: `the 99th-percentile address: ${row.p99_n} flows`, formats: ['table'] },
  ];
}

function byteSink() {
  let lines = 0;
  let errors = '';
  const stdout = new Writable({
    write(chunk, _encoding, callback) {
      for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
      callback();
    },
  });
  const stderr = new Writable({
    write(chunk, _encoding, callback) {
      errors += chunk.toString();
      callback();
    },
  });
  return { context: { stdout, stderr, env: {}, interactive: false, exitCode: 0 }, lines: () => lines, errors: () => errors };
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function listFiles(folder, suffix) {
  const out = [];
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith(suffix)) out.push(path);
    }
  };
  walk(folder);
  return out.sort();
}

function runNode(args) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolvePromise() : reject(new Error(`node ${args.join(' ')} exited with ${code}`))));
  });
}

function table(header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

async function main() {
  const { values: args } = parseArgs({
    options: {
      records: { type: 'string', default: '5000000' },
      runs: { type: 'string', default: '5' },
      data: { type: 'string', default: join(here, 'data') },
      dist: { type: 'string', default: join(here, '..', 'dist') },
      out: { type: 'string', default: join(here, 'query-speed.json') },
      logs: { type: 'string' },
      store: { type: 'string' },
      naive: { type: 'string' },
      'findip-formats': { type: 'string', default: 'table,ndjson,csv' },
      'streaming-runs': { type: 'string', default: '3' },
      'streaming-steps': { type: 'string' },
      queries: { type: 'boolean', default: true },
    },
    allowNegative: true,
  });
  const dist = resolve(args.dist);
  const log = (text) => process.stderr.write(`[query-speed] ${text}\n`);
  const { buildVpcModel } = await import(pathToFileURL(join(dist, 'src', 'generate', 'index.js')).href);
  const attacker = buildVpcModel({ seed: 1 }).external.sshBruteForce;
  const output = { date: new Date().toISOString(), runs: Number(args.runs), sizes: {} };
  for (const records of args.records.split(',').map(Number)) {
    const logs = args.logs ?? join(args.data, String(records), 'gz');
    const storeDb = args.store ?? join(args.data, 'work', `store-${records}.duckdb`);
    const naiveDb = args.naive ?? join(args.data, 'work', `naive-named-${records}.duckdb`);
    mkdirSync(dirname(storeDb), { recursive: true });
    if (!existsSync(logs)) {
      log(`generating ${records} records into ${logs}`);
      await runNode([join(dist, 'bin', 'flowlens.js'), 'generate', '--records', String(records), '--seed', '1', '--out', logs]);
    }
    if (!existsSync(storeDb)) {
      log(`flowlens ingest ${logs} --db ${storeDb}`);
      await runNode([join(dist, 'bin', 'flowlens.js'), 'ingest', logs, '--db', storeDb]);
    }
    const rollups = await ensureRollups(dist, storeDb);
    log(`rollups: ${rollups.units} units aggregated in ${rollups.seconds.toFixed(1)} s`);
    let naiveLoadSeconds = null;
    if (args.queries && !existsSync(naiveDb)) {
      log(`naive table: read_csv of ${logs} into ${naiveDb}`);
      naiveLoadSeconds = await loadNaiveTable(logs, naiveDb);
    }
    log(args.queries ? `queries on ${records} records, ${args.runs} runs each` : `streamed output on ${records} records, ${args['streaming-runs']} runs each`);
    const fixed = (v, d = 0) => (v === null || v === undefined ? '-' : v.toFixed(d));
    const results = args.queries
      ? await measureQueries({ dist, storeDb, naiveDb, runs: Number(args.runs), attacker, findipFormats: args['findip-formats'].split(',').filter((f) => f !== '' && f !== 'none') })
      : [];
    if (results.length > 0) {
      process.stdout.write(
        `\n${table(
          [`${records} records (median ms)`, 'before', 'after', 'naive', 'after/naive', 'before/naive', 'rows'],
          results.map((r) => [r.name, fixed(r.beforeMs), fixed(r.afterMs), fixed(r.naiveMs), fixed(r.afterMs / r.naiveMs, 2), fixed(r.beforeMs / r.naiveMs, 2), r.rows.after]),
        )}\nrollups brought up to date in ${rollups.seconds.toFixed(1)} s (${rollups.units} units)\n`,
      );
    }
    const loadBefore = loadavg()[0];
    const streaming = Number(args['streaming-runs']) > 0 ? await measureStreaming({ dist, storeDb, runs: Number(args['streaming-runs']), attacker, only: args['streaming-steps']?.split(',').filter(Boolean) }) : [];
    const load = [loadBefore, loadavg()[0]];
    output.sizes[records] = { rollups, naiveLoadSeconds, results, streaming, load };
    if (streaming.length > 0) {
      process.stdout.write(
        `\n${table(
          [`${records} records, streamed output (median s)`, 'flowlens', 'DuckDB COPY', 'ratio', 'flowlens rows/s', 'CPU s', 'peer CPU s', 'RSS MB', 'peer RSS MB'],
          streaming.map((r) => [
            r.name,
            fixed(r.flowlens?.wall, 2),
            fixed(r.peer.wall, 2),
            r.flowlens ? fixed(r.flowlens.wall / r.peer.wall, 2) : '-',
            r.flowlens && r.kind === 'whole' ? Math.round(r.rows / r.flowlens.wall) : '-',
            fixed(r.flowlens?.cpu, 1),
            fixed(r.peer.cpu, 1),
            fixed(r.flowlens?.rssMb),
            fixed(r.peer.rssMb),
          ]),
        )}\nload average ${load[0].toFixed(1)} before, ${load[1].toFixed(1)} after (${cpus().length} cores)\n`,
      );
    }
  }
  writeFileSync(args.out, `${JSON.stringify(output, null, 2)}\n`);
  process.stdout.write(`\nresults: ${args.out}\n`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error) => {
    process.stderr.write(`query-speed failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exitCode = 1;
  });
}
