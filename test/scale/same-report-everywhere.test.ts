import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getDialect } from '../../src/engines/index.js';
import type { SqlDialect } from '../../src/engines/index.js';
import { REPORTS, buildReportSql } from '../../src/reports/index.js';
import { AWS_PARQUET_TABLE_COLUMNS, buildParquetFlowLogTable, renderDuckDbView } from '../../src/scale/index.js';
import { Store } from '../../src/store/index.js';
import { runFlowlens } from '../helpers/cli.js';
import { CLICKHOUSE_SKIP_REASON, startClickHouse } from './clickhouse-server.js';
import type { TestClickHouse } from './clickhouse-server.js';

// The "done when": one report definition, the same rows on DuckDB (the store), on ClickHouse, and on
// DuckDB over the exported Parquet read through the Athena DDL's columns and types.
describe.skipIf(CLICKHOUSE_SKIP_REASON !== undefined)('the same report on every engine', () => {
  let dir: string;
  let db: string;
  let lake: string;
  let server: TestClickHouse;
  let lakeStore: Store;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flowlens-engines-'));
    db = join(dir, 'demo.duckdb');
    lake = join(dir, 'lake');
    const generated = await runFlowlens(['generate', '-n', '20000', '--seed', 'demo', '--hours', '6', '--out', join(dir, 'logs')]);
    expect(generated.code, generated.stderr).toBe(0);
    expect((await runFlowlens(['ingest', join(dir, 'logs'), '--db', db])).code).toBe(0);
    server = await startClickHouse();
    const load = await runFlowlens(['clickhouse', 'load', '--db', db, '--url', server.url]);
    expect(load.code, load.stderr).toBe(0);
    const exported = await runFlowlens(['export', 'parquet', '--db', db, '--out', lake, '--partition', 'hour']);
    expect(exported.code, exported.stderr).toBe(0);
    // The demo data has AWS's v2–v5 Parquet columns, so the export needs no --log-format for its table.
    expect(exported.stdout).not.toContain('--log-format');
    const spec = buildParquetFlowLogTable({ location: 's3://lake/flows/', columns: AWS_PARQUET_TABLE_COLUMNS, partition: 'hour' });
    lakeStore = await Store.memory();
    await lakeStore.run(renderDuckDbView(spec, lake));
  });

  afterAll(async () => {
    lakeStore?.close();
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  // Athena's table has no numeric src_ip/dst_ip columns: over it, address tests work on the text, as on Trino.
  const overParquet: SqlDialect = Object.create(getDialect('duckdb'), {
    addressInCidr: { value: (column: string, cidr: string) => getDialect('duckdb').textInCidr(`"${column}"`, cidr) },
  }) as SqlDialect;

  // Reports whose parameters have no default get one that selects data of the demo VPC.
  const PARAMS: Record<string, Record<string, string>> = { 'subnet-top-bytes': { cidr: '10.0.0.0/16' } };

  it.each(REPORTS.map((r) => r.name))('%s gives identical rows', async (name) => {
    const params = PARAMS[name] ?? {};
    const paramArgs = Object.entries(params).flatMap(([k, v]) => ['--param', `${k}=${v}`]);
    const local = await runFlowlens(['report', name, ...paramArgs, '--db', db, '--format', 'json']);
    expect(local.code, local.stderr).toBe(0);
    const expected = JSON.parse(local.stdout) as Record<string, unknown>[];
    expect(expected.length).toBeGreaterThan(0);

    const remote = await runFlowlens(['report', name, ...paramArgs, '--engine', 'clickhouse', '--clickhouse-url', server.url, '--format', 'json']);
    expect(remote.code, remote.stderr).toBe(0);
    expect(JSON.parse(remote.stdout)).toEqual(expected);

    const report = REPORTS.find((r) => r.name === name);
    if (!report) throw new Error(name);
    const sql = buildReportSql(report, { dialect: overParquet, table: 'vpc_flow_logs_parquet', where: 'TRUE', limit: undefined, params });
    const fromLake = await lakeStore.query(sql);
    expect(JSON.parse(JSON.stringify(fromLake.rows))).toEqual(expected);
  });

  it.each([
    'stats count(*) as flows, sum(bytes) as total by srcAddr | sort flows desc, srcAddr asc | limit 10',
    'filter action="REJECT" | stats count(*) as rejected by bin(5m) as t | sort t',
    'filter dstPort = 443 and isIpv4InSubnet(dstAddr, "10.0.0.0/8") | stats count_distinct(srcAddr) as sources by dstAddr | sort sources desc, dstAddr asc',
    // The natural sort of text and the pattern command (regex chains, lambdas over arrays) on both engines.
    'stats count(*) as flows by interfaceId | sort interfaceId desc | limit 20',
    'filter action = "REJECT" | parse @message "* * * * *" as v, account, eni, src, rest | pattern rest | sort @sampleCount desc, @pattern | limit 5',
    // A whole v2 message parsed into 14 fields: capture groups past 9.
    'parse @message "* * * * * * * * * * * * * *" as ver, acct, eni, src, dst, sp, dp, proto, pkts, byts, st, en, act, status | filter act = "REJECT" | stats count(*) as n by status, dp | sort n desc, dp asc | limit 5',
  ])('Insights query %s gives identical rows on ClickHouse', async (query) => {
    const local = await runFlowlens(['insights', query, '--db', db, '--format', 'json']);
    expect(local.code, local.stderr).toBe(0);
    const remote = await runFlowlens(['insights', query, '--engine', 'clickhouse', '--clickhouse-url', server.url, '--format', 'json']);
    expect(remote.code, remote.stderr).toBe(0);
    expect(JSON.parse(remote.stdout)).toEqual(JSON.parse(local.stdout));
  });

  it('runs the report on ClickHouse for a time window', async () => {
    const args = ['report', 'top-talkers', '--start', '2024-05-01T01:00:00Z', '--end', '2024-05-01T03:00:00Z', '--format', 'json'];
    const local = await runFlowlens([...args, '--db', db]);
    const remote = await runFlowlens([...args, '--engine', 'clickhouse', '--clickhouse-url', server.url]);
    expect(remote.code, remote.stderr).toBe(0);
    expect(JSON.parse(remote.stdout)).toEqual(JSON.parse(local.stdout));
  });
});
