import { request as httpRequest } from 'node:http';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, startServer } from '../../src/server/index.js';
import type { RunningServer } from '../../src/server/index.js';
import { SqlSandbox } from '../../src/engines/duckdb/index.js';
import { Store } from '../../src/store/index.js';
import { ACCEPTED, CANARY, hostileProbes, makeProbeFolder } from './probes.js';
import type { ProbeFolder } from './probes.js';

const SLOW_SQL = 'SELECT sum(a.range*b.range) FROM range(100000) a, range(1000000) b';

let folder: ProbeFolder;
let before: Record<string, string>;
let store: Store;
let sandbox: SqlSandbox;
let server: RunningServer;
beforeAll(async () => {
  folder = await makeProbeFolder();
  before = folder.snapshot();
  // As `flowlens serve` does: the database read-only, user SQL in a sandbox with two connections, a time limit.
  store = await Store.open(folder.db, { readOnly: true });
  sandbox = await SqlSandbox.open(store, { connections: 2 });
  server = await startServer(createApp({ store, sandbox, queryTimeoutMs: 60_000 }), { port: 0 });
});
afterAll(async () => {
  await server.close();
  await sandbox.close();
  store.close();
  rmSync(folder.path, { recursive: true, force: true });
});

interface Answer {
  status: number;
  body: string;
}

/** One request over the loopback socket with exactly these headers (Host included), and an optional body. */
function send(method: string, path: string, headers: Record<string, string>, body?: string | Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port: server.port, method, path, headers: { host: `127.0.0.1:${server.port}`, ...headers }, setHost: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const json = { 'content-type': 'application/json' };
const sql = (text: string): string => JSON.stringify({ language: 'sql', text });

describe('POST /api/query over loopback: hostile SQL', () => {
  it('refuses every probe with a 4xx, the folder unchanged and the canary unread', async () => {
    for (const [group, text] of hostileProbes(folder.path, folder.canary)) {
      const answer = await send('POST', '/api/query', json, sql(text));
      expect(answer.status, `${group}: ${text}: ${answer.body}`).toBeGreaterThanOrEqual(400);
      expect(answer.status, text).toBeLessThan(500);
      expect(answer.body).not.toContain(CANARY);
      expect(answer.body).not.toContain('root:x:0');
    }
    expect(folder.snapshot()).toEqual(before);
  });

  it('answers the literal-text cases with their text', async () => {
    for (const [text, expected] of ACCEPTED) {
      const answer = await send('POST', '/api/query', json, sql(text));
      expect(answer.status, answer.body).toBe(200);
      expect((JSON.parse(answer.body) as { rows: unknown[][] }).rows).toEqual([[expected]]);
    }
  });
});

describe('who may talk to the server', () => {
  it.each([
    ['evil.example:{port}', 403],
    ['127.0.0.1.evil.example:{port}', 403],
    ['127.0.0.1', 403],
    ['127.0.0.1:1', 403],
    ['127.0.0.1:{port}', 200],
    ['localhost:{port}', 200],
    ['LOCALHOST:{port}', 200],
    ['[::1]:{port}', 200],
  ])('answers Host %s with %i (DNS rebinding is refused, reads included)', async (host, status) => {
    const headers = { host: host.replace('{port}', String(server.port)) };
    const graph = await send('GET', '/api/graph', headers);
    expect(graph.status, graph.body).toBe(status);
    if (status === 403) expect(JSON.parse(graph.body)).toMatchObject({ code: 'host-not-allowed' });
    expect((await send('POST', '/api/query', { ...headers, ...json }, sql('SELECT 1'))).status).toBe(status);
  });

  it.each([
    [{ origin: 'http://evil.example' }, 403],
    [{ origin: 'null' }, 403],
    [{ origin: 'http://localhost:1' }, 403],
    [{ 'sec-fetch-site': 'cross-site' }, 403],
    [{ origin: 'http://evil.example', 'sec-fetch-site': 'same-origin' }, 403],
    [{ origin: 'https://evil.example' }, 403],
    [{ origin: 'http://127.0.0.1:{port}', 'sec-fetch-site': 'same-origin' }, 200],
    [{ origin: 'https://127.0.0.1:{port}' }, 200],
    [{}, 200],
  ])('answers a POST with %j with %i', async (extra, status) => {
    const headers = Object.fromEntries(Object.entries(extra).map(([k, v]) => [k, v.replace('{port}', String(server.port))]));
    const answer = await send('POST', '/api/query', { ...json, ...headers }, sql('SELECT 1'));
    expect(answer.status, answer.body).toBe(status);
    if (status === 403) expect(JSON.parse(answer.body)).toMatchObject({ code: 'cross-origin' });
  });

  it.each([['text/plain'], ['application/x-www-form-urlencoded'], ['multipart/form-data; boundary=x'], ['']])(
    'refuses a body sent as %j with 415 (what a cross-site form can send without a preflight)',
    async (type) => {
      const answer = await send('POST', '/api/query', type ? { 'content-type': type } : {}, sql('SELECT 1'));
      expect(answer.status).toBe(415);
      expect(JSON.parse(answer.body)).toMatchObject({ code: 'unsupported-media-type' });
    },
  );

  it('refuses bodies over 1 MiB with 413: announced, chunked, or claiming 200 MB', async () => {
    for (const headers of [{ 'content-length': String(2 * 1024 * 1024) }, { 'transfer-encoding': 'chunked' }, { 'content-length': String(200 * 1024 * 1024) }]) {
      const answer = await stream(headers);
      expect(answer.status, JSON.stringify(headers)).toBe(413);
      expect(JSON.parse(answer.body)).toMatchObject({ code: 'body-too-large' });
    }
  });
});

/** POSTs JSON-typed bytes in 64 KiB chunks (at most 8 MiB) until the server answers; resolves to its answer. */
function stream(headers: Record<string, string>): Promise<Answer> {
  return new Promise((resolve, reject) => {
    let written = 0;
    let answered = false;
    const req = httpRequest({ host: '127.0.0.1', port: server.port, method: 'POST', path: '/api/query', headers: { ...json, ...headers } }, (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
        req.destroy();
      });
    });
    req.on('error', (error) => (answered ? undefined : reject(error)));
    const pump = (): void => {
      while (!answered && written < 8 * 1024 * 1024) {
        written += 65536;
        if (!req.write(Buffer.alloc(65536, 32))) {
          req.once('drain', pump);
          return;
        }
      }
    };
    pump();
  });
}

describe('long queries', () => {
  it('do not hold up the graph, histogram, info and costs routes; a client that leaves interrupts its query', async () => {
    let slowSettled = false;
    const slowRequest = httpRequest({ host: '127.0.0.1', port: server.port, method: 'POST', path: '/api/query', headers: json });
    const slow = new Promise<void>((resolve) => {
      slowRequest.on('error', () => resolve());
      slowRequest.on('response', () => resolve());
    }).then(() => (slowSettled = true));
    slowRequest.end(sql(SLOW_SQL));
    for (const path of ['/api/graph', '/api/histogram', '/api/info', '/api/costs']) {
      const answer = await send('GET', path, {});
      expect(answer.status, `${path}: ${answer.body}`).toBe(200);
    }
    // The query alone runs for minutes; the server's limit here is a minute.
    expect(slowSettled).toBe(false);
    slowRequest.destroy();
    await slow;
    // Both sandbox connections are free again: two queries at once answer (one would wait for minutes otherwise).
    const both = await Promise.all([1, 2].map((v) => send('POST', '/api/query', json, sql(`SELECT ${v} AS v`))));
    expect(both.map((answer) => answer.status)).toEqual([200, 200]);
    expect(folder.snapshot()).toEqual(before);
  });

  it('past the time limit are interrupted with 504 query-timeout, and the connection serves again', async () => {
    const strict = await startServer(createApp({ store, sandbox, queryTimeoutMs: 500 }), { port: 0 });
    try {
      const response = await fetch(`${strict.url}api/query`, { method: 'POST', headers: json, body: sql(SLOW_SQL) });
      expect(response.status).toBe(504);
      expect(await response.json()).toMatchObject({ code: 'query-timeout', error: 'the query ran longer than 0.5 s and was stopped' });
      const again = await fetch(`${strict.url}api/query`, { method: 'POST', headers: json, body: sql('SELECT 42 AS v') });
      expect(((await again.json()) as { rows: unknown[][] }).rows).toEqual([[42]]);
    } finally {
      await strict.close();
    }
    expect(folder.snapshot()).toEqual(before);
  });
});
