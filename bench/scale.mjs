#!/usr/bin/env node
// `npm run bench -- --scale [--records N]` (or `node bench/scale.mjs`): a month-shaped data set — VPC flow logs in
// one S3-layout object per 5 minutes, many small S3 server access log objects, CloudTrail files — generated with
// the library's generators, ingested, then every command and the page's API routes timed on it. Each step's wall
// time and peak RSS go to bench/scale.json and a markdown table (bench/scale.md). The default size is the real
// month (100M records); `--records N` runs a smoke size with proportionally fewer objects.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { clearInterval, clearTimeout, setInterval, setTimeout } from 'node:timers';
import { parseArgs } from 'node:util';
import { measure } from './lib.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..');
const { values: args } = parseArgs({
  options: {
    records: { type: 'string', default: '100000000' },
    'vpc-objects': { type: 'string' },
    's3-objects': { type: 'string' },
    'trail-objects': { type: 'string' },
    dist: { type: 'string', default: join(root, 'dist') },
    data: { type: 'string', default: join(here, 'data') },
    out: { type: 'string', default: join(here, 'scale.json') },
    markdown: { type: 'string', default: join(here, 'scale.md') },
    scale: { type: 'boolean', default: false },
    'generate-only': { type: 'boolean', default: false },
    // Seconds a command step may take (ingest steps are not limited).
    'step-timeout': { type: 'string', default: '900' },
    'skip-ingest': { type: 'boolean', default: false },
    // Comma-separated words: only the command steps whose name contains one of them run (with --skip-ingest).
    only: { type: 'string' },
  },
  strict: false,
});

const MONTH_DAYS = 30;
const FULL_RECORDS = 100_000_000;
const N = parseCount(args.records);
// The month's shape scaled to the records asked for: 8,640 VPC objects (one per 5 minutes), 50,000 S3 access log
// objects, 10,000 CloudTrail files at 100M records; never fewer than a day of objects.
const share = Math.min(1, N / FULL_RECORDS);
const VPC_OBJECTS = count(args['vpc-objects'], Math.max(288, Math.round(8640 * share)));
const S3_OBJECTS = count(args['s3-objects'], Math.max(500, Math.round(50_000 * share)));
const TRAIL_OBJECTS = count(args['trail-objects'], Math.max(100, Math.round(10_000 * share)));
const START = Date.UTC(2024, 4, 1) / 1000;
const dist = resolve(args.dist);
const cli = join(dist, 'bin', 'flowlens.js');
const folder = join(resolve(args.data), `scale-${N}`);
const db = join(folder, 'scale.duckdb');
const STEP_TIMEOUT = Number(args['step-timeout']);
// An ingest is the work the steps measure on: it is never cut short.
const INGEST_TIMEOUT = 24 * 3600;
const log = (text) => process.stderr.write(`[scale] ${text}\n`);
const steps = [];
const loadSamples = [];
const onlyWords = args.only
  ? String(args.only)
      .split(',')
      .map((w) => w.trim())
      .filter(Boolean)
  : null;
/** Whether the step called `name` runs (every step unless --only names others). */
const wanted = (name) => onlyWords === null || onlyWords.some((word) => name.includes(word));

async function main() {
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run npm run build`);
  const sampler = setInterval(() => loadSamples.push(loadAverage()[0]), 5000);
  sampler.unref();
  const started = performance.now();
  const data = await ensureData();
  if (args['generate-only']) {
    process.stdout.write(`data: ${folder}\n`);
    return;
  }
  if (args['skip-ingest']) {
    if (!existsSync(db)) throw new Error(`--skip-ingest needs the store of an earlier run: ${db} is missing`);
    // The ingest figures of the run that built the store are kept.
    for (const file of [args.out, `${args.out}.partial`]) {
      const earlier = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : null;
      if (earlier?.records !== N) continue;
      steps.push(
        ...earlier.steps
          .filter((s) => s.name.startsWith('ingest '))
          .map((s) => ({ ...s, note: `${s.note} (${earlier.date ?? 'earlier run'})` })),
      );
      break;
    }
  } else {
    for (const path of [db, `${db}.wal`]) rmSync(path, { force: true });
    rmSync(`${db}.tmp`, { recursive: true, force: true });
    await ingestSteps(data);
  }
  await step(
    'query count(*) of every table',
    [
      'query',
      'SELECT (SELECT count(*) FROM flows) AS flows, (SELECT count(*) FROM s3_access) AS s3_access, (SELECT count(*) FROM cloudtrail) AS cloudtrail',
      '--db',
      db,
      '--format',
      'ndjson',
    ],
    (out) => {
      const row = JSON.parse(out.trim());
      const expected = {
        flows: data.vpc.records,
        s3_access: data.s3.records,
        cloudtrail: data.trail.records,
      };
      for (const [table, n] of Object.entries(expected))
        if (Number(row[table]) !== n)
          throw new Error(`${table} holds ${row[table]} rows, the generator wrote ${n}`);
      return `${row.flows} flows, ${row.s3_access} s3_access, ${row.cloudtrail} cloudtrail rows (exact)`;
    },
  );
  const needsAddress = wanted('findip') || wanted('serve:');
  const address = !needsAddress
    ? '10.0.0.1'
    : (
        await run([
          'query',
          'SELECT srcaddr FROM flows GROUP BY srcaddr ORDER BY count(*) DESC LIMIT 1',
          '--db',
          db,
          '--format',
          'csv',
        ]).catch(() => 'srcaddr\n10.0.0.1')
      ).split('\n')[1];

  await headStep('print | head -1', ['print', '--db', db]);
  await headStep('query "SELECT * FROM flows" --format csv | head -1', [
    'query',
    'SELECT * FROM flows',
    '--db',
    db,
    '--format',
    'csv',
  ]);
  // The issue's measure: written straight to /dev/null, nothing reads it.
  const devNull = openSync('/dev/null', 'w');
  const toNull = await step(
    'print --format ndjson > /dev/null',
    ['print', '--db', db, '--format', 'ndjson'],
    null,
    devNull,
  ).finally(() => closeSync(devNull));
  if (toNull.code === 0 && !toNull.timedOut) {
    steps[steps.length - 1].note = `${Math.round(data.vpc.records / toNull.wall)} records/s`;
    saveProgress();
  }
  // Read through a pipe and thrown away (`| wc -l`): the lines are counted, none is kept.
  const ndjson = await step(
    'print --format ndjson | wc -l',
    ['print', '--db', db, '--format', 'ndjson'],
    null,
    'count',
  );
  if (ndjson.code === 0 && !ndjson.timedOut) {
    const exact = ndjson.lines === data.vpc.records ? 'all' : `${ndjson.lines} of ${data.vpc.records}`;
    steps[steps.length - 1].note =
      `${exact} records, ${Math.round(data.vpc.records / ndjson.wall)} records/s`;
    saveProgress();
  }
  await step('report top-talkers', ['report', 'top-talkers', '--db', db]);
  await step('report rejected-sources', ['report', 'rejected-sources', '--db', db]);
  await step('report s3-top-downloaders', ['report', 's3-top-downloaders', '--db', db]);
  await step('report cloudtrail-s3-by-identity', ['report', 'cloudtrail-s3-by-identity', '--db', db]);
  await step('insights stats by srcaddr', [
    'insights',
    'stats sum(bytes) as b by srcaddr | sort b desc | limit 10',
    '--db',
    db,
  ]);
  await step(`findip ${address}`, ['findip', address, '--db', db], null, 'ignore');
  await step('aggregate', ['aggregate', '--db', db], null, 'ignore');
  await step('ipset', ['ipset', '--db', db], null, 'ignore');
  await serveSteps(address);

  clearInterval(sampler);
  const measured = {
    date: new Date().toISOString(),
    records: N,
    objects: { vpc: data.vpc.objects, s3Access: data.s3.objects, cloudtrail: data.trail.objects },
    machine: {
      load: {
        atStart: loadSamples[0] ?? loadAverage()[0],
        max: Math.max(...loadSamples, loadAverage()[0]),
        atEnd: loadAverage()[0],
      },
    },
    seconds: (performance.now() - started) / 1000,
    steps,
  };
  const result = onlyWords === null ? measured : mergedResult(measured);
  writeFileSync(args.out, `${JSON.stringify(result, null, 2)}\n`);
  const table = markdownTable(result);
  writeFileSync(args.markdown, table);
  process.stdout.write(`${table}\nresults: ${args.out}, ${args.markdown}\n`);
}

/** The three ingest steps, each checked against the generator's object and record counts. */
async function ingestSteps(data) {
  const kinds = [
    ['ingest VPC flow logs', data.vpc, []],
    ['ingest S3 access logs', data.s3, ['--log-type', 's3-access']],
    ['ingest CloudTrail', data.trail, ['--log-type', 'cloudtrail']],
  ];
  for (const [name, written, logType] of kinds) {
    await step(
      name,
      ['ingest', written.folder, ...logType, '--db', db, '--format', 'json'],
      (out) => checkIngest(out, written),
      'pipe',
      INGEST_TIMEOUT,
    );
  }
}

/**
 * Runs one CLI command as a child process; records wall time and peak RSS; `check` validates its stdout. A step that
 * fails or outlives --step-timeout is recorded as such and the run goes on with the next one.
 */
async function step(name, argv, check = null, stdout = 'pipe', timeout = STEP_TIMEOUT) {
  if (!name.startsWith('ingest ') && !wanted(name)) return { code: null, skipped: true };
  log(name);
  const m = await runChild(argv, { stdout, timeout });
  let note;
  if (m.timedOut) note = `stopped after ${timeout} s (did not finish)`;
  else if (m.code !== 0) note = `failed (exit ${m.code}): ${m.stderr.trim().split('\n')[0].slice(0, 200)}`;
  else {
    try {
      note = check ? check(m.output) : '';
    } catch (error) {
      note = `check failed: ${error instanceof Error ? error.message : String(error)}`;
    }
  }
  steps.push({ name, wall: round(m.wall), rssMb: round(m.rssMb, 0), cpu: round(m.cpu), note });
  saveProgress();
  return m;
}

/** Spawns the CLI with the usage preload; peak RSS from the preload's report, else from /proc's VmHWM sampled each second. */
function runChild(argv, { stdout = 'pipe', timeout = STEP_TIMEOUT } = {}) {
  const usage = join(folder, `usage-${process.pid}-${steps.length}.json`);
  const started = performance.now();
  const child = spawn(
    process.execPath,
    ['--import', new URL('./usage-preload.mjs', import.meta.url).href, cli, ...argv],
    {
      stdio: ['ignore', stdout === 'count' ? 'pipe' : stdout, 'pipe'],
      env: { ...process.env, FLOWLENS_BENCH_USAGE: usage },
    },
  );
  const out = [];
  const err = [];
  let lines = 0;
  child.stdout?.on('data', (chunk) => {
    if (stdout !== 'count') out.push(chunk);
    else for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) lines++;
  });
  child.stderr.on('data', (chunk) => {
    if (err.length < 64) err.push(chunk);
  });
  let hwm = 0;
  const sample = () => {
    hwm = Math.max(hwm, peakRssMb(child.pid) ?? 0);
  };
  const sampler = setInterval(sample, 1000);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    sample();
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
  }, timeout * 1000);
  return new Promise((resolve) => {
    child.on('close', (code, signal) => {
      clearInterval(sampler);
      clearTimeout(timer);
      const wall = (performance.now() - started) / 1000;
      let rssMb = hwm || null;
      let cpu = null;
      if (existsSync(usage)) {
        const used = JSON.parse(readFileSync(usage, 'utf8'));
        rssMb = Math.max(rssMb ?? 0, used.maxRssKb / 1024);
        cpu = (used.userMs + used.systemMs) / 1000;
        rmSync(usage, { force: true });
      }
      resolve({
        wall,
        rssMb,
        cpu,
        code: code ?? signal,
        timedOut,
        lines,
        output: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      });
    });
  });
}

/** A process's peak resident set (VmHWM) in MB, or null once it has gone. */
function peakRssMb(pid) {
  try {
    return Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
  } catch {
    return null;
  }
}

/** Writes the steps measured so far, so a long run that is stopped still leaves its figures. */
function saveProgress() {
  writeFileSync(
    `${args.out}.partial`,
    `${JSON.stringify({ records: N, date: new Date().toISOString(), steps }, null, 2)}\n`,
  );
}

/** A command whose output is cut after the first line, like `| head -1`: the time until the process has ended. */
async function headStep(name, argv) {
  if (!wanted(name)) return;
  log(name);
  const usage = join(folder, `usage-${process.pid}.json`);
  const started = performance.now();
  const child = spawn(
    process.execPath,
    ['--import', new URL('./usage-preload.mjs', import.meta.url).href, cli, ...argv],
    {
      stdio: ['ignore', 'pipe', 'ignore'],
      env: { ...process.env, FLOWLENS_BENCH_USAGE: usage },
    },
  );
  let first = '';
  let firstAt = null;
  child.stdout.on('data', (chunk) => {
    if (firstAt !== null) return;
    first += chunk.toString('utf8');
    if (first.includes('\n')) {
      firstAt = performance.now();
      child.stdout.destroy();
    }
  });
  let hwm = 0;
  const sampler = setInterval(() => (hwm = Math.max(hwm, peakRssMb(child.pid) ?? 0)), 1000);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    hwm = Math.max(hwm, peakRssMb(child.pid) ?? 0);
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
  }, STEP_TIMEOUT * 1000);
  const code = await new Promise((resolve) => child.on('close', (c, signal) => resolve(c ?? signal)));
  clearInterval(sampler);
  clearTimeout(timer);
  const wall = (performance.now() - started) / 1000;
  const rss = existsSync(usage)
    ? Math.max(hwm, JSON.parse(readFileSync(usage, 'utf8')).maxRssKb / 1024)
    : hwm || null;
  rmSync(usage, { force: true });
  const firstNote = firstAt === null ? 'no line' : `first line after ${round((firstAt - started) / 1000)} s`;
  steps.push({
    name,
    wall: round(wall),
    rssMb: round(rss, 0),
    cpu: null,
    note: `${firstNote}, ${timedOut ? `stopped after ${STEP_TIMEOUT} s` : `exit ${code}`}`,
  });
  saveProgress();
}

/** Starts `flowlens serve` on the store and times the page's API calls; the server's peak RSS is read after each. */
async function serveSteps(address) {
  if (!wanted('serve:')) return;
  log('serve');
  const usage = join(folder, `usage-serve-${process.pid}.json`);
  const child = spawn(
    process.execPath,
    [
      '--import',
      new URL('./usage-preload.mjs', import.meta.url).href,
      cli,
      'serve',
      '--db',
      db,
      '--port',
      '0',
    ],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, FLOWLENS_BENCH_USAGE: usage },
    },
  );
  let text = '';
  for await (const chunk of child.stdout) {
    text += chunk.toString('utf8');
    if (text.includes('\n')) break;
  }
  const url = /https?:\/\/\S+/.exec(text)?.[0]?.replace(/\/$/, '');
  if (!url) throw new Error(`serve printed no URL: ${text}`);
  const peak = () => {
    try {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      return Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
    } catch {
      return null;
    }
  };
  const call = async (name, path, init) => {
    log(`serve ${name}`);
    const started = performance.now();
    try {
      const response = await globalThis.fetch(`${url}${path}`, {
        ...init,
        signal: globalThis.AbortSignal.timeout(STEP_TIMEOUT * 1000),
      });
      const body = await response.text();
      const wall = (performance.now() - started) / 1000;
      const note = response.ok
        ? `${body.length} bytes`
        : `answered ${response.status}: ${body.slice(0, 200)}`;
      steps.push({ name: `serve: ${name}`, wall: round(wall), rssMb: round(peak(), 0), cpu: null, note });
      return response.ok ? JSON.parse(body) : null;
    } catch (error) {
      const wall = (performance.now() - started) / 1000;
      steps.push({
        name: `serve: ${name}`,
        wall: round(wall),
        rssMb: round(peak(), 0),
        cpu: null,
        note: `failed: ${error instanceof Error ? error.message : String(error)}`,
      });
      return null;
    } finally {
      saveProgress();
    }
  };
  try {
    const graph = await call('GET /api/graph', '/api/graph');
    const node = graph?.nodes?.find((n) => n.id.includes(address)) ?? graph?.nodes?.[0];
    if (node) await call('GET /api/node (details)', `/api/node?id=${encodeURIComponent(node.id)}`);
    await call('GET /api/histogram', '/api/histogram');
    await call('GET /api/costs', '/api/costs');
    await call('GET /api/alerts', '/api/alerts');
    const query = (report) => ({
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ language: 'report', report }),
    });
    await call('POST /api/query report top-talkers', '/api/query', query('top-talkers'));
    await call('POST /api/query report rejected-sources', '/api/query', query('rejected-sources'));
    await call('POST /api/query insights stats', '/api/query', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ language: 'insights', text: 'stats count(*) as flows by action' }),
    });
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.on('close', resolve));
    const rss = existsSync(usage) ? JSON.parse(readFileSync(usage, 'utf8')).maxRssKb / 1024 : null;
    rmSync(usage, { force: true });
    steps.push({
      name: 'serve: whole session (peak RSS)',
      wall: null,
      rssMb: round(rss, 0),
      cpu: null,
      note: '',
    });
  }
}

function checkIngest(output, expected) {
  const summary = JSON.parse(output.trim().split('\n').pop());
  if (
    summary.units !== expected.objects ||
    summary.records !== expected.records ||
    summary.badLines !== 0 ||
    summary.failedUnits !== 0
  ) {
    throw new Error(
      `ingest stored ${summary.units} objects / ${summary.records} records (${summary.badLines} bad, ${summary.failedUnits} failed), expected ${expected.objects} / ${expected.records}`,
    );
  }
  return `${summary.units} objects, ${summary.records} records (exact), ${Math.round(summary.units / summary.seconds)} objects/s, ${Math.round(summary.records / summary.seconds)} records/s`;
}

// Generates the month once per size (a marker file keeps what was written) with the library's generators.
async function ensureData() {
  const marker = join(folder, 'data.json');
  const shape = { records: N, vpcObjects: VPC_OBJECTS, s3Objects: S3_OBJECTS, trailObjects: TRAIL_OBJECTS };
  if (existsSync(marker)) {
    const saved = JSON.parse(readFileSync(marker, 'utf8'));
    if (JSON.stringify(saved.shape) === JSON.stringify(shape)) return saved;
  }
  rmSync(folder, { recursive: true, force: true });
  mkdirSync(folder, { recursive: true });
  const generate = await import(pathToFileURL(join(dist, 'src', 'generate', 'index.js')).href);
  const hours = MONTH_DAYS * 24;
  log(`generating ${N} VPC records in ${VPC_OBJECTS} objects`);
  const vpcFolder = join(folder, 'vpc');
  const vpc = await generate.writeFlowLogs({
    records: N,
    hours,
    seed: 'scale',
    start: START,
    out: vpcFolder,
    objectSeconds: Math.round((hours * 3600) / VPC_OBJECTS),
  });
  const aws = async (kind, objects, name) => {
    log(`generating ${objects} ${kind} objects`);
    const out = join(folder, name);
    // A few requests per object, as AWS delivers access logs (most objects hold 1-20 entries).
    // A few time slices get no entry and write no object: 1 % more slices than objects asked for.
    const written = await generate.writeAwsLogs({
      kind,
      records: objects * 6,
      seed: 'scale',
      start: START,
      hours,
      out,
      objectSeconds: Math.max(1, Math.floor((hours * 3600) / (objects * 1.01))),
    });
    if (written.objects.length < objects)
      log(`warning: ${written.objects.length} ${kind} objects written, fewer than the ${objects} asked for`);
    return { folder: out, objects: written.objects.length, records: written.records };
  };
  const s3 = await aws('s3-access', S3_OBJECTS, 's3-access');
  const trail = await aws('cloudtrail', TRAIL_OBJECTS, 'cloudtrail');
  const saved = {
    shape,
    vpc: { folder: vpcFolder, objects: vpc.objects.length, records: vpc.records },
    s3,
    trail,
  };
  writeFileSync(marker, JSON.stringify(saved, null, 2));
  return saved;
}

/**
 * With --only, the rows of the steps run now replace the rows of the same name in the earlier results (each marked
 * with its own date and load); the other rows, and the earlier run's date and load, are kept.
 */
function mergedResult(measured) {
  const earlier = existsSync(args.out) ? JSON.parse(readFileSync(args.out, 'utf8')) : null;
  if (earlier?.records !== N) return measured;
  const { load } = measured.machine;
  const stamp = `${measured.date.slice(0, 16)}Z, load ${load.atStart}-${load.max}`;
  const fresh = new Map(
    measured.steps
      .filter((s) => !s.name.startsWith('ingest '))
      .map((s) => [s.name, { ...s, note: [s.note, `(${stamp})`].filter(Boolean).join(' ') }]),
  );
  const kept = earlier.steps.map((s) => fresh.get(s.name) ?? s);
  const added = [...fresh.values()].filter((s) => !earlier.steps.some((e) => e.name === s.name));
  return { ...earlier, steps: [...kept, ...added] };
}

function markdownTable(result) {
  const header = `Scale run: ${result.records.toLocaleString('en-US')} VPC records in ${result.objects.vpc} objects, ${result.objects.s3Access} S3 access log objects, ${result.objects.cloudtrail} CloudTrail files (${result.date}); load average ${result.machine.load.atStart} at start, ${result.machine.load.max} at most, ${result.machine.load.atEnd} at the end.\n\n`;
  const rows = result.steps.map(
    (s) =>
      `| ${s.name.replaceAll('|', '\\|')} | ${s.wall ?? '-'} | ${s.rssMb ?? '-'} | ${s.note.replaceAll('|', '\\|')} |`,
  );
  return `${header}| step | wall s | peak RSS MB | note |\n| --- | ---: | ---: | --- |\n${rows.join('\n')}\n`;
}

async function run(argv) {
  const m = await measure(process.execPath, [cli, ...argv], { stdout: 'pipe' });
  return m.output;
}

function count(text, fallback) {
  return text === undefined ? fallback : parseCount(text);
}

function parseCount(text) {
  const match = /^(\d+(?:\.\d+)?)([kKmM]?)$/.exec(String(text).trim());
  if (!match) throw new Error(`not a count: ${text}`);
  return Math.round(Number(match[1]) * ({ k: 1e3, m: 1e6 }[match[2].toLowerCase()] ?? 1));
}

function round(value, digits = 2) {
  return value === null || value === undefined ? null : Number(value.toFixed(digits));
}

function loadAverage() {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number);
  } catch {
    return [0, 0, 0];
  }
}

main().catch((error) => {
  process.stderr.write(`scale run failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
