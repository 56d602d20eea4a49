// Helpers of the benchmark: child processes with wall time, CPU time and peak RSS; medians; file lists; tables.
import { performance } from 'node:perf_hooks';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const PRELOAD = new URL('./usage-preload.mjs', import.meta.url).href;

/**
 * Runs a command and measures it from the outside: wall seconds, and for node children (`node: true`) the
 * child's own CPU seconds and peak RSS (MB) via the usage preload. Rejects on a non-zero exit.
 */
export async function measure(command, args, { node = false, env = {}, stdout = 'ignore', cwd } = {}) {
  const usageFile = join(tmpdir(), `flowlens-bench-usage-${process.pid}-${Math.random().toString(36).slice(2)}.json`);
  const fullArgs = node ? ['--import', PRELOAD, ...args] : args;
  const started = performance.now();
  const output = await run(node ? process.execPath : command, fullArgs, { env: { ...env, FLOWLENS_BENCH_USAGE: usageFile }, stdout, cwd });
  const wall = (performance.now() - started) / 1000;
  let cpu = null;
  let rssMb = null;
  if (node && existsSync(usageFile)) {
    const usage = JSON.parse(readFileSync(usageFile, 'utf8'));
    cpu = (usage.userMs + usage.systemMs) / 1000;
    rssMb = usage.maxRssKb / 1024;
    rmSync(usageFile, { force: true });
  }
  return { wall, cpu, rssMb, output };
}

/** Runs a command to completion; resolves with its stdout (when captured), rejects with its stderr on failure. */
export function run(command, args, { env = {}, stdout = 'pipe', cwd } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', stdout, 'pipe'], env: { ...process.env, ...env }, cwd });
    const out = [];
    const err = [];
    child.stdout?.on('data', (chunk) => out.push(chunk));
    child.stderr.on('data', (chunk) => err.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out).toString('utf8'));
      else reject(new Error(`${command} ${args.join(' ').slice(0, 300)} exited with ${code}: ${Buffer.concat(err).toString('utf8').slice(-2000)}`));
    });
  });
}

/** The median of numbers (null when empty). */
export function median(values) {
  const sorted = values.filter((v) => v !== null && v !== undefined).sort((a, b) => a - b);
  if (sorted.length === 0) return null;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Runs `once` n times and returns every measurement and the medians of wall, cpu and rss. */
export async function repeat(n, once) {
  const runs = [];
  for (let i = 0; i < n; i++) runs.push(await once(i));
  return {
    runs: runs.map(({ output: _output, ...rest }) => rest),
    wall: median(runs.map((r) => r.wall)),
    cpu: median(runs.map((r) => r.cpu)),
    rssMb: median(runs.map((r) => r.rssMb)),
  };
}

/** Every file under a folder whose name ends with one of the suffixes, sorted. */
export function listFiles(folder, suffixes) {
  const out = [];
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (suffixes.some((s) => entry.name.endsWith(s))) out.push(path);
    }
  };
  walk(folder);
  return out.sort();
}

/** Total size in bytes of files. */
export function totalBytes(files) {
  return files.reduce((sum, file) => sum + statSync(file).size, 0);
}

/** Renders rows (arrays of cells) as an aligned text table. */
export function renderTable(header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i] ?? '').length)));
  const line = (cells) => cells.map((c, i) => String(c ?? '').padEnd(widths[i])).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** Formats a number of records per second. */
export function rate(records, seconds) {
  return seconds ? Math.round(records / seconds) : null;
}

/** Formats a number with a fixed number of decimals, or '-' for null. */
export function fixed(value, digits = 2) {
  return value === null || value === undefined ? '-' : value.toFixed(digits);
}
