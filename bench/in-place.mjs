#!/usr/bin/env node
// Questions asked of files in place: `flowlens report|aggregate|insights|query|graph SOURCE` (no --db) against the
// peer, DuckDB's own read_csv of the same files (all cores, the default format's columns and types) with the same
// SQL, each a separate process (wall, CPU, peak RSS). The runs of a row are interleaved with its peer's so both share
// the machine's load; figures are medians.
//
// usage: npm run build && node bench/in-place.mjs [--data /work/bench-data/5000000/gz] [--runs 3] [--dist dist]
//        [--out bench/in-place.json] [--ingest-path] (also time top-talkers through the ingest path)
//        [--only 'report,query'] (the questions whose names start so)
// As a library: import { measureInPlace } from './in-place.mjs' (bench/run.mjs calls it).
// Internal: node bench/in-place.mjs --peer LIST_FILE SQL_FILE DIST runs the peer once.
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { loadavg } from 'node:os';
import { fixed, listFiles, measure, median, renderTable, run } from './lib.mjs';
import { CSV_COLUMNS, csvReader } from './duckdb-csv.mjs';

// The typed fields of the default format as flowlens's in-place view reads them: the types of ingest's ranges.
const CHECKED_TYPES = {
  version: 'UINTEGER',
  srcport: 'USMALLINT',
  dstport: 'USMALLINT',
  protocol: 'UTINYINT',
  packets: 'UBIGINT',
  bytes: 'UBIGINT',
  start: 'UBIGINT',
  end: 'UBIGINT',
  action: 'flowlens_action',
  log_status: 'flowlens_log_status',
};

const here = dirname(fileURLToPath(import.meta.url));

/** The questions: flowlens arguments, and how to get the SQL the peer runs on its own `flows` view. */
const QUESTIONS = [
  { name: 'report top-talkers', args: ['report', 'top-talkers'], sql: { argv: ['report', 'top-talkers', '--sql'] } },
  { name: 'report rejected-sources', args: ['report', 'rejected-sources'], sql: { argv: ['report', 'rejected-sources', '--sql'] } },
  { name: 'aggregate --by srcaddr,dstport -n 20', args: ['aggregate', '--by', 'srcaddr,dstport', '-n', '20'], sql: { aggregate: [['srcaddr', 'dstport'], 20] } },
  { name: 'insights stats by srcAddr, dstPort', args: ['insights', 'stats count(*) as flows by srcAddr, dstPort | sort flows desc | limit 20'], sql: { argv: ['insights', 'stats count(*) as flows by srcAddr, dstPort | sort flows desc | limit 20', '--explain'] } },
  { name: 'query GROUP BY action', args: ['query', 'SELECT action, count(*) AS flows, sum(bytes) AS bytes FROM flows GROUP BY action ORDER BY action'], sql: { text: 'SELECT action, count(*) AS flows, sum(bytes) AS bytes FROM flows GROUP BY action ORDER BY action' } },
  { name: 'graph --export json', args: ['graph', '--export', 'json'], sql: null },
];

/**
 * Measures every question on the files of `folder` (flowlens in place, and the peer where the question is one SQL
 * statement); returns [{ name, flowlens: {wall, cpu, rssMb}, peer, ratio }].
 */
export async function measureInPlace({ dist, folder, runs = 3, ingestPath = false, checks = true, only, log = () => undefined }) {
  const cli = join(dist, 'bin', 'flowlens.js');
  const files = listFiles(folder, ['.log.gz', '.log']);
  const list = join(tmpdir(), `flowlens-in-place-${process.pid}.list`);
  writeFileSync(list, `${files.join('\n')}\n`);
  const rows = [];
  const chosen = only ? QUESTIONS.filter((q) => only.some((name) => q.name.startsWith(name))) : QUESTIONS;
  const questions = ingestPath ? [...chosen, { name: 'report top-talkers, ingest path', args: ['report', 'top-talkers'], env: { FLOWLENS_IN_PLACE: 'off' }, sql: { argv: ['report', 'top-talkers', '--sql'] }, runs: 1 }] : chosen;
  for (const question of questions) {
    const sqlFile = question.sql ? await writeSql(question, cli, dist) : null;
    const ours = [];
    const peer = [];
    const checked = [];
    let error = null;
    for (let i = 0; i < (question.runs ?? runs) && error === null; i++) {
      log(`in place: ${question.name} (run ${i + 1})`);
      try {
        ours.push(await measure(cli, [cli, ...question.args, folder], { node: true, env: question.env ?? {} }));
      } catch (failure) {
        // A failed row (e.g. out of memory) is reported as such; the other rows still run.
        error = String(failure.message).split('\n').find((line) => line.includes('error:')) ?? String(failure.message).slice(0, 300);
        break;
      }
      if (sqlFile) {
        peer.push(await measure(process.execPath, [fileURLToPath(import.meta.url), '--peer', list, sqlFile, dist], { node: true }));
        if (checks) checked.push(await measure(process.execPath, [fileURLToPath(import.meta.url), '--peer', list, sqlFile, dist, 'checked'], { node: true }));
      }
    }
    const summary = (measured) => (measured.length ? { wall: median(measured.map((m) => m.wall)), cpu: median(measured.map((m) => m.cpu)), rssMb: median(measured.map((m) => m.rssMb)) } : null);
    const flowlens = summary(ours);
    const peerSummary = summary(peer);
    const checkedSummary = summary(checked);
    rows.push({ name: question.name, flowlens, peer: peerSummary, checked: checkedSummary, ratio: peerSummary && flowlens ? flowlens.wall / peerSummary.wall : null, checkedRatio: peerSummary && checkedSummary ? checkedSummary.wall / peerSummary.wall : null, error });
  }
  return rows;
}

/** The rows as a table for people. */
export function inPlaceTable(rows) {
  return renderTable(
    ['SOURCE, no --db', 'flowlens wall s', 'cpu s', 'peak RSS MB', 'DuckDB read_csv wall s', 'cpu s', 'peak RSS MB', 'ratio (≤ 1.2)', 'DuckDB, every line checked: wall s', 'ratio'],
    rows.map((r) => [
      r.error ? `${r.name} (failed: ${r.error.slice(0, 60)})` : r.name,
      r.flowlens ? fixed(r.flowlens.wall) : '-',
      r.flowlens ? fixed(r.flowlens.cpu) : '-',
      r.flowlens ? fixed(r.flowlens.rssMb, 0) : '-',
      r.peer ? fixed(r.peer.wall) : '-',
      r.peer ? fixed(r.peer.cpu) : '-',
      r.peer ? fixed(r.peer.rssMb, 0) : '-',
      r.ratio === null ? '-' : fixed(r.ratio),
      r.checked ? fixed(r.checked.wall) : '-',
      r.checkedRatio === null || r.checkedRatio === undefined ? '-' : fixed(r.checkedRatio),
    ]),
  );
}

/** The targets of issue 20 (files in place): ≤ 1.2× the peer's wall time and peak RSS ≤ 512 MB, one per row with a peer. */
export function inPlaceTargets(rows) {
  return rows
    .filter((r) => r.peer && r.flowlens && !r.name.includes('ingest path'))
    .flatMap((r) => [
      {
        name: `in place: ${r.name}: × DuckDB read_csv`,
        value: r.ratio,
        target: '≤ 1.2',
        met: r.ratio <= 1.2,
        detail: `${fixed(r.flowlens.wall)} s vs ${fixed(r.peer.wall)} s`,
        // Any design: DuckDB itself (1.0); flowlens's: DuckDB doing flowlens's check of every line (checkedPeer).
        ...(r.checkedRatio ? { bestPossible: { any: 1, ours: r.checkedRatio }, reachable: true } : {}),
      },
      { name: `in place: ${r.name}: peak RSS MB`, value: r.flowlens.rssMb, target: '≤ 512', met: r.flowlens.rssMb <= 512, detail: `peer ${fixed(r.peer.rssMb, 0)} MB` },
    ]);
}

async function writeSql(question, cli, dist) {
  let sql;
  if (question.sql.text) sql = question.sql.text;
  else if (question.sql.aggregate) {
    const { aggregateSql } = await import(pathToFileURL(join(dist, 'src', 'query', 'flow-queries.js')).href);
    sql = aggregateSql(question.sql.aggregate[0], 'TRUE', question.sql.aggregate[1]);
  } else sql = await run(process.execPath, [cli, ...question.sql.argv]);
  const path = join(tmpdir(), `flowlens-in-place-${process.pid}-${question.name.replace(/\W+/g, '-')}.sql`);
  writeFileSync(path, sql);
  return path;
}

// The peer: flowlens's SQL macros (definitions only), `flows` a view over read_csv of the files, the SQL, rows read.
// `checked`: the view refuses what ingest refuses, as flowlens's does: every typed field read with the type of its
// range (ports USMALLINT, protocol UTINYINT, counts and times UBIGINT, action and log-status ENUMs) and cast whether
// the SQL reads it or not, the columns then given the peer's types.
async function peer(listFile, sqlFile, dist, checked) {
  // Loaded as flowlens loads it (require: no ESM scan of the CommonJS package's re-exports at start).
  const { DuckDBInstance } = (await import('node:module')).createRequire(import.meta.url)('@duckdb/node-api');
  const { macroStatements } = await import(pathToFileURL(join(dist, 'src', 'store', 'macros.js')).href);
  const files = readFileSync(listFile, 'utf8').split('\n').filter(Boolean);
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  if (checked) {
    await connection.run(`CREATE TYPE flowlens_action AS ENUM ('ACCEPT', 'REJECT')`);
    await connection.run(`CREATE TYPE flowlens_log_status AS ENUM ('OK', 'NODATA', 'SKIPDATA')`);
    const columns = Object.keys(CSV_COLUMNS).map((name) => `CAST("${name}" AS ${CSV_COLUMNS[name]}) AS "${name}"`).join(', ');
    const typed = Object.keys(CHECKED_TYPES).map((name) => `"${name}"`).join(', ');
    await connection.run(`CREATE VIEW flows AS SELECT ${columns} FROM ${csvReader(files, CHECKED_TYPES)} WHERE hash(${typed}) IS NOT NULL`);
  } else await connection.run(`CREATE VIEW flows AS SELECT * FROM ${csvReader(files)}`);
  for (const sql of macroStatements()) await connection.run(sql.replace('CREATE MACRO', 'CREATE OR REPLACE TEMP MACRO'));
  await connection.runAndReadAll(readFileSync(sqlFile, 'utf8'));
  connection.closeSync();
  instance.closeSync();
}

async function main() {
  const { values: args } = parseArgs({
    options: {
      data: { type: 'string', default: '/work/bench-data/5000000/gz' },
      runs: { type: 'string', default: '3' },
      dist: { type: 'string', default: join(here, '..', 'dist') },
      out: { type: 'string', default: join(here, 'in-place.json') },
      'ingest-path': { type: 'boolean', default: false },
      only: { type: 'string' },
    },
  });
  const started = loadavg()[0];
  const rows = await measureInPlace({ dist: resolve(args.dist), folder: resolve(args.data), runs: Number(args.runs), ingestPath: args['ingest-path'], only: args.only?.split(','), log: (m) => process.stderr.write(`${m}\n`) });
  const result = { date: new Date().toISOString(), data: resolve(args.data), loadAverage: { start: started, end: loadavg()[0] }, rows };
  writeFileSync(args.out, `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(`${inPlaceTable(rows)}\nload average ${fixed(started)} at start, ${fixed(loadavg()[0])} at end\n`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv[2] === '--peer') await peer(process.argv[3], process.argv[4], process.argv[5], process.argv[6] === 'checked');
  else await main();
}
