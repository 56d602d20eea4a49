import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createNotifier, MAX_SNS_SUBJECT, parseRules, renderAlertLine, renderSnsSubject, toJsonEvent } from '../../src/alerts/index.js';
import type { AlarmEvent, AlertEvent, FindingEvent, Notifier, NotifierIo } from '../../src/alerts/index.js';
import { useTestAwsEnv } from '../sources/helpers/s3-server.js';
import { tempFolder } from './helpers.js';
import { startFakeSns } from './sns-server.js';
import type { FakeSns } from './sns-server.js';

const ALARM: AlarmEvent = {
  kind: 'alarm',
  id: 'a1b2c3d4e5f60718',
  alarmName: 'SSH-rejects',
  metricName: 'SSH Rejects',
  namespace: 'VPC Flow Logs',
  dimensions: {},
  timestamp: 1563108180,
  previousState: 'INSUFFICIENT_DATA',
  state: 'ALARM',
  reason: 'Threshold Crossed: 1 out of the last 1 datapoints [1 (2019-07-14T12:43:00Z)] was greater than or equal to the threshold (1) (minimum 1 datapoint for INSUFFICIENT_DATA -> ALARM transition).',
  datapoints: [{ timestamp: 1563108180, value: 1, breaching: true, filled: false }],
};

const FINDING: FindingEvent = {
  kind: 'finding',
  id: '0f1e2d3c4b5a6978',
  detection: 'SSHBruteForce',
  type: 'UnauthorizedAccess:EC2/SSHBruteForce',
  severity: 2,
  severityLabel: 'Low',
  windowStart: 1714557600,
  firstSeen: 1714557600,
  lastSeen: 1714558210,
  actor: { address: '203.0.113.50' },
  target: { address: '10.0.1.10', ports: [22] },
  resource: { interfaceIds: ['eni-0web'], instanceIds: [] },
  direction: 'inbound',
  counts: { flows: 30, rejected: 30 },
  description: '203.0.113.50 made 30 SSH connection attempts to 10.0.1.10:22 within 1h (30 rejected, 0 accepted)',
};

/** A loopback receiver that answers the first `failures` requests with 503. */
class Receiver {
  bodies: unknown[] = [];
  requests = 0;
  failures = 0;
  private server: Server = createServer((req, res) => this.handle(req, res));

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/alerts`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      this.requests++;
      if (this.requests <= this.failures) {
        res.writeHead(503).end();
        return;
      }
      this.bodies.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      res.writeHead(204).end();
    });
  }
}

function notifierFrom(yaml: string, io: NotifierIo = { stdout: new PassThrough(), stderr: new PassThrough() }): Notifier {
  const config = parseRules(`notify:\n  - ${yaml}`).notify[0];
  if (!config) throw new Error('no notifier');
  return createNotifier(config, io);
}

function captured(stream: PassThrough): () => string {
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  return () => Buffer.concat(chunks).toString('utf8');
}

interface Harness {
  notifier: Notifier;
  received(): Promise<unknown[]>;
}

const TOPIC = 'arn:aws:sns:us-east-1:123456789012:flowlens-alerts';
const FIFO_TOPIC = 'arn:aws:sns:eu-west-1:123456789012:flowlens-alerts.fifo';

const receiver = new Receiver();
let url = '';
let folder: Awaited<ReturnType<typeof tempFolder>>;
let sns: FakeSns;
let restoreEnv: () => void;
beforeAll(async () => {
  url = await receiver.start();
  folder = await tempFolder();
  sns = await startFakeSns({ topics: [TOPIC, FIFO_TOPIC] });
  restoreEnv = useTestAwsEnv();
});
afterAll(async () => {
  await receiver.stop();
  await sns.stop();
  await folder.cleanup();
  restoreEnv();
});
afterEach(() => {
  receiver.bodies = [];
  receiver.requests = 0;
  receiver.failures = 0;
  sns.published.length = 0;
  sns.requests.length = 0;
  sns.options.failures = 0;
  sns.options.deny = false;
});

/** An SNS notifier on the fake SNS, given through the notifier's endpointUrl or the command line's --endpoint-url. */
function snsNotifier(extra = '', via: 'rules' | 'cli' = 'rules'): Notifier {
  const endpoint = via === 'rules' ? `\n    endpointUrl: ${sns.endpoint}` : '';
  const aws = via === 'cli' ? { endpointUrl: sns.endpoint } : undefined;
  return notifierFrom(`type: sns\n    topicArn: ${TOPIC}\n    retryDelay: 0.01${endpoint}${extra}`, { stdout: new PassThrough(), stderr: new PassThrough(), aws });
}

const jsonLines = (text: string): unknown[] => text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as unknown);

const HARNESSES: [string, () => Harness][] = [
  [
    'stdout',
    () => {
      const stdout = new PassThrough();
      const text = captured(stdout);
      return { notifier: notifierFrom('type: stdout\n    format: json', { stdout, stderr: new PassThrough() }), received: async () => jsonLines(text()) };
    },
  ],
  [
    'stderr',
    () => {
      const stderr = new PassThrough();
      const text = captured(stderr);
      return { notifier: notifierFrom('type: stderr\n    format: json', { stdout: new PassThrough(), stderr }), received: async () => jsonLines(text()) };
    },
  ],
  [
    'file',
    () => {
      const path = join(folder.path, `events-${Math.random().toString(36).slice(2)}.jsonl`);
      return { notifier: notifierFrom(`type: file\n    path: ${JSON.stringify(path)}`), received: async () => jsonLines(await readFile(path, 'utf8').catch(() => '')) };
    },
  ],
  [
    'command',
    () => {
      const path = join(folder.path, `command-${Math.random().toString(36).slice(2)}.jsonl`);
      const script = 'const fs=require("fs");fs.appendFileSync(process.argv[1], fs.readFileSync(0, "utf8")+"\\n")';
      const command = JSON.stringify([process.execPath, '-e', script, path]);
      return { notifier: notifierFrom(`type: command\n    command: ${command}`), received: async () => jsonLines(await readFile(path, 'utf8').catch(() => '')) };
    },
  ],
  ['webhook', () => ({ notifier: notifierFrom(`type: webhook\n    url: ${url}\n    retryDelay: 0.01`), received: async () => receiver.bodies })],
  ['sns', () => ({ notifier: snsNotifier(), received: async () => sns.published.map((m) => m.message) })],
];

describe.each(HARNESSES)('Notifier contract: %s', (_kind, make) => {
  it('delivers each event as the same JSON object, in order', async () => {
    const { notifier, received } = make();
    await notifier.notify(ALARM);
    await notifier.notify(FINDING);
    expect(await received()).toEqual([toJsonEvent(ALARM), toJsonEvent(FINDING)]);
    expect(await received()).toMatchObject([{ kind: 'alarm', timestamp: '2019-07-14T12:43:00Z' }, { kind: 'finding', timestamp: '2024-05-01T10:00:00Z' }]);
  });

  it('accepts every event when it has no filters', () => {
    const { notifier } = make();
    expect([notifier.accepts(ALARM), notifier.accepts(FINDING)]).toEqual([true, true]);
  });
});

describe('notifier filters', () => {
  it.each([
    ['events: [finding]', ALARM, false],
    ['events: [finding]', FINDING, true],
    ['states: [OK]', ALARM, false],
    ['states: [ALARM]', ALARM, true],
    ['alarms: [other]', ALARM, false],
    ['minSeverity: 5', FINDING, false],
    ['minSeverity: 2', FINDING, true],
  ] as [string, AlertEvent, boolean][])('%s accepts %s: %s', (filter, event, expected) => {
    expect(notifierFrom(`type: stdout\n    ${filter}`).accepts(event)).toBe(expected);
  });
});

describe('webhook notifier', () => {
  it('retries a failing receiver and delivers once it answers', async () => {
    receiver.failures = 2;
    await notifierFrom(`type: webhook\n    url: ${url}\n    retries: 3\n    retryDelay: 0.01`).notify(ALARM);
    expect(receiver.requests).toBe(3);
    expect(receiver.bodies).toEqual([toJsonEvent(ALARM)]);
  });

  it('fails with notify-failed when retries run out', async () => {
    receiver.failures = 5;
    await expect(notifierFrom(`type: webhook\n    url: ${url}\n    retries: 1\n    retryDelay: 0.01`).notify(ALARM)).rejects.toMatchObject({ code: 'notify-failed' });
    expect(receiver.requests).toBe(2);
  });
});

describe('sns notifier', () => {
  it('publishes to the topic with a subject per event and filterable attributes, retrying a failed call', async () => {
    sns.options.failures = 1;
    const notifier = snsNotifier('', 'cli');
    await notifier.notify(ALARM);
    await notifier.notify(FINDING);
    notifier.close?.();
    expect(sns.requests).toHaveLength(3);
    expect(sns.published).toEqual([
      { topicArn: TOPIC, subject: renderSnsSubject(ALARM), message: toJsonEvent(ALARM), groupId: null, deduplicationId: null, attributes: { kind: 'alarm', alarmName: 'SSH-rejects', state: 'ALARM' } },
      { topicArn: TOPIC, subject: renderSnsSubject(FINDING), message: toJsonEvent(FINDING), groupId: null, deduplicationId: null, attributes: { kind: 'finding', detection: 'SSHBruteForce', severity: '2' } },
    ]);
    expect(sns.published[0]?.subject).toBe('ALARM: "SSH-rejects" (INSUFFICIENT_DATA -> ALARM)');
  });

  it('sets the deduplication id from the event id and a group per alarm or detection on FIFO topics', async () => {
    const notifier = notifierFrom(`type: sns\n    topicArn: ${FIFO_TOPIC}\n    endpointUrl: ${sns.endpoint}\n    subject: VPC alert`);
    await notifier.notify(ALARM);
    await notifier.notify(FINDING);
    expect(sns.published.map((m) => [m.topicArn, m.subject, m.deduplicationId, m.groupId])).toEqual([
      [FIFO_TOPIC, 'VPC alert', ALARM.id, 'alarm:SSH-rejects'],
      [FIFO_TOPIC, 'VPC alert', FINDING.id, 'finding:SSHBruteForce'],
    ]);
  });

  it('keeps a generated subject on one line and under 100 characters', async () => {
    const long: AlarmEvent = { ...ALARM, alarmName: `rejects\nfrom ${'x'.repeat(200)}` };
    await snsNotifier().notify(long);
    const subject = sns.published[0]?.subject ?? '';
    expect([...subject].length).toBe(MAX_SNS_SUBJECT);
    expect(subject).not.toMatch(/[\r\n]/);
    expect(subject.startsWith('ALARM: "rejects from xxx')).toBe(true);
  });

  it('fails with notify-failed naming sns:Publish, without retrying, when access is denied', async () => {
    sns.options.deny = true;
    await expect(snsNotifier('\n    retries: 3').notify(ALARM)).rejects.toMatchObject({
      code: 'notify-failed',
      message: expect.stringMatching(/AuthorizationError(Exception)? \(HTTP 403\): .*not authorized/),
      hint: expect.stringContaining('sns:Publish'),
    });
    expect(sns.requests).toHaveLength(1);
  });

  it('fails with notify-failed when retries run out', async () => {
    sns.options.failures = 5;
    await expect(snsNotifier('\n    retries: 1').notify(ALARM)).rejects.toMatchObject({ code: 'notify-failed', message: expect.stringContaining('InternalError') });
    expect(sns.requests).toHaveLength(2);
  });

  it.each([
    ['topicArn: arn:aws:sqs:us-east-1:123456789012:q', 'is not an SNS topic ARN', 3],
    [`topicArn: ${TOPIC}\n    subject: "${'s'.repeat(100)}"`, 'is not a valid SNS subject', 4],
    [`topicArn: ${TOPIC}\n    region: Frankfurt`, 'not an AWS region name', 4],
  ])('rejects %j in the rules file with its line', (yaml, message, line) => {
    expect(() => parseRules(`notify:\n  - type: sns\n    ${yaml}\n`, 'rules.yaml')).toThrow(
      expect.objectContaining({ code: 'rules-invalid', issues: [expect.objectContaining({ line, message: expect.stringContaining(message) })] }),
    );
  });
});

describe('command notifier', () => {
  it('fails with notify-failed when the command exits non-zero', async () => {
    const command = JSON.stringify([process.execPath, '-e', 'process.stderr.write("nope"); process.exit(3)']);
    await expect(notifierFrom(`type: command\n    command: ${command}`).notify(ALARM)).rejects.toMatchObject({ code: 'notify-failed', message: expect.stringContaining('code 3: nope') });
  });
});

describe('renderAlertLine', () => {
  it('renders a transition and a finding on one line each', () => {
    expect(renderAlertLine(ALARM)).toBe(`2019-07-14T12:43:00Z  ALARM SSH-rejects: INSUFFICIENT_DATA -> ALARM  ${ALARM.reason}`);
    expect(renderAlertLine(FINDING)).toBe(`2024-05-01T10:00:00Z  FINDING UnauthorizedAccess:EC2/SSHBruteForce (Low 2) SSHBruteForce: ${FINDING.description}`);
  });
});
