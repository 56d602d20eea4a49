#!/usr/bin/env node
// `node bench/page.mjs` (or `npm run bench -- --only page`): how long people wait on the page, measured in headless
// Chromium (Debian's /usr/bin/chromium, software WebGL) against `flowlens serve`, plus the page's API calls on 5M
// records. Prints a table, writes bench/page.json. docs/benchmark.md ("The page") explains every row.
/* global document, MouseEvent, fetch */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { median, renderTable, run } from './lib.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..');
const { values: args } = parseArgs({
  options: {
    dist: { type: 'string', default: join(root, 'dist') },
    data: { type: 'string', default: join(here, 'data') },
    work: { type: 'string' },
    store: { type: 'string' },
    records: { type: 'string', default: '5000000' },
    runs: { type: 'string', default: '3' },
    out: { type: 'string', default: join(here, 'page.json') },
    screenshots: { type: 'string' },
    chromium: { type: 'string', default: '/usr/bin/chromium' },
  },
  strict: false,
});
const dist = resolve(args.dist);
const cli = join(dist, 'bin', 'flowlens.js');
const work = resolve(args.work ?? join(args.data, 'work', 'page'));
const RUNS = Number(args.runs);
const BIG = { nodes: 20_000, edges: 100_000 };
const log = (text) => process.stderr.write(`[bench page] ${text}\n`);
const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');

/** The rows of the table: name, median ms, target ms, and a note. */
const rows = [];
const results = { date: new Date().toISOString(), loadAverageAtStart: load(), runs: RUNS, rows };

async function main() {
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run npm run build first`);
  if (!existsSync(args.chromium)) throw new Error(`${args.chromium} is missing: apt-get install chromium`);
  mkdirSync(work, { recursive: true });
  const demo = await demoStore();
  const big = await bigStore();
  const large = await largeStore();
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath: args.chromium,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--enable-unsafe-swiftshader', '--use-angle=swiftshader'],
  });
  try {
    await withServer(['--db', demo.db, '--names', demo.names], async (url) => {
      log('demo: first draw, layout, node details, Costs tab');
      await measurePage(browser, url, 'demo (300k records)');
      await measurePublicKept(browser, url);
      await measureNodeDetails(browser, url);
      await measureCosts(browser, url, 'demo (300k records)');
    });
    await withServer(['--db', big], async (url) => {
      log(`${BIG.nodes} nodes / ${BIG.edges} edges`);
      await measureBigGraph(browser, url);
    });
    await withServer(['--db', large], async (url) => {
      log(`${args.records} records: graph, Costs tab, query-tab reports, Explore views`);
      await measurePage(browser, url, `${args.records} records`);
      await measureCosts(browser, url, `${args.records} records`);
      await measureReports(url);
      await measureExplore(url);
    });
  } finally {
    await browser.close();
  }
  results.loadAverageAtEnd = load();
  writeFileSync(args.out, `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(`${report()}\n\nresults: ${args.out}\n`);
}

/** The demo's data (`npm run demo`: 300,000 records, seed 1, with its known names), generated and ingested once. */
async function demoStore() {
  const folder = join(work, 'demo');
  const db = join(work, 'demo.duckdb');
  const names = join(folder, 'known-names.yaml');
  if (!existsSync(`${db}.done`)) {
    log('generating and ingesting the demo data');
    mkdirSync(folder, { recursive: true });
    await run(process.execPath, [cli, 'generate', '--records', '300000', '--seed', '1', '--out', join(folder, 'logs'), '--names-out', names]);
    await run(process.execPath, [cli, 'ingest', join(folder, 'logs'), '--db', db]);
    writeFileSync(`${db}.done`, '');
  }
  return { db, names };
}

/**
 * A graph of 20,000 private addresses and 100,000 distinct directed edges (one flow each) in 200 clusters of 100
 * addresses, 80 % of the edges inside a cluster: what a big VPC looks like with --node ip, written once.
 */
async function bigStore() {
  const db = join(work, 'big-graph.duckdb');
  if (existsSync(`${db}.done`)) return db;
  log('writing and ingesting the 20k-node graph');
  let seed = 7;
  const random = (n) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  const address = (i) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
  const seen = new Set();
  const lines = ['version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status'];
  const t0 = 1714521600;
  for (let e = 0; lines.length <= BIG.edges; e++) {
    const source = e % BIG.nodes;
    const cluster = Math.floor(source / 100);
    const target = random(10) < 8 ? cluster * 100 + random(100) : random(BIG.nodes);
    if (target === source || seen.has(source * BIG.nodes + target)) continue;
    seen.add(source * BIG.nodes + target);
    const start = t0 + random(86_400);
    lines.push(`2 123456789012 eni-0000000000000${String(cluster).padStart(4, '0')} ${address(source)} ${address(target)} ${40000 + random(20000)} 443 6 ${1 + random(50)} ${100 + random(100000)} ${start} ${start + 60} ${random(20) === 0 ? 'REJECT' : 'ACCEPT'} OK`);
  }
  const file = join(work, 'big-graph.log');
  writeFileSync(file, `${lines.join('\n')}\n`);
  await run(process.execPath, [cli, 'ingest', file, '--db', db]);
  writeFileSync(`${db}.done`, '');
  return db;
}

/** The store of --records records: --store, else the benchmark's generated gz folder ingested once (rollups included). */
async function largeStore() {
  if (args.store) return resolve(args.store);
  const db = join(work, `store-${args.records}.duckdb`);
  if (!existsSync(`${db}.done`)) {
    const gz = join(args.data, args.records, 'gz');
    if (!existsSync(`${gz}.done`)) throw new Error(`${gz} is not generated: run npm run bench first, or pass --store or --data`);
    log(`ingesting ${gz}`);
    await run(process.execPath, [cli, 'ingest', gz, '--db', db]);
    writeFileSync(`${db}.done`, '');
  }
  return db;
}

/** Runs `flowlens serve ARGS --port 0` for the duration of `body(url)`. */
async function withServer(serveArgs, body) {
  const child = spawn(process.execPath, [cli, 'serve', ...serveArgs, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const errors = [];
  child.stderr.on('data', (chunk) => errors.push(chunk));
  const url = await new Promise((resolveUrl, reject) => {
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const match = /http:\/\/[^\s]+/.exec(out);
      if (match) resolveUrl(match[0].replace(/\/$/, ''));
    });
    child.on('exit', (code) => reject(new Error(`flowlens serve exited with ${code}: ${Buffer.concat(errors).toString().slice(-1000)}`)));
  });
  try {
    return await body(url);
  } finally {
    child.kill();
  }
}

/** Opens the page and waits for its first graph to be drawn; returns the page and the load's timings (ms since navigation). */
async function openPage(browser, url, query = '') {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(`${url}/${query}`);
  await waitDrawn(page, 0);
  return page;
}

/** Waits until the latest graph load after `loads` finished and was drawn; returns performance.now() of the drawing. */
async function waitDrawn(page, loads) {
  await page.waitForFunction((n) => {
    const hooks = globalThis.__flowlens;
    return hooks !== undefined && !hooks.loading && hooks.loads > n && hooks.drawnAt > 0;
  }, loads, { timeout: 120_000 });
  return page.evaluate(() => globalThis.__flowlens.drawnAt);
}

/** Waits until the layout stopped; returns performance.now() of the stop. */
async function waitSettled(page) {
  await page.waitForFunction(() => !globalThis.__flowlens.view.layoutRunning && globalThis.__flowlens.settledAt > 0, undefined, { timeout: 120_000 });
  return page.evaluate(() => globalThis.__flowlens.settledAt);
}

async function measurePage(browser, url, label) {
  const draws = [];
  const settles = [];
  let stats = '';
  for (let i = 0; i < RUNS; i++) {
    const page = await openPage(browser, url);
    draws.push(await page.evaluate(() => globalThis.__flowlens.drawnAt));
    settles.push(await waitSettled(page));
    stats = await page.locator('#stats').textContent();
    if (i === 0 && args.screenshots) await page.screenshot({ path: join(args.screenshots, `page-${label.split(' ')[0]}.png`) });
    await page.close();
  }
  add(`page load → graph drawn, ${label}`, draws, label.startsWith('demo') ? 1500 : null, stats);
  add(`page load → layout stopped, ${label}`, settles, null, stats);
}

/** The demo with public addresses kept (each its own node): the change of the filter until drawn and until the layout stops. */
async function measurePublicKept(browser, url) {
  const { draws, settles, stats } = await measureChange(browser, url, (page) => page.selectOption('#f-public', 'keep'));
  add('public addresses kept: filter change → drawn, demo', draws, null, stats);
  add('public addresses kept: filter change → layout stopped, demo', settles, 10_000, stats);
}

/** RUNS fresh pages, each settled, then `change` made: the times until the new graph is drawn and until its layout stops. */
async function measureChange(browser, url, change, screenshot) {
  const draws = [];
  const settles = [];
  let stats = '';
  for (let i = 0; i < RUNS; i++) {
    const page = await openPage(browser, url);
    await waitSettled(page);
    const { loads, t0 } = await page.evaluate(() => ({ loads: globalThis.__flowlens.loads, t0: performance.now() }));
    await change(page);
    draws.push((await waitDrawn(page, loads)) - t0);
    settles.push((await waitSettled(page)) - t0);
    stats = await page.locator('#stats').textContent();
    if (i === 0 && screenshot && args.screenshots) await page.screenshot({ path: join(args.screenshots, screenshot) });
    await page.close();
  }
  return { draws, settles, stats };
}

/** A click on the busiest drawn node (and on a named host) until its details are shown. */
async function measureNodeDetails(browser, url) {
  const page = await openPage(browser, url);
  await page.evaluate(() => globalThis.__flowlens.view.stopLayout());
  const ids = await page.evaluate(() => {
    const graph = globalThis.__flowlens.view.graph;
    const nodes = graph.nodes().map((id) => ({ id, size: graph.getNodeAttribute(id, 'size') })).sort((a, b) => b.size - a.size);
    return [nodes[0]?.id, nodes.find((n) => n.id !== nodes[0]?.id && n.id !== 'internet' && /[a-z]/.test(n.id))?.id].filter(Boolean);
  });
  for (const id of ids) {
    const times = [];
    for (let i = 0; i < RUNS; i++) {
      await page.evaluate(() => document.querySelector('#details [data-close]')?.dispatchEvent(new MouseEvent('click', { bubbles: true })));
      // Each click starts from a still page: the camera's move to the node clicked before takes 400 ms.
      await new Promise((resolve) => setTimeout(resolve, 700));
      // What a click on the node runs (sigma's clickNode handler), without the hit test of a moving picture.
      const t0 = await page.evaluate((node) => {
        const started = performance.now();
        globalThis.__flowlens.view.events.node(node);
        return started;
      }, id);
      // Until the frame that paints the filled panel (the page notes its time).
      await page.waitForFunction(() => {
        const details = document.getElementById('details');
        return details && !details.hidden && details.dataset.loading === undefined && globalThis.__flowlens.detailsShownAt > 0;
      }, undefined, { timeout: 60_000 });
      times.push((await page.evaluate(() => globalThis.__flowlens.detailsShownAt)) - t0);
    }
    add(`node details (click → shown), demo: ${id}`, times, 300);
  }
  await page.close();
}

async function measureCosts(browser, url, label) {
  const page = await openPage(browser, url);
  const times = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = await page.evaluate(() => performance.now());
    await page.locator('[data-testid=costs-tab]').click();
    await page.waitForFunction(() => {
      const panel = document.querySelector('[data-testid=costs-panel]');
      return panel && panel.dataset.loading === undefined && panel.querySelector('[data-testid=cost-table], [data-testid=cost-empty], .error');
    });
    times.push((await page.evaluate(() => performance.now())) - t0);
    if (i === 0 && args.screenshots) await page.screenshot({ path: join(args.screenshots, `costs-${label.split(' ')[0]}.png`) });
    await page.locator('[data-testid=costs-panel] [data-close]').click();
  }
  add(`Costs tab (click → report shown), ${label}`, times, label.startsWith('demo') ? null : 1000);
  await page.close();
}

/** 20,000 nodes / 100,000 edges: the page loads with its default top 5,000 edges, then Top edges becomes 100,000. */
async function measureBigGraph(browser, url) {
  const change = async (page) => {
    await page.fill('#f-top', String(BIG.edges));
    await page.dispatchEvent('#f-top', 'change');
  };
  const { draws, settles, stats } = await measureChange(browser, url, change, 'page-big-graph.png');
  add(`${BIG.nodes} nodes / ${BIG.edges} edges: Top edges change → drawn`, draws, 3000, stats);
  add(`${BIG.nodes} nodes / ${BIG.edges} edges: Top edges change → layout stopped`, settles, 10_000, stats);
}

/** Every flow-log report of the Query tab, as the page posts it (POST /api/query), each timed from the client. */
async function measureReports(url) {
  const { reports } = await getJson(url, '/api/reports');
  for (const report of reports.filter((r) => r.logType === 'vpc')) {
    const params = Object.fromEntries(report.params.filter((p) => p.default !== null).map((p) => [p.name, String(p.default)]));
    if (report.params.some((p) => p.default === null)) continue;
    const body = { language: 'report', report: report.name, params };
    // A report over tables the store lacks (aws-services before `flowlens enrich --aws-ranges`) is left out.
    const probe = await post(url, '/api/query', body);
    if (probe.status === 409) {
      log(`query tab report ${report.name}: left out (${(await probe.json()).error})`);
      continue;
    }
    const times = [];
    let note = '';
    for (let i = 0; i < RUNS; i++) {
      const t0 = performance.now();
      const answer = await postJson(url, '/api/query', body);
      times.push(performance.now() - t0);
      note = `${answer.rowCount} rows`;
    }
    add(`query tab report ${report.name}, ${args.records} records`, times, 1000, note);
  }
}

/** Explore views: each dimension alone (time series and table), and two- and three-dimension sankeys, by bytes. */
async function measureExplore(url) {
  const { dimensions } = await getJson(url, '/api/explore/dimensions');
  const views = [...dimensions.map((d) => [d.id]), ['srcaddr', 'dstaddr'], ['srcaddr', 'dstport'], ['interface_id', 'dstport', 'action']];
  for (const view of views) {
    if (!view.every((id) => dimensions.some((d) => d.id === id))) continue;
    const times = [];
    let note = '';
    for (let i = 0; i < RUNS; i++) {
      const t0 = performance.now();
      const answer = await postJson(url, '/api/explore', { dimensions: view, metric: 'bytes', limit: 10, points: 120 });
      times.push(performance.now() - t0);
      note = `${answer.rows.length} groups`;
    }
    add(`explore ${view.join(' × ')}, ${args.records} records`, times, 1000, note);
  }
}

async function getJson(url, path) {
  const response = await fetch(`${url}${path}`);
  if (!response.ok) throw new Error(`GET ${path}: ${response.status} ${await response.text()}`);
  return response.json();
}

function post(url, path, body) {
  return fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', origin: url }, body: JSON.stringify(body) });
}

async function postJson(url, path, body) {
  const response = await post(url, path, body);
  if (!response.ok) throw new Error(`POST ${path} ${JSON.stringify(body)}: ${response.status} ${await response.text()}`);
  return response.json();
}

function add(name, times, target, note = '') {
  const ms = median(times);
  rows.push({ name, ms, runs: times.map((t) => Math.round(t)), target, met: target === null ? null : ms < target, note, load: load() });
  log(`${name}: ${Math.round(ms)} ms ${note}`);
}

function report() {
  const table = renderTable(['step (median ms)', 'ms', 'target', 'met', 'note'],
    rows.map((r) => [r.name, Math.round(r.ms), r.target === null ? '' : `< ${r.target}`, r.met === null ? '' : r.met ? 'yes' : 'NO', r.note]));
  return `load average ${results.loadAverageAtStart} at start, ${results.loadAverageAtEnd} at end; ${RUNS} runs each\n\n${table}`;
}

// Top-level await: bench/run.mjs --only page imports this module and goes on when it is done.
await main().catch((error) => {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.exitCode = 1;
});
