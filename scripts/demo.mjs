#!/usr/bin/env node
// `npm run demo`: generate one day of synthetic VPC flow logs, ingest them into DuckDB, print the top reports.
// Runs the built CLI in-process (dist/, built by `npm run demo` first), so it works on a fresh clone.
import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const demo = join(root, '.flowlens', 'demo');
const logs = join(demo, 'logs');
const db = join(demo, 'flowlens.duckdb');
const names = join(demo, 'known-names.yaml');
const RECORDS = 300_000;
const SEED = 1;

const dist = join(root, 'dist', 'src');
if (!existsSync(join(dist, 'cli', 'run-cli.js'))) throw new Error('dist/ is missing: run `npm run build` first (npm run demo does it)');
const { runCli } = await import(pathToFileURL(join(dist, 'cli', 'run-cli.js')).href);
const { buildVpcModel } = await import(pathToFileURL(join(dist, 'generate', 'index.js')).href);
const show = (path) => relative(process.cwd(), path) || '.';

/** Runs a flowlens command in-process; prints its output unless `capture`, and fails the demo on a non-zero exit. */
async function flowlens(argv, { capture = false, quiet = false } = {}) {
  if (!quiet) process.stdout.write(`\n$ flowlens ${argv.map((a) => (/[\s'$]/.test(a) ? `'${a}'` : a)).join(' ')}\n`);
  const stdout = capture ? new PassThrough() : process.stdout;
  const chunks = [];
  if (capture) stdout.on('data', (chunk) => chunks.push(chunk));
  const code = await runCli({ argv, stdout, stderr: process.stderr, env: process.env, interactive: Boolean(process.stderr.isTTY) });
  if (code !== 0) throw new Error(`flowlens ${argv[0]} exited with code ${code}`);
  return Buffer.concat(chunks).toString('utf8');
}

/** The commands this build registers (other commands may be added over time; the demo uses what exists). */
async function registeredCommands() {
  const help = await flowlens(['--help'], { capture: true, quiet: true });
  return new Set([...help.matchAll(/^ {2}([a-z][a-z-]*)\b/gm)].map((m) => m[1]));
}

async function main() {
  await rm(demo, { recursive: true, force: true });
  await mkdir(demo, { recursive: true });
  const model = buildVpcModel({ seed: SEED });
  const attacker = model.external.sshBruteForce;

  await flowlens(['generate', '--records', String(RECORDS), '--seed', String(SEED), '--out', show(logs), '--names-out', show(names)]);
  await flowlens(['ingest', show(logs), '--db', show(db)]);

  await flowlens(['aggregate', '--db', show(db), '--limit', '10']);

  const addresses = (await flowlens(['ipset', '--db', show(db), '--format', 'text'], { capture: true })).split('\n').filter(Boolean);
  process.stdout.write(`${addresses.length} unique addresses (first: ${addresses.slice(0, 3).join(', ')}, ...)\n`);

  const flows = (await flowlens(['findip', attacker, '--db', show(db), '--format', 'text'], { capture: true })).split('\n').filter(Boolean);
  process.stdout.write(`${flows.slice(0, 5).join('\n')}\n... ${flows.length} flows involve ${attacker} (the simulated SSH brute force)\n`);

  const commands = await registeredCommands();
  if (commands.has('report')) {
    for (const report of ['top-talkers', 'rejected-sources']) await flowlens(['report', report, '--db', show(db), '--limit', '10']);
  }
  if (commands.has('insights')) {
    await flowlens(['insights', 'filter action = "REJECT" | stats count(*) as flows by srcAddr | sort flows desc | limit 5', '--db', show(db)]);
  }
  process.stdout.write(`\nThe demo database is ${show(db)}; try: flowlens query --db ${show(db)} "SELECT action, count(*) FROM flows GROUP BY action"\n`);
  process.stdout.write(`Known names of the simulated VPC (for graphs): ${show(names)}\n`);
  if (commands.has('graph')) {
    await flowlens(['graph', '--db', show(db), '--names', show(names), '--public', 'group', '--node', 'name', '--top', '5', '--weight', 'bytes', '--export', 'dot']);
  }
  if (commands.has('serve')) {
    // The Alerts tab evaluates the sample rules: the simulated SSH brute force and port scan show up there.
    const serve = ['serve', '--db', show(db), '--names', show(names), '--rules', show(join(root, 'examples', 'rules.yaml'))];
    // In a terminal the demo ends by serving the graph page (Ctrl-C stops it); elsewhere it prints the command.
    if (process.stdout.isTTY && !process.env.CI) await flowlens(serve);
    else process.stdout.write(`\nExplore the graph: flowlens ${serve.join(' ')}\n`);
  }
}

main().catch((error) => {
  process.stderr.write(`demo failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
