import { appendFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createNotifiers, parseRules, runAlerts, watch } from '../../src/alerts/index.js';
import type { AlertEvent, Notifier, Rules, WatchOptions } from '../../src/alerts/index.js';
import { Store } from '../../src/store/index.js';
import { parseNdjson, runFlowlens } from '../helpers/cli.js';
import { SEED_ALARM_YAML, tempFolder } from './helpers.js';
import { scenarioLines } from './scenario.js';

const RULES = `${SEED_ALARM_YAML}detections:
  - type: SSHBruteForce
    window: 10m
    minAttempts: 5
  - type: Portscan
    window: 10m
`;

/** The scenario's lines in time order, as a flow log writer appends them. */
function timeOrdered(): string[] {
  return scenarioLines().sort((a, b) => Number(a.split(' ')[10]) - Number(b.split(' ')[10]));
}

/** Records events in memory: the notifier every test reads. */
function memoryNotifier(events: AlertEvent[]): Notifier {
  return { name: 'memory', accepts: () => true, notify: async (event) => void events.push(event) };
}

let folder: Awaited<ReturnType<typeof tempFolder>>;
let rules: Rules;
beforeEach(async () => {
  folder = await tempFolder();
  rules = parseRules(RULES);
});
afterEach(async () => {
  await folder.cleanup();
});

function options(store: Store, logs: string, notifiers: Notifier[], extra: Partial<WatchOptions> = {}): WatchOptions {
  return { store, rules, sources: [{ kind: 'local', path: logs }], notifiers, intervalMs: 1, maxCycles: 1, late: 0, clock: 'data', ...extra };
}

async function recordCount(store: Store): Promise<number> {
  return Number(await store.scalar('SELECT count(*) FROM flows'));
}

describe('watch on a folder', () => {
  it('takes new files and complete appended lines once, and alerts like alerts run on the same records', async () => {
    const lines = timeOrdered();
    const logs = join(folder.path, 'logs');
    await writeFile(join(folder.path, 'placeholder'), '');
    const { mkdir } = await import('node:fs/promises');
    await mkdir(logs);
    const a = join(logs, 'a.log');
    const store = await Store.memory();
    const delivered: AlertEvent[] = [];
    const notifier = memoryNotifier(delivered);
    try {
      // Cycle 1: a file with a header and the first third of the records.
      await writeFile(a, `version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n${lines.slice(0, 100).join('\n')}\n`);
      await watch(options(store, logs, [notifier]));
      expect(await recordCount(store)).toBe(100);
      // Cycle 2: more lines appended, the last one cut in the middle; a second file appears.
      const cut = lines[150] as string;
      await appendFile(a, `${lines.slice(100, 150).join('\n')}\n${cut.slice(0, 20)}`);
      await writeFile(join(logs, 'b.log'), `${lines.slice(151, 200).join('\n')}\n`);
      await watch(options(store, logs, [notifier]));
      expect(await recordCount(store)).toBe(199);
      // Cycle 3: the cut line is completed and the rest arrives.
      await appendFile(a, `${cut.slice(20)}\n`);
      await appendFile(join(logs, 'b.log'), `${lines.slice(200).join('\n')}\n`);
      await watch(options(store, logs, [notifier]));
      expect(await recordCount(store)).toBe(lines.length);
      // A cycle with nothing new adds nothing and alerts nothing.
      const before = delivered.length;
      await watch(options(store, logs, [notifier]));
      expect(await recordCount(store)).toBe(lines.length);
      expect(delivered).toHaveLength(before);

      expect(new Set(delivered.map((e) => e.id)).size).toBe(delivered.length);
      const report = await runAlerts(store, rules, { where: 'TRUE' });
      const newest = Number(await store.scalar('SELECT max("start") FROM flows'));
      const closed = [...report.alarms, ...report.findings].filter((e) => (e.kind === 'alarm' ? e.timestamp + 60 : e.windowStart + 600) <= newest);
      expect(delivered.map((e) => e.id).sort()).toEqual(closed.map((e) => e.id).sort());
      expect(delivered.filter((e) => e.kind === 'finding').map((e) => e.type)).toEqual(['UnauthorizedAccess:EC2/SSHBruteForce', 'Recon:EC2/Portscan']);
      expect(delivered.some((e) => e.kind === 'alarm' && e.alarmName === 'SSH-rejects' && e.state === 'ALARM')).toBe(true);
    } finally {
      store.close();
    }
  });

  it('resumes after a restart without losing records or repeating alerts', async () => {
    const lines = timeOrdered();
    const logs = join(folder.path, 'logs.log');
    const db = join(folder.path, 'watch.duckdb');
    const delivered: AlertEvent[] = [];
    const notifier = memoryNotifier(delivered);
    for (const [from, to] of [[0, 80], [80, 160], [160, lines.length]] as const) {
      await appendFile(logs, `${lines.slice(from, to).join('\n')}\n`);
      const store = await Store.open(db);
      try {
        await watch(options(store, logs, [notifier]));
      } finally {
        store.close(); // the process "dies" here; the next iteration is a new one
      }
    }
    const uninterrupted: AlertEvent[] = [];
    const store = await Store.memory();
    try {
      await watch(options(store, logs, [memoryNotifier(uninterrupted)]));
      const reopened = await Store.open(db, { readOnly: true });
      expect(await recordCount(reopened)).toBe(lines.length);
      reopened.close();
    } finally {
      store.close();
    }
    expect(new Set(delivered.map((e) => e.id)).size).toBe(delivered.length);
    expect(delivered.map((e) => e.id).sort()).toEqual(uninterrupted.map((e) => e.id).sort());
  });

  it('takes a gzip file whole, once, also after a restart', async () => {
    const logs = join(folder.path, 'gz');
    const { mkdir } = await import('node:fs/promises');
    await mkdir(logs);
    const db = join(folder.path, 'gz.duckdb');
    await writeFile(join(logs, 'a.log.gz'), gzipSync(`${timeOrdered().slice(0, 50).join('\n')}\n`));
    for (let run = 0; run < 2; run++) {
      const store = await Store.open(db);
      try {
        await watch(options(store, logs, [], { maxCycles: 2 }));
        expect(await recordCount(store)).toBe(50);
        expect(Number(await store.scalar('SELECT count(*) FROM ingest_units'))).toBe(1);
      } finally {
        store.close();
      }
    }
  });

  it('starts a rule added between runs from where the last run stopped, not from the first record', async () => {
    const logs = join(folder.path, 'added.log');
    const t = 1714557600;
    const reject = (minute: number) => `2 123456789012 eni-0a 203.0.113.1 10.0.0.1 40000 22 6 1 40 ${t + minute * 60} ${t + minute * 60 + 5} REJECT OK`;
    await writeFile(logs, `${[0, 10, 20].map(reject).join('\n')}\n`);
    const store = await Store.memory();
    const delivered: AlertEvent[] = [];
    try {
      await watch({ ...options(store, logs, [memoryNotifier(delivered)]), rules: parseRules('detections: []') });
      await appendFile(logs, `${[30, 40].map(reject).join('\n')}\n`);
      await watch({ ...options(store, logs, [memoryNotifier(delivered)]), rules: parseRules(SEED_ALARM_YAML) });
      // Closed through minute 20 before; the new alarm starts with minute 20's period.
      expect(delivered.map((e) => e.kind === 'alarm' && [(e.timestamp - t) / 60, e.state])).toEqual([
        [20, 'ALARM'],
        [23, 'OK'],
        [30, 'ALARM'],
        [33, 'OK'],
      ]);
    } finally {
      store.close();
    }
  });

  it('keeps a period open for late records until the newest record is `late` seconds past its end', async () => {
    const logs = join(folder.path, 'late.log');
    const t = 1714557600;
    const line = (start: number, dstport = 22) => `2 123456789012 eni-0a 203.0.113.1 10.0.0.1 40000 ${dstport} 6 1 40 ${start} ${start + 5} REJECT OK`;
    await writeFile(logs, `${line(t + 10)}\n${line(t + 100, 80)}\n`);
    const store = await Store.memory();
    const delivered: AlertEvent[] = [];
    try {
      await watch(options(store, logs, [memoryNotifier(delivered)], { late: 60 }));
      expect(delivered).toEqual([]); // newest start t+100 - 60 < t+60: minute t is still open
      await appendFile(logs, `${line(t + 30)}\n${line(t + 130, 80)}\n`); // a late record for minute t
      await watch(options(store, logs, [memoryNotifier(delivered)], { late: 60 }));
      expect(delivered).toMatchObject([{ kind: 'alarm', timestamp: t, state: 'ALARM', datapoints: [{ value: 2 }] }]);
    } finally {
      store.close();
    }
  });

  it('notifies a finding when it starts, not again while it goes on in the next windows', async () => {
    const logs = join(folder.path, 'ongoing.log');
    const t = 1714557600;
    const attempts = (from: number, count: number) =>
      Array.from({ length: count }, (_, i) => `2 123456789012 eni-0a 203.0.113.1 10.0.0.1 ${40000 + from + i} 22 6 1 40 ${t + from + i * 20} ${t + from + i * 20 + 5} REJECT OK`).join('\n');
    const only = parseRules('detections:\n  - type: SSHBruteForce\n    window: 5m\n    minAttempts: 5');
    const store = await Store.memory();
    const delivered: AlertEvent[] = [];
    const cycle = () => watch({ ...options(store, logs, [memoryNotifier(delivered)]), rules: only });
    try {
      await writeFile(logs, `${attempts(0, 20)}\n`); // windows t and t+300 (open)
      await cycle();
      await appendFile(logs, `${attempts(400, 20)}\n`); // closes t+300, t+600 open
      await cycle();
      expect(delivered.map((e) => e.kind === 'finding' && e.windowStart - t)).toEqual([0]);
      await appendFile(logs, `${attempts(1500, 20)}\n`); // t+900 and t+1200 quiet, a new attack at t+1500
      await cycle();
      await appendFile(logs, `2 123456789012 eni-0a 198.51.100.1 10.0.0.1 40000 443 6 1 40 ${t + 2400} ${t + 2405} ACCEPT OK\n`);
      await cycle();
      expect(delivered.map((e) => e.kind === 'finding' && e.windowStart - t)).toEqual([0, 1500]);
      const merged = await runAlerts(store, only, { where: 'TRUE' });
      expect(merged.findings.map((f) => f.id)).toEqual(delivered.map((e) => e.id));
    } finally {
      store.close();
    }
  });

  it('stops when its AbortSignal aborts', async () => {
    const logs = join(folder.path, 'abort.log');
    await writeFile(logs, `${timeOrdered().slice(0, 10).join('\n')}\n`);
    const store = await Store.memory();
    const controller = new AbortController();
    try {
      const summary = await watch(
        options(store, logs, [], { maxCycles: undefined, intervalMs: 5, signal: controller.signal, onCycle: (cycle) => cycle.cycle === 2 && controller.abort() }),
      );
      expect(summary.cycles).toBe(2);
      expect(summary.records).toBe(10);
    } finally {
      store.close();
    }
  });
});

describe('watch delivery', () => {
  it('keeps events for a failing webhook and delivers them, once, when it recovers', async () => {
    let up = false;
    const received: unknown[] = [];
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (!up) return void res.writeHead(500).end();
        received.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const logs = join(folder.path, 'hook.log');
    await writeFile(logs, `${timeOrdered().join('\n')}\n`);
    const hook = parseRules(`notify:\n  - type: webhook\n    url: ${url}\n    retries: 1\n    retryDelay: 0.01`).notify;
    const notifiers = createNotifiers(hook, { stdout: new PassThrough(), stderr: new PassThrough() });
    const store = await Store.memory();
    const errors: unknown[] = [];
    try {
      const first = await watch(options(store, logs, notifiers, { onError: (e) => errors.push(e) }));
      expect(first.events).toBeGreaterThan(0);
      expect(first.delivered).toBe(0);
      expect(errors[0]).toMatchObject({ code: 'notify-failed' });
      up = true;
      const second = await watch(options(store, logs, notifiers));
      expect(second.events).toBe(0);
      expect(second.delivered).toBe(first.events);
      expect(received).toHaveLength(first.events);
      const third = await watch(options(store, logs, notifiers));
      expect(third.delivered).toBe(0);
    } finally {
      store.close();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('flowlens watch', () => {
  it('prints events as JSON lines and stops after --max-cycles', async () => {
    const logs = join(folder.path, 'cli.log');
    const rulesFile = join(folder.path, 'rules.yaml');
    await writeFile(logs, `${timeOrdered().join('\n')}\n`);
    await writeFile(rulesFile, RULES);
    const run = await runFlowlens(['watch', '--rules', rulesFile, logs, '--db', ':memory:', '--max-cycles', '2', '--interval', '10ms', '--late', '0', '-f', 'json']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const events = parseNdjson(run.stdout);
    expect(events.filter((e) => e.kind === 'finding').map((e) => e.detection)).toEqual(['SSHBruteForce', 'Portscan']);
    expect(events.find((e) => e.kind === 'alarm')).toMatchObject({ alarmName: 'SSH-rejects', state: 'ALARM', timestamp: expect.stringMatching(/^2024-05-01T10:\d\d:00Z$/) });
  });

  it('refuses standard input', async () => {
    const run = await runFlowlens(['watch', '--rules', 'x.yaml', '-']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('watch cannot follow standard input');
  });
});
