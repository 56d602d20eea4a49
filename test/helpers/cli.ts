import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { runCli } from '../../src/cli/run-cli.js';

/** The outcome of one CLI run: exit code and everything written to stdout and stderr. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in-process with captured streams and optional stdin text. */
export async function runFlowlens(argv: string[], options: { stdin?: string | Buffer; env?: Record<string, string> } = {}): Promise<CliRun> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (chunk: Buffer) => out.push(chunk));
  stderr.on('data', (chunk: Buffer) => err.push(chunk));
  const code = await runCli({
    argv,
    stdout,
    stderr,
    stdin: options.stdin === undefined ? Readable.from([]) : Readable.from([Buffer.from(options.stdin)]),
    env: { ...options.env },
  });
  return { code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
}

/** Parses ndjson output into objects. */
export function parseNdjson(text: string): Record<string, unknown>[] {
  return text.split('\n').filter((line) => line.length > 0).map((line) => JSON.parse(line) as Record<string, unknown>);
}

const ROOT = join(import.meta.dirname, '../..');

/** What a CLI child process left: its exit code and stderr. */
export interface ChildRun {
  code: number | null;
  stderr: string;
}

/**
 * Runs the CLI (bin/flowlens.ts) with its stdout a real pipe (a FIFO, as a shell makes) read by `head -c 1`, which
 * closes it after the first byte as `| head -1` does; returns the CLI's own exit code and stderr.
 */
export function runFlowlensClosingEarly(args: string[], env: Record<string, string> = {}): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const script = '"$@" | head -c 1 > /dev/null; exit ${PIPESTATUS[0]}';
    const child = spawn('bash', ['-c', script, 'flowlens', process.execPath, '--import', 'tsx', join(ROOT, 'bin/flowlens.ts'), ...args], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env } });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

/**
 * Runs the CLI in a child process with stdout going to `target`: a file (made in `dir`), a pipe that `cat` reads
 * to the end (DuckDB then writes the pipe itself), or the socket pair Node's own `pipe` stdio makes; returns exit
 * code, stdout and stderr.
 */
export function runFlowlensTo(target: 'file' | 'pipe' | 'socket', args: string[], dir: string, env: Record<string, string> = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const file = join(dir, `out-${Math.random().toString(36).slice(2)}.txt`);
    const fd = target === 'file' ? openSync(file, 'w') : undefined;
    const command = [process.execPath, '--import', 'tsx', join(ROOT, 'bin/flowlens.ts'), ...args];
    const options = { cwd: ROOT, env: { ...process.env, ...env } };
    const child =
      target === 'pipe'
        ? spawn('bash', ['-c', '"$@" | cat; exit ${PIPESTATUS[0]}', 'flowlens', ...command], { ...options, stdio: ['ignore', 'pipe', 'pipe'] })
        : spawn(command[0] as string, command.slice(1), { ...options, stdio: ['ignore', fd ?? 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => {
      if (fd !== undefined) closeSync(fd);
      resolve({ code: code ?? 1, stderr, stdout: fd !== undefined ? readFileSync(file, 'utf8') : Buffer.concat(out).toString('utf8') });
    });
  });
}
