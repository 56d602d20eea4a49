import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AthenaClient } from '@aws-sdk/client-athena';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { QueryError } from '../../src/records/index.js';
import { athenaCost, runAthenaQuery } from '../../src/engines/athena/index.js';
import { parseNdjson, runFlowlens } from '../helpers/cli.js';
import { startFakeAthena } from './fake-athena.js';

const COLUMNS = [
  { Name: 'srcaddr', Type: 'varchar' },
  { Name: 'dstaddr', Type: 'varchar' },
  { Name: 'totalbytes', Type: 'bigint' },
];

let fake: Awaited<ReturnType<typeof startFakeAthena>>;
let client: AthenaClient;
const noSleep = { sleep: async () => undefined };

beforeAll(async () => {
  vi.stubEnv('AWS_EC2_METADATA_DISABLED', 'true');
  vi.stubEnv('AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED', 'true');
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDTEST');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'secret');
  fake = await startFakeAthena(
    {
      'SELECT top': {
        states: ['QUEUED', 'RUNNING', 'RUNNING', 'SUCCEEDED'],
        scannedBytes: 52_428_800 + 1,
        columns: COLUMNS,
        pages: [
          [
            ['10.0.0.1', '10.0.0.2', '9007199254740993'],
            ['10.0.0.3', undefined, '42'],
          ],
          [['2001:db8::1', '10.0.0.9', '7']],
        ],
      },
      'SELECT bad': {
        states: ['RUNNING', 'FAILED'],
        reason: "COLUMN_NOT_FOUND: line 1:8: Column 'nope' cannot be resolved",
        athenaError: { ErrorCategory: 2, ErrorType: 1006, Retryable: false, ErrorMessage: "Column 'nope' cannot be resolved" },
      },
      'SELECT everything': { states: ['RUNNING', 'CANCELLED'], reason: 'Query cancelled! : Bytes scanned limit was exceeded', scannedBytes: 10_737_418_240 },
      'SELECT stopped': { states: ['RUNNING', 'CANCELLED'], reason: 'Query was cancelled by user', scannedBytes: 1000 },
      '*': { states: ['SUCCEEDED'], scannedBytes: 2048, columns: COLUMNS, pages: [[['10.0.0.1', '10.0.0.2', '100']]] },
      'CREATE EXTERNAL TABLE t (a int)': { states: ['SUCCEEDED'], statementType: 'DDL', columns: [], pages: [[]] },
    },
    10_737_418_240,
  );
  client = new AthenaClient({ region: 'us-east-1', endpoint: fake.endpoint, credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' } });
});

afterAll(async () => {
  client.destroy();
  await fake.close();
  vi.unstubAllEnvs();
});

describe('runAthenaQuery', () => {
  it('polls with growing waits until SUCCEEDED, then reads every page without the header row', async () => {
    const waits: number[] = [];
    const result = await runAthenaQuery(client, { sql: 'SELECT top', workgroup: 'wg', database: 'logs' }, { sleep: async (ms) => void waits.push(ms), initialDelayMs: 100 });
    expect(waits).toEqual([100, 150, 225]);
    expect(result.columns).toEqual(['srcaddr', 'dstaddr', 'totalbytes']);
    expect(result.rows).toEqual([
      { srcaddr: '10.0.0.1', dstaddr: '10.0.0.2', totalbytes: 9007199254740993n },
      { srcaddr: '10.0.0.3', dstaddr: null, totalbytes: 42 },
      { srcaddr: '2001:db8::1', dstaddr: '10.0.0.9', totalbytes: 7 },
    ]);
    expect(result.stats.dataScannedBytes).toBe(52_428_801);
    expect(result.cost.billedBytes).toBe(51 * 1024 * 1024);
    const start = fake.calls.find((c) => c.target === 'StartQueryExecution' && c.body.QueryString === 'SELECT top');
    expect(start?.body).toMatchObject({ WorkGroup: 'wg', QueryExecutionContext: { Database: 'logs' } });
    const pages = fake.calls.filter((c) => c.target === 'GetQueryResults' && c.body.QueryExecutionId === result.queryExecutionId);
    expect(pages.map((c) => c.body.NextToken)).toEqual([undefined, 'page-1']);
  });

  it('hands each result page to onRows as it is read and keeps none of them', async () => {
    const pages: Record<string, unknown>[][] = [];
    const result = await runAthenaQuery(client, { sql: 'SELECT top' }, { ...noSleep, onRows: (columns, _types, rows) => void pages.push(rows.map((row) => ({ ...row, columns: columns.length }))) });
    expect(pages.map((page) => page.map((row) => row.srcaddr))).toEqual([['10.0.0.1', '10.0.0.3'], ['2001:db8::1']]);
    expect(pages[0]?.[0]).toMatchObject({ totalbytes: 9007199254740993n, columns: 3 });
    expect(result.rows).toEqual([]);
    expect(result.columns).toEqual(['srcaddr', 'dstaddr', 'totalbytes']);
  });

  it('stops reading pages at maxRows', async () => {
    const result = await runAthenaQuery(client, { sql: 'SELECT top' }, { ...noSleep, maxRows: 1 });
    expect(result.rows).toHaveLength(1);
    expect(result.truncated).toBe(true);
  });

  it('explains a failed query with its reason', async () => {
    const error = await runAthenaQuery(client, { sql: 'SELECT bad' }, noSleep).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QueryError);
    expect((error as QueryError).code).toBe('athena-failed');
    expect((error as QueryError).message).toContain("Column 'nope' cannot be resolved");
    expect((error as QueryError).message).toContain('user error');
  });

  it("names the workgroup's scan limit when Athena cancels a query for it", async () => {
    const error = (await runAthenaQuery(client, { sql: 'SELECT everything', workgroup: 'capped' }, noSleep).catch((e: unknown) => e)) as QueryError;
    expect(error.code).toBe('athena-scan-limit');
    expect(error.message).toContain('10.0 GB');
    expect(error.message).toContain('capped');
    expect(error.hint).toContain('BytesScannedCutoffPerQuery');
  });

  it('reports a cancellation by someone else', async () => {
    const error = (await runAthenaQuery(client, { sql: 'SELECT stopped' }, noSleep).catch((e: unknown) => e)) as QueryError;
    expect(error.code).toBe('athena-cancelled');
    expect(error.message).toContain('cancelled by user');
  });

  it('fails with a hint when Athena refuses to start the query', async () => {
    const error = (await runAthenaQuery(client, { sql: 'SELECT top', workgroup: 'missing' }, noSleep).catch((e: unknown) => e)) as QueryError;
    expect(error.code).toBe('athena-start');
    expect(error.message).toContain('WorkGroup missing is not found');
  });

  it('reads DDL results without dropping a row and charges nothing for them', async () => {
    const result = await runAthenaQuery(client, { sql: 'CREATE EXTERNAL TABLE t (a int)' }, noSleep);
    expect(result.rows).toEqual([]);
    expect(result.cost.dollars).toBe(0);
  });
});

describe('athenaCost', () => {
  it.each([
    [0, 10],
    [1, 10],
    [10 * 1024 * 1024 + 1, 11],
    [1024 ** 4, 1024 * 1024],
  ])('bills %i bytes scanned as %i MB', (scanned, mb) => {
    const cost = athenaCost(scanned, 'DML');
    expect(cost.billedBytes).toBe(mb * 1024 * 1024);
    expect(cost.dollars).toBeCloseTo((mb / (1024 * 1024)) * 5, 10);
  });
});

describe('flowlens athena query', () => {
  it.each([
    ["the profile's region from the config file", ['--profile', 'analytics'], {}, 'eu-west-3'],
    ["the default profile's region", [], {}, 'ap-northeast-1'],
    ['AWS_DEFAULT_REGION over the config file', ['--profile', 'analytics'], { AWS_DEFAULT_REGION: 'eu-south-1' }, 'eu-south-1'],
    ['--region over everything', ['--profile', 'analytics', '--region', 'us-west-2'], { AWS_REGION: 'eu-south-1' }, 'us-west-2'],
  ])('signs for %s, with --endpoint-url too (as the AWS CLI chooses the region)', async (_name, args, env, region) => {
    const dir = mkdtempSync(join(tmpdir(), 'flowlens-athena-config-'));
    const config = join(dir, 'config');
    writeFileSync(config, '[default]\nregion = ap-northeast-1\n\n[profile analytics]\nregion = eu-west-3\naws_access_key_id = AKIDPROFILE\naws_secret_access_key = secret\n');
    const before = fake.calls.length;
    const run = await runFlowlens(['athena', 'query', 'SELECT top', '--workgroup', 'wg', '--endpoint-url', fake.endpoint, '--format', 'ndjson', ...args], {
      env: { AWS_CONFIG_FILE: config, AWS_SHARED_CREDENTIALS_FILE: join(dir, 'credentials'), ...env },
    });
    expect(run.code, run.stderr).toBe(0);
    const regions = new Set(fake.calls.slice(before).map((call) => call.region));
    expect([...regions]).toEqual([region]);
  });

  it('prints the rows, then the data scanned and its cost', async () => {
    const run = await runFlowlens(['athena', 'query', 'SELECT top', '--workgroup', 'wg', '--endpoint-url', fake.endpoint, '--format', 'ndjson'], {
      env: { AWS_REGION: 'us-east-1' },
    });
    expect(run.code, run.stderr).toBe(0);
    expect(parseNdjson(run.stdout).map((row) => row.srcaddr)).toEqual(['10.0.0.1', '10.0.0.3', '2001:db8::1']);
    expect(run.stderr).toMatch(/athena: query q-\d+, 3 rows/);
    expect(run.stderr).toMatch(/data scanned: 50\.0 MB, billed 51\.0 MB, cost \$0\.000243/);
  });

  it('exits 1 with the reason and hint when the query fails', async () => {
    const run = await runFlowlens(['athena', 'query', 'SELECT everything', '--workgroup', 'capped', '--endpoint-url', fake.endpoint]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^error: Athena cancelled query q-\d+: it scanned 10\.0 GB and hit workgroup capped's per-query scan limit \(10\.0 GB\)/);
    expect(run.stderr).toMatch(/hint: .*update-work-group --work-group capped/);
  });
});

describe('flowlens report --engine athena', () => {
  it('runs the Trino rendering of the report on the Parquet table, pruning partitions by the time window', async () => {
    const run = await runFlowlens(
      ['report', 'top-talkers', '--engine', 'athena', '--workgroup', 'wg', '--database', 'logs', '--start', '2024-05-01T00:00:00Z', '--end', '2024-05-03T00:00:00Z', '--endpoint-url', fake.endpoint, '--format', 'json'],
      { env: { AWS_REGION: 'us-east-1' } },
    );
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual([{ srcaddr: '10.0.0.1', dstaddr: '10.0.0.2', totalbytes: 100 }]);
    expect(run.stderr).toMatch(/cost \$0\.000048/);
    const sql = String(fake.calls.filter((c) => c.target === 'StartQueryExecution').at(-1)?.body.QueryString);
    expect(sql).toContain('FROM "vpc_flow_logs_parquet"');
    expect(sql).toContain(`"start" >= 1714521600 AND "start" < 1714694400 AND concat("year", "month", "day") >= '20240501' AND concat("year", "month", "day") <= '20240502'`);
  });

  it('prunes by the text table\'s day partition', async () => {
    const run = await runFlowlens(['report', 'top-talkers', '--engine', 'athena', '--table-format', 'text', '--accounts', '111122223333', '--regions', 'us-east-1', '--start', '2024-05-01T00:00:00Z', '--sql']);
    expect(run.stdout).toContain(`FROM "vpc_flow_logs"`);
    expect(run.stdout).toContain(`"day" >= '2024/05/01'`);
  });

  it('refuses --filter-pattern, which only the local store runs', async () => {
    const run = await runFlowlens(['report', 'top-talkers', '--engine', 'athena', '--filter-pattern', 'REJECT', '--sql']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--filter-pattern runs on the local store only/);
  });
});
