#!/usr/bin/env node
// `npm run bench [-- --records N] [--only small-objects|page] [--scale]`: ingest and query speed of flowlens against the physical limit (zcat) and
// DuckDB's own CSV reader, on data from `flowlens generate`. Prints a table, writes bench/results.json.
// docs/benchmark.md explains every figure.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { fixed, listFiles, measure, rate, renderTable, repeat, run, totalBytes } from './lib.mjs';

// `npm run bench -- --only page`: only the page's rows (bench/page.mjs, headless Chromium).
if (process.argv.includes('page') && process.argv[process.argv.indexOf('page') - 1] === '--only') {
  await import('./page.mjs');
  process.exit(process.exitCode ?? 0);
}

// `npm run bench -- --detections`: the detection benchmark instead (bench/detections.mjs).
if (process.argv.includes('--detections')) {
  process.argv.splice(process.argv.indexOf('--detections'), 1);
  await import('./detections.mjs');
  process.exit(process.exitCode ?? 0);
}

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..');
const { values: args } = parseArgs({
  options: {
    records: { type: 'string', default: '5000000' },
    runs: { type: 'string' },
    'rss-sizes': { type: 'string' },
    'query-sizes': { type: 'string' },
    dist: { type: 'string', default: join(root, 'dist') },
    data: { type: 'string', default: join(here, 'data') },
    work: { type: 'string' },
    out: { type: 'string', default: join(here, 'results.json') },
    'skip-peers': { type: 'boolean', default: false },
    // Small objects of every log type (bench/small-objects.mjs): how many in the folder, how many served by s3rver.
    'small-objects': { type: 'string', default: '50000' },
    's3-objects': { type: 'string', default: '3000' },
    concurrency: { type: 'string', default: '16' },
    // Only the small-objects rows; --scale runs bench/scale.mjs instead (its own options follow).
    only: { type: 'string' },
    scale: { type: 'boolean', default: false },
  },
  strict: false,
});

const N = parseCount(args.records);
const smoke = N < 1_000_000;
const RUNS = Number(args.runs ?? (smoke ? 1 : 3));
const rssSizes = args['rss-sizes'] ? args['rss-sizes'].split(',').map(parseCount) : smoke ? [N] : unique([1_000_000, N, 20_000_000]);
const querySizes = args['query-sizes'] ? args['query-sizes'].split(',').map(parseCount) : smoke ? [N] : unique([N, 20_000_000]);
const dist = resolve(args.dist);
const cli = join(dist, 'bin', 'flowlens.js');
// Databases and file lists; --work puts them elsewhere (another run's stores stay untouched).
const work = resolve(args.work ?? join(args.data, 'work'));
const CORES = cpus().length;
mkdirSync(work, { recursive: true });

const results = {
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, memoryGb: Math.round(totalmem() / 2 ** 30), node: process.version, loadAverageAtStart: loadAverage() },
  records: N,
  runs: RUNS,
  ingest: {},
  parseOnly: null,
  floors: null,
  queries: {},
  rss: [],
  targets: [],
};

const log = (text) => process.stderr.write(`[bench] ${text}\n`);

async function main() {
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run npm run build (npm run bench does it)`);
  if (args.scale) {
    await run(process.execPath, [join(here, 'scale.mjs'), ...process.argv.slice(2).filter((a) => a !== '--scale')], { stdout: 'inherit' });
    return;
  }
  if (args.only !== undefined && args.only !== 'small-objects' && args.only !== 'ingest') throw new Error(`--only takes small-objects or ingest, not ${args.only}`);
  if (args.only === 'small-objects') {
    await measureSmall();
    results.machine.loadAverageAtEnd = loadAverage();
    evaluateSmallTargets();
    writeFileSync(args.out, `${JSON.stringify(results, null, 2)}\n`);
    process.stdout.write(`${[machineLine(), smallTable(), targetTable()].join('\n\n')}\n\nresults: ${args.out}\n`);
    return;
  }
  const { buildVpcModel } = await import(pathToFileURL(join(dist, 'src', 'generate', 'index.js')).href);
  const attacker = buildVpcModel({ seed: 1 }).external.sshBruteForce;

  const data = await ensureData(N, true);
  const gzFiles = listFiles(data.gz, ['.log.gz']);
  const plainFiles = listFiles(data.plain, ['.log']);
  const gzList = writeList('gz', gzFiles);
  const plainList = writeList('plain', plainFiles);
  results.data = { gzFiles: gzFiles.length, gzBytes: totalBytes(gzFiles), plainBytes: totalBytes(plainFiles) };

  log(`zcat of ${gzFiles.length} files (${(results.data.gzBytes / 1e6).toFixed(0)} MB gz, ${(results.data.plainBytes / 1e6).toFixed(0)} MB text), ${RUNS} runs`);
  const zcat = await repeat(RUNS, () => measure('zcat', gzFiles));
  // The last run's database is kept for the queries.
  const ingestGz = await repeat(RUNS, (i) => ingest(data.gz, `gz-${N}`, i === RUNS - 1 ? storePath(N) : undefined));
  const ingestPlain = await repeat(RUNS, () => ingest(data.plain, `plain-${N}`));
  log('flowlens ingest as users run it: rollups included, then the first report top-talkers');
  const usersGz = await repeat(RUNS, () => ingestAndReport(data.gz, `users-gz-${N}`));
  const usersPlain = await repeat(RUNS, () => ingestAndReport(data.plain, `users-plain-${N}`));
  let duckGz = null;
  let duckPlain = null;
  let duckGzReport = null;
  let duckPlainReport = null;
  if (!args['skip-peers']) {
    log('DuckDB read_csv (gz, then plain) into a typed table, alone and followed by the same report');
    duckGz = await repeat(RUNS, () => duckdbCsv(gzList, 'typed', 'duck-gz'));
    duckPlain = await repeat(RUNS, () => duckdbCsv(plainList, 'typed', 'duck-plain'));
    duckGzReport = await repeat(RUNS, () => duckdbCsv(gzList, 'typed', 'duck-gz-report', undefined, true));
    duckPlainReport = await repeat(RUNS, () => duckdbCsv(plainList, 'typed', 'duck-plain-report', undefined, true));
  }
  results.ingest = { zcat, ingestGz, ingestPlain, usersGz, usersPlain, duckdbGz: duckGz, duckdbPlain: duckPlain, duckdbGzReport: duckGzReport, duckdbPlainReport: duckPlainReport };
  if (args.only === 'ingest') {
    results.machine.loadAverageAtEnd = loadAverage();
    evaluateIngestTargets();
    writeFileSync(args.out, `${JSON.stringify(results, null, 2)}\n`);
    process.stdout.write(`${[machineLine(), ingestTable(), targetTable()].join('\n\n')}\n\nresults: ${args.out}\n`);
    return;
  }
  log('parse only (library call decodeUnit, no store): typed values, and the byte path of ingest');
  const parseOnly = (mode, list = gzList) =>
    repeat(RUNS, async () => {
      const m = await measure(process.execPath, [join(here, 'parse-only.mjs'), dist, list, mode], { node: true, stdout: 'pipe' });
      const inner = JSON.parse(m.output);
      if (inner.records !== N || inner.bad !== 0) throw new Error(`parse-only read ${inner.records} records, ${inner.bad} bad; expected ${N}, 0`);
      return { ...m, wall: inner.seconds, cpu: inner.cpu };
    });
  const parse = await parseOnly('values');
  const parseBytes = await parseOnly('bytes');
  const parseBytesPlain = await parseOnly('bytes', plainList);
  results.parseOnly = { ...parse, recordsPerSecond: rate(N, parse.wall) };
  results.parseOnlyBytes = { ...parseBytes, recordsPerSecond: rate(N, parseBytes.wall) };
  results.parseOnlyBytesPlain = { ...parseBytesPlain, recordsPerSecond: rate(N, parseBytesPlain.wall) };
  results.floors = await measureFloors(gzList, plainList);

  for (const size of rssSizes) {
    const sizeData = size === N ? data : await ensureData(size, false);
    const measured = size === N ? ingestGz : await repeat(1, () => ingest(sizeData.gz, `gz-${size}`, querySizes.includes(size) ? storePath(size) : undefined));
    results.rss.push({ records: size, wall: measured.wall, cpu: measured.cpu, rssMb: measured.rssMb, recordsPerSecond: rate(size, measured.wall) });
  }

  // bench/query-speed.mjs measures the queries with and without rollups against the naive table;
  // without it, queries.mjs measures the commands' SQL against the naive table.
  const querySpeed = await import('./query-speed.mjs').catch(() => null);
  for (const size of querySizes) {
    const sizeData = size === N ? data : await ensureData(size, false);
    const storeDb = storePath(size);
    if (!existsSync(storeDb)) await ingest(sizeData.gz, `store-${size}`, storeDb);
    const naiveDb = join(work, `naive-${size}.duckdb`);
    let naiveLoad = null;
    if (!existsSync(naiveDb)) {
      log(`naive table of ${size} records (read_csv, auto-detected types)`);
      naiveLoad = await duckdbCsv(writeList(`naive-${size}`, listFiles(sizeData.gz, ['.log.gz'])), 'naive', `naive-${size}`, naiveDb);
    }
    const runs = Math.max(RUNS, 3);
    log(`queries on ${size} records, ${runs} runs each`);
    if (querySpeed) {
      const rollups = await querySpeed.ensureRollups(dist, storeDb);
      const rows = await querySpeed.measureQueries({ dist, storeDb, naiveDb, runs, attacker });
      results.queries[size] = rows.map((q) => ({ name: q.name, oursMs: q.afterMs, beforeMs: q.beforeMs, naiveMs: q.naiveMs, note: q.note }));
      results.rollups = { ...results.rollups, [size]: rollups };
    } else {
      results.queries[size] = JSON.parse(await run(process.execPath, [join(here, 'queries.mjs'), dist, storeDb, naiveDb, String(runs), attacker]));
    }
    if (naiveLoad) results.naiveLoad = { ...results.naiveLoad, [size]: naiveLoad.wall };
  }

  // Questions asked of the files in place (bench/in-place.mjs): SOURCE commands against read_csv + the same SQL.
  const inPlace = await import('./in-place.mjs');
  results.inPlace = await inPlace.measureInPlace({ dist, folder: data.gz, runs: RUNS, log });
  if (parseCount(args['small-objects']) > 0) await measureSmall();
  results.machine.loadAverageAtEnd = loadAverage();
  evaluateTargets();
  evaluateSmallTargets();
  results.targets.push(...inPlace.inPlaceTargets(results.inPlace));
  writeFileSync(args.out, `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(`${report()}

${inPlace.inPlaceTable(results.inPlace)}

results: ${args.out}
`);
  // The page's rows (bench/page.mjs): the demo, a 20k-node graph and the N-record store in headless Chromium.
  if (!smoke) await run(process.execPath, [join(here, 'page.mjs'), '--dist', dist, '--data', args.data, '--records', String(N), '--runs', String(RUNS)], { stdout: 'inherit' });
}

/**
 * The floors (docs/benchmark.md): gunzip alone, DuckDB's parse of the text alone, and DuckDB storing the N rows
 * already parsed (from memory into a fresh store, every core), each the inner time of a child process.
 */
async function measureFloors(gzList, plainList) {
  log('floors: gunzip only, DuckDB parse only, DuckDB insert of parsed rows');
  const inner = (args, expected) => async () => {
    const m = await measure(process.execPath, [join(here, 'floor.mjs'), ...args], { node: true, stdout: 'pipe' });
    const out = JSON.parse(m.output);
    if (expected !== undefined && out.rows !== expected) throw new Error(`floor ${args[0]} saw ${out.rows} rows, expected ${expected}`);
    return { ...m, wall: out.seconds, cpu: out.cpu };
  };
  const gunzip = await repeat(RUNS, inner(['gunzip', gzList]));
  const parsePlain = await repeat(RUNS, inner(['parse', plainList, String(CORES)], N));
  const insert = await repeat(RUNS, inner(['insert', dist, storePath(N), join(work, `floor-insert-${N}.duckdb`), String(CORES)], N));
  return { gunzip, parsePlain, insert };
}

/**
 * Lower bounds of the ingest wall time on this machine: the CPU seconds of the work that cannot be avoided spread
 * perfectly over every core, and never less than DuckDB's own insert of parsed rows with every core.
 * `any`: gunzip + parse + insert (any ingest into DuckDB); `ours`: gunzip and the JS line check + parse + insert
 * (flowlens checks every line itself, so bad lines keep their file:line in rejects).
 */
function floorSeconds(kind) {
  const { gunzip, parsePlain, insert } = results.floors;
  const check = kind.endsWith('gz') ? results.parseOnlyBytes : results.parseOnlyBytesPlain;
  const cpu = {
    'any-gz': gunzip.cpu + parsePlain.cpu + insert.cpu,
    'any-plain': parsePlain.cpu + insert.cpu,
    'ours-gz': check.cpu + parsePlain.cpu + insert.cpu,
    'ours-plain': check.cpu + parsePlain.cpu + insert.cpu,
  }[kind];
  return { cpu, wall: Math.max(insert.wall, cpu / CORES) };
}

/** Generates (once; reused while the marker matches) N records as .log.gz in the S3 layout, and as plain text when asked. */
async function ensureData(records, plain) {
  const folder = join(args.data, String(records));
  const gz = join(folder, 'gz');
  const text = join(folder, 'plain');
  for (const [dir, flags] of plain ? [[gz, []], [text, ['--no-gzip']]] : [[gz, []]]) {
    const marker = `${dir}.done`;
    const expected = JSON.stringify({ records, flags });
    if (existsSync(marker) && readFileSync(marker, 'utf8') === expected) continue;
    rmSync(dir, { recursive: true, force: true });
    log(`generating ${records} records into ${dir}`);
    await run(process.execPath, [cli, 'generate', '--records', String(records), '--seed', '1', '--out', dir, ...flags]);
    writeFileSync(marker, expected);
  }
  return { gz, plain: text };
}

/**
 * `flowlens ingest` as users run it (rollups included) into a fresh database, then `flowlens report top-talkers` on
 * it: two child processes, their wall and CPU seconds added, the larger peak RSS.
 */
async function ingestAndReport(folder, label) {
  const db = join(work, `${label}.duckdb`);
  const loaded = await ingest(folder, label, db, true);
  const report = await measure(process.execPath, [cli, 'report', 'top-talkers', '--db', db, '--format', 'json'], { node: true, stdout: 'pipe' });
  const rows = JSON.parse(report.output).length;
  rmSync(db, { force: true });
  if (rows !== 50) throw new Error(`report top-talkers on ${db} gave ${rows} rows, expected 50`);
  return {
    wall: loaded.wall + report.wall,
    cpu: loaded.cpu + report.cpu,
    rssMb: Math.max(loaded.rssMb, report.rssMb),
    ingestWall: loaded.wall,
    reportWall: report.wall,
    rollupSeconds: loaded.rollupSeconds,
    records: loaded.records,
  };
}

/** One `flowlens ingest` into a fresh database, as a child process (wall, CPU, peak RSS); the database is kept only when `keep` names it. */
async function ingest(folder, label, keep, rollups = false) {
  const db = keep ?? join(work, `${label}.duckdb`);
  rmSync(db, { force: true });
  rmSync(`${db}.wal`, { force: true });
  log(`flowlens ingest ${folder}`);
  const m = await measure(process.execPath, [cli, 'ingest', folder, '--db', db, '--format', 'json', ...(rollups ? [] : ['--no-rollups'])], { node: true, stdout: 'pipe' });
  const summary = JSON.parse(m.output.trim().split('\n').pop());
  if (summary.badLines !== 0) throw new Error(`ingest of ${folder} reported ${summary.badLines} bad lines`);
  if (!keep) rmSync(db, { force: true });
  return { ...m, records: summary.records, rollupSeconds: summary.rollups?.seconds ?? null };
}

function storePath(size) {
  return join(work, `store-${size}.duckdb`);
}

/** DuckDB's read_csv into a table of a fresh database file, as a child process (then the top-talkers SQL when `report`). */
async function duckdbCsv(list, mode, label, db = join(work, `${label}.duckdb`), report = false) {
  rmSync(db, { force: true });
  rmSync(`${db}.wal`, { force: true });
  const m = await measure(process.execPath, [join(here, 'duckdb-csv.mjs'), db, list, mode, ...(report ? ['report'] : [])], { node: true, stdout: 'pipe' });
  if (report && JSON.parse(m.output).reportRows !== 50) throw new Error(`the peer's top-talkers gave ${JSON.parse(m.output).reportRows} rows, expected 50`);
  if (!label.startsWith('naive-')) rmSync(db, { force: true });
  return m;
}

function writeList(label, files) {
  const path = join(work, `${label}.list`);
  writeFileSync(path, `${files.join('\n')}\n`);
  return path;
}

async function measureSmall() {
  const { measureSmallObjects } = await import('./small-objects.mjs');
  results.smallObjects = await measureSmallObjects({
    dist,
    data: args.data,
    work,
    objects: parseCount(args['small-objects']),
    s3Objects: parseCount(args['s3-objects']),
    concurrency: Number(args.concurrency),
    log,
  });
}

function evaluateSmallTargets() {
  for (const row of results.smallObjects ?? []) {
    if (row.records === null && row.cpu === null) continue; // the server's own ceiling, not an ingest
    const s3 = row.name.startsWith('s3 ');
    const target = s3 ? 200 : 1000;
    results.targets.push({ name: `${row.name}: objects/s`, value: row.objectsPerSecond, target: `≥ ${target}`, met: row.objectsPerSecond >= target, detail: `${row.objects} objects in ${fixed(row.wall)} s, peak RSS ${fixed(row.rssMb, 0)} MB` });
  }
}

function smallTable() {
  return renderTable(
    ['small objects (1-10 KB each)', 'objects', 'records', 'wall s', 'cpu s', 'objects/s', 'peak RSS MB'],
    (results.smallObjects ?? []).map((r) => [r.name, r.objects, r.records, fixed(r.wall), fixed(r.cpu), r.objectsPerSecond, fixed(r.rssMb, 0)]),
  );
}

function machineLine() {
  return `machine: ${results.machine.cpus} cpus, ${results.machine.memoryGb} GB, node ${results.machine.node}, load average ${results.machine.loadAverageAtStart} at start, ${loadAverage()} at end`;
}

function targetTable() {
  return renderTable(
    ['target', 'measured', 'target', 'met', 'best possible: any / flowlens', 'detail'],
    results.targets.map((t) => [
      t.name,
      fixed(t.value),
      t.target,
      t.met === null ? '-' : t.met ? 'yes' : t.reachable === false ? 'NO (unreachable)' : 'NO',
      t.bestPossible ? `${fixed(t.bestPossible.any)} / ${fixed(t.bestPossible.ours)}` : '',
      t.detail,
    ]),
  );
}

function target(name, value, goal, ok, detail, best) {
  results.targets.push({ name, value, target: goal, met: value === null ? null : ok(value), detail, ...(best ? { bestPossible: best, reachable: ok(best.any) } : {}) });
}

/** The ingest targets against DuckDB's read_csv: as users run it (rollups + first report) ≥ 1.0, the load alone ≥ 1.3. */
function evaluateIngestTargets(best = () => undefined) {
  const { ingestGz, ingestPlain, usersGz, usersPlain, duckdbGz, duckdbPlain, duckdbGzReport, duckdbPlainReport } = results.ingest;
  const ratio = (name, ours, peer, goal, kind) =>
    peer && target(name, peer.wall / ours.wall, `≥ ${goal}`, (v) => v >= goal, `${fixed(ours.wall)} s vs ${fixed(peer.wall)} s`, kind ? best(peer.wall, kind) : undefined);
  ratio('ingest + rollups + first report, .log.gz / read_csv + same report', usersGz, duckdbGzReport, 1.0);
  ratio('ingest + rollups + first report, plain / read_csv + same report', usersPlain, duckdbPlainReport, 1.0);
  ratio('ingest --no-rollups .log.gz rate / DuckDB read_csv gz rate', ingestGz, duckdbGz, 1.3, 'gz');
  ratio('ingest --no-rollups plain rate / DuckDB read_csv plain rate', ingestPlain, duckdbPlain, 1.3, 'plain');
}

function evaluateTargets() {
  const { zcat, ingestGz } = results.ingest;
  const t = target;
  // The best ratio any ingest could reach: the peer's time over the floor time (floorSeconds), for any design and for ours.
  const best = (peer, kind) => ({ any: peer / floorSeconds(`any-${kind}`).wall, ours: peer / floorSeconds(`ours-${kind}`).wall });
  t('ingest .log.gz rate / zcat rate', zcat.wall / ingestGz.wall, '≥ 0.8', (v) => v >= 0.8, `${fixed(ingestGz.wall)} s vs zcat ${fixed(zcat.wall)} s`, best(zcat.wall, 'gz'));
  evaluateIngestTargets(best);
  const top = results.queries[N]?.find((q) => q.name === 'top-talkers');
  if (top?.oursMs && top.naiveMs) t(`top-talkers time / naive table time (${N})`, top.oursMs / top.naiveMs, '≤ 0.3', (v) => v <= 0.3, `${fixed(top.oursMs, 0)} ms vs ${fixed(top.naiveMs, 0)} ms`);
  const big = Math.max(...querySizes);
  for (const q of results.queries[big] ?? []) {
    if (q.oursMs !== null) t(`${q.name} on ${big} records (ms)`, q.oursMs, '< 1000', (v) => v < 1000, q.note);
  }
  const maxRss = Math.max(...results.rss.map((r) => r.rssMb ?? 0));
  t('peak RSS of ingest, MB (max over sizes)', maxRss, '≤ 512', (v) => v <= 512, results.rss.map((r) => `${r.records}: ${fixed(r.rssMb, 0)} MB`).join(', '));
  const r5 = results.rss.find((r) => r.records === 5_000_000);
  const r20 = results.rss.find((r) => r.records === 20_000_000);
  if (r5 && r20) t('ingest time 20M / 5M', r20.wall / r5.wall, '≤ 4.5', (v) => v <= 4.5, `${fixed(r20.wall)} s vs ${fixed(r5.wall)} s`);
}

/** The ingest rows: flowlens and its peers, and (in a full run) the parse-only rows. */
function ingestTable() {
  const { zcat, ingestGz, ingestPlain, usersGz, usersPlain, duckdbGz, duckdbPlain, duckdbGzReport, duckdbPlainReport } = results.ingest;
  const row = (name, m) => (m ? [name, fixed(m.wall), fixed(m.cpu), rate(N, m.wall), m.rssMb === null ? '-' : fixed(m.rssMb, 0)] : [name, 'skipped']);
  const parseRows = results.parseOnly
    ? [
      ['parse only: typed values (decodeUnit, library call)', fixed(results.parseOnly.wall), fixed(results.parseOnly.cpu), results.parseOnly.recordsPerSecond, fixed(results.parseOnly.rssMb, 0)],
      ['parse only: ingest byte path (validate, no values)', fixed(results.parseOnlyBytes.wall), fixed(results.parseOnlyBytes.cpu), results.parseOnlyBytes.recordsPerSecond, fixed(results.parseOnlyBytes.rssMb, 0)],
      ['parse only: ingest byte path, plain .log', fixed(results.parseOnlyBytesPlain.wall), fixed(results.parseOnlyBytesPlain.cpu), results.parseOnlyBytesPlain.recordsPerSecond, fixed(results.parseOnlyBytesPlain.rssMb, 0)],
    ]
    : [];
  return renderTable(
    ['ingest of ' + N + ' records (median of ' + RUNS + ')', 'wall s', 'cpu s', 'records/s', 'peak RSS MB'],
    [
      row('zcat FILES > /dev/null', zcat),
      row('flowlens ingest --no-rollups .log.gz', ingestGz),
      row('DuckDB read_csv .log.gz → typed table', duckdbGz),
      row('flowlens ingest .log.gz (rollups) + first report top-talkers', usersGz),
      row('DuckDB read_csv .log.gz + same report', duckdbGzReport),
      row('flowlens ingest --no-rollups plain .log', ingestPlain),
      row('DuckDB read_csv plain → typed table', duckdbPlain),
      row('flowlens ingest plain (rollups) + first report top-talkers', usersPlain),
      row('DuckDB read_csv plain + same report', duckdbPlainReport),
      ...parseRows,
    ],
  );
}

function report() {
  const { gunzip, parsePlain, insert } = results.floors;
  const floorRow = (name, kind) => {
    const f = floorSeconds(kind);
    return [name, fixed(f.wall), fixed(f.cpu), rate(N, f.wall), '-'];
  };
  const floorTable = renderTable(
    [`floors of ingest of ${N} records (median of ${RUNS})`, 'wall s', 'cpu s', 'records/s', 'peak RSS MB'],
    [
      ['gunzip only (node zlib, bytes discarded)', fixed(gunzip.wall), fixed(gunzip.cpu), rate(N, gunzip.wall), fixed(gunzip.rssMb, 0)],
      [`DuckDB parse only: read_csv plain, every column, nothing stored (${CORES} threads)`, fixed(parsePlain.wall), fixed(parsePlain.cpu), rate(N, parsePlain.wall), fixed(parsePlain.rssMb, 0)],
      [`DuckDB insert only: parsed rows, memory → store, committed (${CORES} threads)`, fixed(insert.wall), fixed(insert.cpu), rate(N, insert.wall), '-'],
      floorRow(`floor, any ingest of .log.gz: gunzip + parse + insert cpu / ${CORES} cores`, 'any-gz'),
      floorRow(`floor, flowlens .log.gz: + the JS line check (byte path above)`, 'ours-gz'),
      floorRow(`floor, any ingest of plain: parse + insert cpu / ${CORES} cores`, 'any-plain'),
      floorRow(`floor, flowlens plain: + the JS line check`, 'ours-plain'),
    ],
  );
  const rssTable = renderTable(
    ['ingest .log.gz by size', 'wall s', 'cpu s', 'records/s', 'peak RSS MB'],
    results.rss.map((r) => [String(r.records), fixed(r.wall), fixed(r.cpu), r.recordsPerSecond, fixed(r.rssMb, 0)]),
  );
  const queryTables = Object.entries(results.queries).map(([size, rows]) =>
    renderTable(
      [`query on ${size} records (median ms)`, 'flowlens', 'naive VARCHAR table', 'ratio', 'without rollups', 'note'],
      rows.map((q) => [q.name, fixed(q.oursMs, 0), fixed(q.naiveMs, 0), q.oursMs && q.naiveMs ? fixed(q.oursMs / q.naiveMs) : '-', fixed(q.beforeMs, 0), q.note]),
    ),
  );
  return [machineLine(), ingestTable(), floorTable, rssTable, ...queryTables, ...(results.smallObjects ? [smallTable()] : []), targetTable()].join('\n\n');
}

function parseCount(text) {
  const match = /^(\d+(?:\.\d+)?)([kKmM]?)$/.exec(String(text).trim());
  if (!match) throw new Error(`not a record count: ${text}`);
  const n = Number(match[1]) * ({ k: 1e3, m: 1e6 }[match[2].toLowerCase()] ?? 1);
  return Math.round(n);
}

function unique(values) {
  return [...new Set(values)];
}

function loadAverage() {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  } catch {
    return 'unknown';
  }
}

main().catch((error) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
