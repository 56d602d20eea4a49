import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPseudonymizer } from '../../src/graph/index.js';
import { addressToBigInt } from '../../src/records/index.js';
import { fileURLToPath } from 'node:url';
import { ENRICHMENT_REPORTS, LOG_REPORTS, REPORTS } from '../../src/reports/index.js';
import { resolveSource } from '../../src/sources/index.js';
import { ingestSources, Store as StoreClass } from '../../src/store/index.js';
import { createApp, MAX_QUERY_ROWS } from '../../src/server/index.js';
import type { ErrorResponse, QueryRequest, QueryResponse, ReportsResponse } from '../../src/server/index.js';
import type { Store } from '../../src/store/index.js';
import { fixtureRecords, fixtureStore } from '../graph/fixture.js';

let store: Store;
let app: ReturnType<typeof createApp>;

beforeAll(async () => {
  store = await fixtureStore();
  app = createApp({ store, pseudonymizer: createPseudonymizer('k') });
});
afterAll(() => store.close());

async function post(body: unknown, target = app): Promise<Response> {
  return target.request('/api/query', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
}

async function query(request: QueryRequest): Promise<QueryResponse> {
  const response = await post(request);
  expect(response.status, JSON.stringify(request)).toBe(200);
  return (await response.json()) as QueryResponse;
}

async function failure(body: unknown, status: number, target = app): Promise<ErrorResponse> {
  const response = await post(body, target);
  expect(response.status, JSON.stringify(body)).toBe(status);
  return (await response.json()) as ErrorResponse;
}

/** Counts of `key` over records, sorted by count desc then key: the reference for group-by queries. */
function countBy<T>(items: T[], key: (item: T) => string): [string, number][] {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
}

describe('GET /api/reports', () => {
  it('lists every report the CLI offers, S3 access and CloudTrail ones too, with a description and the chart it suits', async () => {
    const response = await app.request('/api/reports');
    expect(response.status).toBe(200);
    const { reports } = (await response.json()) as ReportsResponse;
    expect(reports.map((r) => r.name)).toEqual([...REPORTS, ...ENRICHMENT_REPORTS, ...LOG_REPORTS].map((r) => r.name));
    expect(reports.find((r) => r.name === 's3-top-downloaders')).toMatchObject({ logType: 's3-access', chart: 'table' });
    expect(reports.find((r) => r.name === 'cloudtrail-s3-by-identity')?.logType).toBe('cloudtrail');
    expect(reports.find((r) => r.name === 'top-talkers')).toMatchObject({ chart: 'bar', defaultLimit: 50 });
    expect(reports.find((r) => r.name === 'ssh-rejects')?.chart).toBe('time');
    expect(reports.find((r) => r.name === 'subnet-top-bytes')?.params).toEqual([expect.objectContaining({ name: 'cidr', default: null })]);
    for (const r of reports) expect(r.description.length).toBeGreaterThan(10);
  });
});

describe('POST /api/query', () => {
  it('runs read-only SQL and returns typed columns and rows as arrays', async () => {
    const result = await query({ language: 'sql', text: 'SELECT srcaddr, count(*) AS n FROM flows WHERE srcaddr IS NOT NULL GROUP BY srcaddr ORDER BY n DESC, srcaddr' });
    expect(result.columns).toEqual([{ name: 'srcaddr', type: 'VARCHAR' }, { name: 'n', type: 'BIGINT' }]);
    expect(result.rows).toEqual(countBy(fixtureRecords(), (r) => r.srcaddr as string));
    expect(result).toMatchObject({ rowCount: result.rows.length, truncated: false });
    expect(result.sql).toContain('GROUP BY srcaddr');
    expect(result.elapsedMs).toBeGreaterThanOrEqual(0);
  });

  it('returns every 128-bit integer (src_ip, IPv4 ones too) as exact decimal text, 64-bit ones as numbers', async () => {
    const result = await query({ language: 'sql', text: "SELECT srcaddr, src_ip, ip_to_number('2001:db8::1') AS v6, bytes FROM flows WHERE srcaddr IS NOT NULL LIMIT 1" });
    const [srcaddr, srcIp, v6, bytes] = result.rows[0] as [string, string, string, number];
    expect(result.columns[1]?.type).toBe('UHUGEINT');
    expect(srcIp).toBe(String(addressToBigInt(srcaddr)));
    expect(typeof bytes).toBe('number');
    expect(v6).toBe(String(addressToBigInt('2001:db8::1')));
  });

  it('runs a Logs Insights query within the time range', async () => {
    const text = 'filter action="REJECT" | stats count(*) as rejections by srcAddr | sort rejections desc';
    const all = await query({ language: 'insights', text });
    expect(all.columns.map((c) => c.name)).toEqual(['srcAddr', 'rejections']);
    expect(all.rows).toEqual(countBy(fixtureRecords().filter((r) => r.action === 'REJECT'), (r) => r.srcaddr as string));
    const start = 1_700_000_240;
    const windowed = await query({ language: 'insights', text: 'stats count(*) as flows', start, end: start + 120 });
    const counted = await query({ language: 'sql', text: `SELECT count(*) FROM flows WHERE "start" >= ${start} AND "start" < ${start + 120}` });
    expect(windowed.rows).toEqual(counted.rows);
    expect(windowed.rows[0]?.[0]).toBeLessThan((await query({ language: 'insights', text: 'stats count(*) as flows' })).rows[0]?.[0] as number);
  });

  it('runs a built-in report by name, with the report limit or the request limit', async () => {
    const pairs = new Map<string, number>();
    for (const r of fixtureRecords()) pairs.set(`${r.srcaddr} ${r.dstaddr}`, (pairs.get(`${r.srcaddr} ${r.dstaddr}`) ?? 0) + Number(r.bytes));
    const expected = [...pairs].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([pair, bytes]) => [...pair.split(' '), bytes]);
    const result = await query({ language: 'report', report: 'top-talkers' });
    expect(result.columns.map((c) => c.name)).toEqual(['srcaddr', 'dstaddr', 'totalbytes', 'totalpackets', 'flows']);
    expect(result.rows.map((row) => row.slice(0, 3))).toEqual(expected);
    const limited = await query({ language: 'report', report: 'top-talkers', limit: 3 });
    expect(limited.rows).toEqual(result.rows.slice(0, 3));
    expect(limited.sql).toMatch(/LIMIT 3\b/);
    const subnet = await query({ language: 'report', report: 'subnet-top-bytes', params: { cidr: '10.0.2.0/24' } });
    expect(subnet.rows[0]).toEqual(['10.0.1.10', fixtureRecords().filter((r) => r.srcaddr === '10.0.2.20' && r.dstaddr === '10.0.1.10').reduce((s, r) => s + Number(r.bytes), 0)]);
  });

  it('caps results at the limit or 10,000 rows and says so', async () => {
    const big = await query({ language: 'sql', text: `SELECT range AS i FROM range(${MAX_QUERY_ROWS + 500})` });
    expect(big).toMatchObject({ rowCount: MAX_QUERY_ROWS, truncated: true });
    expect(big.rows.at(-1)).toEqual([MAX_QUERY_ROWS - 1]);
    const records = fixtureRecords().length;
    expect(await query({ language: 'sql', text: 'SELECT * FROM flows WHERE srcaddr IS NOT NULL', limit: 5 })).toMatchObject({ rowCount: 5, truncated: true });
    expect(await query({ language: 'sql', text: 'SELECT * FROM flows WHERE srcaddr IS NOT NULL', limit: records })).toMatchObject({ rowCount: records, truncated: false });
  });

  it.each([
    ['DELETE FROM flows'],
    ['CREATE TABLE x AS SELECT 1'],
    ['SELECT 1; DROP TABLE flows'],
    ["COPY flows TO '/tmp/flows.csv'"],
  ])('refuses writing SQL with 400 read-only: %s', async (text) => {
    const before = await store.scalar('SELECT count(*) FROM flows');
    expect((await failure({ language: 'sql', text }, 400)).code).toBe('read-only');
    expect((await query({ language: 'sql', text: 'SELECT count(*) FROM flows' })).rows).toEqual([[before]]);
  });

  it('answers a SQL syntax error with 400, DuckDB’s message and the position in the text', async () => {
    const text = 'SELECT srcaddr\n  FORM flows';
    const error = await failure({ language: 'sql', text }, 400);
    expect(error.code).toBe('sql');
    expect(error.error).toMatch(/^Parser Error: syntax error/);
    const line2 = text.split('\n')[1] as string;
    expect(error.position).toEqual({ line: 2, column: line2.indexOf('flows') + 1 });
  });

  it('answers an Insights error with 400, the position and a caret hint', async () => {
    const text = 'fields srcAddr\n| bogus srcAddr';
    const error = await failure({ language: 'insights', text }, 400);
    expect(error.code).toBe('syntax');
    expect(error.position).toEqual({ line: 2, column: (text.split('\n')[1] as string).indexOf('bogus') + 1 });
    expect(error.hint).toContain('^');
    expect((await failure({ language: 'insights', text: 'stats count(*) by nosuchfield' }, 400)).code).toBe('unknown-field');
  });

  it.each([
    ['not json', 'bad-request'],
    [{ language: 'python', text: 'x' }, 'bad-request'],
    [{ language: 'sql' }, 'bad-request'],
    [{ language: 'sql', text: 'SELECT 1', limit: MAX_QUERY_ROWS + 1 }, 'bad-request'],
    [{ language: 'insights', text: 'stats count(*)', start: 10, end: 5 }, 'bad-request'],
    [{ language: 'report', report: 'nope' }, 'unknown-report'],
    [{ language: 'report', report: 'subnet-top-bytes' }, 'syntax'],
  ])('answers a bad request with 400 and a code: %j', async (body, code) => {
    const error = await failure(body, 400);
    expect(error.code).toBe(code);
    expect(error.error.length).toBeGreaterThan(5);
  });

  it('serves concurrent requests one at a time with the right answers', async () => {
    const texts = ['SELECT 1 AS v', "SELECT 'a' AS v", 'SELECT count(*) AS v FROM flows', 'SELECT 4 AS v'];
    const results = await Promise.all(texts.map((text) => query({ language: 'sql', text })));
    expect(results.map((r) => r.rows[0]?.[0])).toEqual([1, 'a', await store.scalar('SELECT count(*) FROM flows'), 4]);
  });

  it('refuses every query with 403 on a server that always pseudonymizes', async () => {
    const pseudo = createApp({ store, pseudonymizer: createPseudonymizer('k'), alwaysPseudonymize: true });
    for (const body of [{ language: 'sql', text: 'SELECT srcaddr FROM flows' }, { language: 'report', report: 'top-talkers' }, { language: 'insights', text: 'stats count(*) by srcAddr' }]) {
      const error = await failure(body, 403, pseudo);
      expect(error.code).toBe('pseudonymized');
      expect(error.hint).toContain('--pseudonymize');
    }
    expect((await pseudo.request('/api/reports')).status).toBe(200);
  });
});

describe('POST /api/query on S3 access logs', () => {
  it('runs the S3 access reports as `flowlens report` does, the window on the request time', async () => {
    const logs = await StoreClass.memory();
    try {
      const file = fileURLToPath(new URL('../fixtures/s3-access/downloads-2021-12.log', import.meta.url));
      await ingestSources(logs, [await resolveSource(file, {})], { logType: 'auto' });
      const target = createApp({ store: logs });
      const window = { start: Date.parse('2021-12-01T00:00:00Z') / 1000, end: Date.parse('2021-12-05T00:00:00Z') / 1000 };
      const response = await post({ language: 'report', report: 's3-top-downloaders', ...window }, target);
      expect(response.status).toBe(200);
      const body = (await response.json()) as QueryResponse;
      expect(body.columns.map((c) => c.name)).toEqual(['remoteip', 'objectbytes', 'bytessent', 'requests']);
      expect(body.rows).toEqual([
        ['203.0.113.10', 73400320, 53477376, 2],
        ['198.51.100.7', 10485760, 10485760, 1],
        ['192.0.2.44', 4096, 4339, 2],
      ]);
      expect(body.sql).toContain('s3_access');
    } finally {
      logs.close();
    }
  });
});
