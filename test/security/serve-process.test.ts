import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeProbeFolder } from './probes.js';
import type { ProbeFolder } from './probes.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SLOW_SQL = 'SELECT sum(a.range*b.range) FROM range(100000) a, range(1000000) b';

let folder: ProbeFolder;
let before: Record<string, string>;
beforeAll(async () => {
  folder = await makeProbeFolder();
  before = folder.snapshot();
});
afterAll(() => rmSync(folder.path, { recursive: true, force: true }));

/** Starts `flowlens serve` on the probe database as a real process; resolves with its URL once it listens. */
async function startServe(): Promise<{ url: string; stopped: Promise<{ code: number | null; at: number }>; signal(name: NodeJS.Signals): number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bin/flowlens.ts'), 'serve', '--db', folder.db, '--port', '0', '--query-timeout', '600'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] });
  const stopped = new Promise<{ code: number | null; at: number }>((resolve) => child.on('exit', (code) => resolve({ code, at: performance.now() })));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      const match = /serving (http:\/\/\S+)/.exec(out);
      if (match?.[1]) resolve(match[1]);
    });
    child.on('exit', () => reject(new Error(`serve exited before listening: ${out}`)));
  });
  return { url, stopped, signal: (name) => (child.kill(name), performance.now()) };
}

describe('flowlens serve as a process', () => {
  it.each([['SIGTERM'], ['SIGINT']] as [NodeJS.Signals][])('stops on %s while a long query runs, interrupting it; the graph answered meanwhile', async (name) => {
    const serve = await startServe();
    const slow = fetch(`${serve.url}api/query`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ language: 'sql', text: SLOW_SQL }) }).then(
      (response) => response.status,
      () => 'connection closed',
    );
    const graph = await fetch(`${serve.url}api/graph`);
    expect(graph.status).toBe(200);
    const sent = serve.signal(name);
    const { code, at } = await serve.stopped;
    expect(code).toBe(0);
    // The query alone runs for minutes with a 600 s limit: the process ended because it was interrupted.
    expect(at - sent).toBeLessThan(20_000);
    expect(await slow).not.toBe(200);
    expect(folder.snapshot()).toEqual(before);
  });
});
