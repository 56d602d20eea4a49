import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { Command } from 'commander';
import { beforeAll, describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/cli/commands/index.js';
import type { CliContext } from '../../src/cli/context.js';
import { sqlLiteral, Store } from '../../src/store/index.js';
import { runFlowlens } from '../helpers/cli.js';

/** The record selection every reading command shares; each must change what the command prints. */
const SELECTION: Record<string, string[]> = {
  '--start': ['--start', '2024-05-01T12:00:00Z'],
  '--end': ['--end', '2024-05-01T12:00:00Z'],
  '--action': ['--action', 'REJECT'],
  '--filter-pattern': ['--filter-pattern', 'REJECT'],
};

let dir: string;
let db: string;
let logs: string;

/** How each command offering the selection is run on the fixture store; `observe` returns what the options must change. */
const RUNS: Record<string, (extra: string[]) => Promise<string>> = {
  print: (extra) => output(['print', '--format', 'csv', '--db', db, ...extra]),
  ipset: (extra) => output(['ipset', '--format', 'csv', '--db', db, ...extra]),
  findip: (extra) => output(['findip', '0.0.0.0/0', '--format', 'csv', '--db', db, ...extra]),
  aggregate: (extra) => output(['aggregate', '--format', 'csv', '--db', db, ...extra]),
  query: (extra) => output(['query', 'SELECT count(*) AS n, sum(bytes) AS b FROM vpc_flow_logs', '--format', 'csv', '--db', db, ...extra]),
  insights: (extra) => output(['insights', 'stats count(*) as n', '--format', 'csv', '--db', db, ...extra]),
  report: (extra) => output(['report', 'top-talkers', '--format', 'csv', '--db', db, ...extra]),
  'suggest security-groups': (extra) => output(['suggest', 'security-groups', '--format', 'json', '--db', db, ...extra]),
  graph: (extra) => output(['graph', '--db', db, ...extra]),
  'export parquet': async (extra) => {
    const out = mkdtempSync(join(dir, 'parquet-'));
    await output(['export', 'parquet', '-o', out, '--overwrite', '--db', db, ...extra]);
    const store = await Store.memory();
    try {
      return String(await store.scalar(`SELECT count(*) FROM read_parquet(${sqlLiteral(`${out}/**/*.parquet`)})`));
    } finally {
      store.close();
    }
  },
  ingest: async (extra) => {
    const target = join(mkdtempSync(join(dir, 'ingest-')), 'x.duckdb');
    await output(['ingest', logs, '--db', target, ...extra]);
    return output(['query', 'SELECT count(*) AS n FROM flows', '--format', 'csv', '--db', target]);
  },
};

/** Commands offering the selection that this test does not run, and why (each is covered elsewhere). */
const NOT_RUN: Record<string, string> = {
  'alerts run': 'needs a rules file; test/alerts runs it with a time window',
  'clickhouse load': 'needs a ClickHouse server; test/scale/clickhouse.test.ts',
};

async function output(argv: string[]): Promise<string> {
  const run = await runFlowlens(argv);
  if (run.code !== 0) throw new Error(`flowlens ${argv.join(' ')} exited ${run.code}: ${run.stderr}`);
  return run.stdout;
}

/** Every command of the tree with its path (`export parquet`) and long option names. */
function commandTree(): { path: string; options: string[] }[] {
  const program = new Command('flowlens');
  const context: CliContext = { stdout: new PassThrough(), stderr: new PassThrough(), env: {}, interactive: false, exitCode: 0 };
  for (const register of COMMANDS) register(program, context);
  const out: { path: string; options: string[] }[] = [];
  const walk = (command: Command, prefix: string[]): void => {
    for (const sub of command.commands) {
      const path = [...prefix, sub.name()];
      out.push({ path: path.join(' '), options: sub.options.map((o) => o.long ?? '') });
      walk(sub, path);
    }
  };
  walk(program, []);
  return out;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'flowlens-options-'));
  db = join(dir, 'flows.duckdb');
  logs = join(dir, 'flows.log');
  writeFileSync(logs, (await runFlowlens(['generate', '--records', '4000', '--no-gzip'])).stdout);
  await output(['ingest', logs, '--db', db]);
}, 120_000);

const selecting = commandTree().filter((c) => Object.keys(SELECTION).every((o) => c.options.includes(o)));

describe('the command tree', () => {
  it('runs, or says why not, every command that offers --start/--end/--action/--filter-pattern', () => {
    expect(selecting.length).toBeGreaterThan(5);
    for (const command of selecting) expect(RUNS[command.path] ?? NOT_RUN[command.path], command.path).toBeDefined();
    for (const path of [...Object.keys(RUNS), ...Object.keys(NOT_RUN)]) expect(selecting.map((c) => c.path)).toContain(path);
  });

  describe.each(selecting.filter((c) => RUNS[c.path]).map((c) => c.path))('%s', (path) => {
    it.each(Object.keys(SELECTION))('changes its output with %s', async (option) => {
      const run = RUNS[path]!;
      const all = await run([]);
      const selected = await run(SELECTION[option]!);
      expect(all.length).toBeGreaterThan(0);
      expect(selected).not.toBe(all);
    }, 60_000);
  });
});
