import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseNdjson, runFlowlens } from '../helpers/cli.js';
import { useTestAwsEnv } from '../sources/helpers/s3-server.js';
import { SEED_ALARM_YAML, SEED_LINES, tempFolder } from './helpers.js';
import { startFakeSns } from './sns-server.js';
import type { FakeSns } from './sns-server.js';

const TOPIC = 'arn:aws:sns:us-east-1:123456789012:vpc-alerts';
const FIFO_TOPIC = 'arn:aws:sns:us-east-1:123456789012:vpc-alarms.fifo';
// Every event to the standard topic with a generated subject; ALARM transitions only to the FIFO topic, with a fixed subject.
const RULES = `${SEED_ALARM_YAML}
notify:
  - type: sns
    topicArn: ${TOPIC}
    retryDelay: 0.01
  - type: sns
    name: pager
    topicArn: ${FIFO_TOPIC}
    subject: VPC flow logs alarm
    states: [ALARM]
`;

let folder: Awaited<ReturnType<typeof tempFolder>>;
let sns: FakeSns;
let restoreEnv: () => void;
let rules = '';
let seed = '';

beforeAll(async () => {
  restoreEnv = useTestAwsEnv();
  folder = await tempFolder();
  rules = join(folder.path, 'rules.yaml');
  seed = join(folder.path, 'seed.log');
  await writeFile(rules, RULES);
  await writeFile(seed, `${SEED_LINES.join('\n')}\n`);
});
afterAll(async () => {
  restoreEnv?.();
  await folder?.cleanup();
});
afterEach(async () => {
  await sns?.stop();
});

/** The messages one topic received. */
const to = (topic: string) => sns.published.filter((m) => m.topicArn === topic);

describe('sns notifiers from the command line', () => {
  it('alerts run --notify publishes exactly one message per event, with the topic, subject and dedup id', async () => {
    sns = await startFakeSns({ topics: [TOPIC, FIFO_TOPIC], failures: 1 });
    const run = await runFlowlens(['alerts', 'run', seed, '--rules', rules, '--notify', '--endpoint-url', sns.endpoint, '--format', 'ndjson']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const events = parseNdjson(run.stdout);
    expect(events.length).toBeGreaterThan(1);
    expect(to(TOPIC).map((m) => m.message)).toEqual(events);
    expect(to(TOPIC).map((m) => m.subject)).toEqual(events.map((e) => `${String(e.state)}: "${String(e.alarmName)}" (${String(e.previousState)} -> ${String(e.state)})`));
    const alarms = events.filter((e) => e.state === 'ALARM');
    expect(alarms.length).toBeGreaterThan(0);
    expect(to(FIFO_TOPIC).map((m) => [m.subject, m.deduplicationId, m.groupId, m.message])).toEqual(
      alarms.map((e) => ['VPC flow logs alarm', e.id, 'alarm:SSH-rejects', e]),
    );
    // The one failed call (InternalError) was retried: one request more than messages.
    expect(sns.requests).toHaveLength(sns.published.length + 1);
  });

  it('watch publishes each event once, and not again after a restart', async () => {
    sns = await startFakeSns({ topics: [TOPIC, FIFO_TOPIC] });
    const db = join(folder.path, 'watch.duckdb');
    const argv = ['watch', '--rules', rules, seed, '--db', db, '--once', '--late', '0', '--endpoint-url', sns.endpoint, '-v'];
    const first = await runFlowlens(argv);
    expect(first.code).toBe(0);
    const backtest = parseNdjson((await runFlowlens(['alerts', 'run', seed, '--rules', rules, '--format', 'ndjson'])).stdout);
    const ids = to(TOPIC).map((m) => (m.message as { id: string }).id);
    expect(ids.length).toBeGreaterThan(0);
    expect(new Set(ids).size).toBe(ids.length);
    // Watch stops at periods the data has closed; what it sent matches the backtest's events with the same ids.
    expect(to(TOPIC).map((m) => m.message)).toEqual(backtest.filter((e) => ids.includes(String(e.id))));
    expect(first.stderr).toContain(`${sns.published.length} delivered`);
    const again = await runFlowlens(argv);
    expect(again.code).toBe(0);
    expect(to(TOPIC).map((m) => (m.message as { id: string }).id)).toEqual(ids);
  });

  it('alerts check lists the topics', async () => {
    const run = await runFlowlens(['alerts', 'check', '--rules', rules]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`notify sns-1: sns ${TOPIC}\n  notify pager: sns ${FIFO_TOPIC}\n`);
  });

  it('warns and exits 1 when the topic does not exist', async () => {
    sns = await startFakeSns({ topics: [] });
    const run = await runFlowlens(['alerts', 'run', seed, '--rules', rules, '--notify', '--endpoint-url', sns.endpoint]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^warning: notifier sns-1: Publish to arn:aws:sns:us-east-1:123456789012:vpc-alerts failed: NotFound/m);
  });
});
