import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRules, watch } from '../../src/alerts/index.js';
import type { AlertEvent } from '../../src/alerts/index.js';
import { Store } from '../../src/store/index.js';
import { SEED_ALARM_YAML, tempFolder } from './helpers.js';
import { scenarioLines } from './scenario.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const RULES = `${SEED_ALARM_YAML}detections:
  - type: SSHBruteForce
    window: 5m
    minAttempts: 5
  - type: Portscan
    window: 5m
`;

let folder: Awaited<ReturnType<typeof tempFolder>>;
beforeAll(async () => {
  folder = await tempFolder();
});
afterAll(() => folder.cleanup());

/** Starts `flowlens watch` as a real process; resolves `cycles(n)` once it has reported n cycles. */
function startWatch(args: string[]): { child: ChildProcess; cycles: (n: number) => Promise<void>; exited: Promise<number | null> } {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bin/flowlens.ts'), 'watch', ...args, '-v'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  const waiters: { n: number; resolve: () => void }[] = [];
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
    const done = [...stderr.matchAll(/^cycle (\d+):/gm)].length;
    for (const waiter of waiters.filter((w) => w.n <= done)) waiter.resolve();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, cycles: (n) => new Promise((resolve) => waiters.push({ n, resolve })) };
}

describe('flowlens watch killed mid-stream', () => {
  it('loses no record and no alert after SIGKILL and a restart; repeats carry the same id', async () => {
    const lines = scenarioLines().sort((a, b) => Number(a.split(' ')[10]) - Number(b.split(' ')[10]));
    const logs = join(folder.path, 'flows.log');
    const rules = join(folder.path, 'rules.yaml');
    const events = join(folder.path, 'events.jsonl');
    const db = join(folder.path, 'watch.duckdb');
    await writeFile(rules, `${RULES}notify:\n  - type: file\n    path: ${JSON.stringify(events)}\n`);
    await writeFile(logs, `${lines.slice(0, 90).join('\n')}\n`);
    const args = ['--rules', rules, logs, '--db', db, '--interval', '10ms', '--late', '0'];

    const first = startWatch(args);
    await first.cycles(2);
    await appendFile(logs, `${lines.slice(90, 180).join('\n')}\n`);
    await first.cycles(4);
    await appendFile(logs, `${lines.slice(180, 260).join('\n')}\n`);
    first.child.kill('SIGKILL'); // wherever it is: ingesting, evaluating, committing or delivering
    await first.exited;

    await appendFile(logs, `${lines.slice(260).join('\n')}\n`);
    const second = startWatch([...args, '--max-cycles', '3']);
    expect(await second.exited).toBe(0);

    const store = await Store.open(db, { readOnly: true });
    try {
      expect(Number(await store.scalar('SELECT count(*) FROM flows'))).toBe(lines.length);
    } finally {
      store.close();
    }
    const received = (await readFile(events, 'utf8')).split('\n').filter(Boolean).map((line) => JSON.parse(line) as { id: string });
    const expected: AlertEvent[] = [];
    const reference = await Store.memory();
    try {
      await watch({
        store: reference,
        rules: parseRules(RULES),
        sources: [{ kind: 'local', path: logs }],
        notifiers: [{ name: 'memory', accepts: () => true, notify: async (e) => void expected.push(e) }],
        intervalMs: 1,
        maxCycles: 1,
        late: 0,
        clock: 'data',
      });
    } finally {
      reference.close();
    }
    expect(expected.length).toBeGreaterThan(2);
    expect([...new Set(received.map((e) => e.id))].sort()).toEqual(expected.map((e) => e.id).sort());
  });
});
