import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNotifier, parseRules } from '../../src/alerts/index.js';
import type { AlarmEvent } from '../../src/alerts/index.js';
import { FlowlensError, formatError, redactHeaders, redactSecrets, redactUrl } from '../../src/records/index.js';
import { runFlowlens } from '../helpers/cli.js';

const SECRETS = ['hookuser', 'hookpass', 'TOKEN-SECRET-1', 'HEADER-SECRET-2', 'FRAGMENT-SECRET-3'];

const ALARM: AlarmEvent = {
  kind: 'alarm',
  id: 'a1',
  alarmName: 'SSH-rejects',
  metricName: 'SSH Rejects',
  namespace: 'VPC Flow Logs',
  dimensions: {},
  timestamp: 1563108180,
  previousState: 'OK',
  state: 'ALARM',
  reason: 'Threshold Crossed',
  datapoints: [],
};

let server: Server;
let port = 0;
const seen: IncomingHttpHeaders[] = [];
let folder: string;
beforeAll(async () => {
  folder = mkdtempSync(join(tmpdir(), 'flowlens-secrets-'));
  server = createServer((req, res) => {
    seen.push(req.headers);
    req.resume();
    req.on('end', () => res.writeHead(500).end('TOKEN-SECRET-1 echoed back'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(folder, { recursive: true, force: true });
});

const hookUrl = (): string => `http://hookuser:hookpass@127.0.0.1:${port}/hook?token=TOKEN-SECRET-1&channel=ops#FRAGMENT-SECRET-3`;
const webhookYaml = (): string => `notify:
  - name: ops
    type: webhook
    url: ${JSON.stringify(hookUrl())}
    headers: { X-Api-Key: HEADER-SECRET-2 }
    retries: 0
`;

function expectNoSecret(text: string): void {
  for (const secret of SECRETS) expect(text).not.toContain(secret);
}

describe('secrets in webhook URLs and headers', () => {
  it('redacts URL credentials, query-string values and fragments, and header values', () => {
    expect(redactUrl(hookUrl())).toBe(`http://***:***@127.0.0.1:${port}/hook?token=***&channel=***#***`);
    expect(redactUrl('https://hooks.example.com/services/x')).toBe('https://hooks.example.com/services/x');
    expect(redactSecrets(`POST ${hookUrl()} failed.`)).toBe(`POST http://***:***@127.0.0.1:${port}/hook?token=***&channel=***#*** failed.`);
    expect(redactHeaders({ Authorization: 'Bearer HEADER-SECRET-2' })).toEqual({ Authorization: '***' });
    expectNoSecret(formatError(new FlowlensError('x', `cannot reach ${hookUrl()}`, { hint: `check ${hookUrl()}` })));
    expectNoSecret(formatError(new Error(`fetch ${hookUrl()}`)));
  });

  it("sends the URL's credentials as Basic auth and names the webhook redacted when it fails", async () => {
    const config = parseRules(webhookYaml()).notify[0];
    if (!config) throw new Error('no notifier');
    const notifier = createNotifier(config, { stdout: new PassThrough(), stderr: new PassThrough() });
    const error = (await notifier.notify(ALARM).catch((e: unknown) => e)) as FlowlensError;
    expect(error.code).toBe('notify-failed');
    expect(error.message).toContain(`POST http://***:***@127.0.0.1:${port}/hook?token=***&channel=***#*** failed: HTTP 500`);
    expectNoSecret(formatError(error));
    const headers = seen.at(-1) ?? {};
    expect(headers.authorization).toBe(`Basic ${Buffer.from('hookuser:hookpass').toString('base64')}`);
    expect(headers['x-api-key']).toBe('HEADER-SECRET-2');
  });

  it('alerts check shows the webhook redacted and header names only', async () => {
    const rules = join(folder, 'rules.yaml');
    writeFileSync(rules, webhookYaml());
    const run = await runFlowlens(['alerts', 'check', '--rules', rules]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`notify ops: webhook http://***:***@127.0.0.1:${port}/hook?token=***&channel=***#*** (headers X-Api-Key: ***)`);
    expectNoSecret(run.stdout + run.stderr);
  });

  it.each([
    ['a header value of the wrong type', 'notify:\n  - type: webhook\n    url: https://h.example/x\n    headers: { Authorization: 12345 }\n', '12345'],
    ['a URL of the wrong scheme', 'notify:\n  - type: webhook\n    url: "ftp://hookuser:hookpass@h.example/x?token=TOKEN-SECRET-1"\n', 'hookpass'],
  ])('alerts check does not print %s', async (_what, yaml, secret) => {
    const rules = join(folder, 'bad.yaml');
    writeFileSync(rules, yaml);
    const run = await runFlowlens(['alerts', 'check', '--rules', rules]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/notify\[0\]\.(headers|url)/);
    expect(run.stderr).not.toContain(secret);
    expectNoSecret(run.stderr);
  });
});
