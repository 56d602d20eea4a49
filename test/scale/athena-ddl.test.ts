import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VPC_FIELDS } from '../../src/records/index.js';
import {
  buildCloudTrailTable,
  buildParquetFlowLogTable,
  buildS3AccessLogTable,
  buildTextFlowLogTable,
  listParquetFiles,
  parquetColumnsFor,
  renderCreateTable,
  renderDuckDbView,
} from '../../src/scale/index.js';
import { Store } from '../../src/store/index.js';
import { runFlowlens } from '../helpers/cli.js';
import { ALL_VPC_FORMAT, sampleFlowLogText } from './sample-flows.js';

let dir: string;
let db: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flowlens-ddl-'));
  db = join(dir, 'flows.duckdb');
  await writeFile(join(dir, 'flows.log'), sampleFlowLogText(800));
  expect((await runFlowlens(['ingest', join(dir, 'flows.log'), '--db', db])).code).toBe(0);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('flowlens athena ddl', () => {
  it.each([
    ['text', ['--location', 's3://logs/central/', '--accounts', '111122223333,444455556666', '--regions', 'us-east-1,eu-west-1', '--start-date', '2024/01/01']],
    ['parquet', ['--format', 'parquet', '--location', 's3://lake/flows', '--partition', 'hour', '--start-date', '2024-01-01', '--end-year', '2030']],
    ['custom-text', ['--location', 's3://logs/', '--log-format', '${version} ${vpc-id} ${srcaddr} ${dstaddr} ${bytes} ${start} ${end} ${action} ${tcp-flags}', '--start-date', '2024/01/01']],
    ['s3-access', ['--log-type', 's3-access', '--location', 's3://access-logs/logs/', '--start-date', '2024/01/01']],
    ['cloudtrail', ['--log-type', 'cloudtrail', '--location', 's3://trail-bucket/', '--regions', 'us-east-1', '--start-date', '2024/01/01']],
  ])('prints the %s table', async (name, args) => {
    const run = await runFlowlens(['athena', 'ddl', ...args]);
    expect(run.code, run.stderr).toBe(0);
    await expect(run.stdout).toMatchFileSnapshot(`__snapshots__/ddl-${name}.sql`);
  });

  it('skips the header line and projects every partition so no MSCK REPAIR is needed', () => {
    const ddl = renderCreateTable(buildTextFlowLogTable({ location: 's3://b/p', columns: parquetColumnsFor(['version', 'end']) }));
    expect(ddl).toContain("'skip.header.line.count' = '1'");
    expect(ddl).toContain("'projection.enabled' = 'true'");
    expect(ddl).toContain("'projection.aws_account.type' = 'injected'");
    expect(ddl).toContain("'storage.location.template' = 's3://b/p/AWSLogs/${aws_account}/vpcflowlogs/${aws_region}/${day}'");
    expect(ddl).toContain('`end` bigint');
  });

  it('notes the placeholder when no --location is given', async () => {
    const run = await runFlowlens(['athena', 'ddl']);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('no --location given');
  });

  it.each([
    [['--location', 'https://x/'], /not an s3:\/\/bucket/],
    [['--location', 's3://x/', '--start-date', 'yesterday'], /not a date/],
    [['--location', 's3://x/', '--log-format', '${nope}'], /unknown flow-log field/],
  ])('rejects bad options %j', async (args, message) => {
    const run = await runFlowlens(['athena', 'ddl', ...args]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
  });
});

describe('the Parquet table over an export', () => {
  it.each(['day', 'hour'] as const)('has the columns and types DuckDB reads from %s-partitioned files, at the projected paths', async (partition) => {
    const out = join(dir, `lake-${partition}`);
    expect((await runFlowlens(['export', 'parquet', '--db', db, '--out', out, '--partition', partition])).code).toBe(0);
    const spec = buildParquetFlowLogTable({ location: 's3://lake/flows/', columns: parquetColumnsFor(VPC_FIELDS.map((f) => f.name)), partition });
    const store = await Store.memory();
    try {
      // The files as DuckDB reads them (partition columns as text), in the DDL's column order.
      const names = [...spec.columns, ...spec.partitions].map((c) => `"${c.name}"`).join(', ');
      const described = await store.query(
        `DESCRIBE SELECT ${names} FROM read_parquet('${out}/**/*.parquet', hive_partitioning = true, hive_types_autocast = false)`,
      );
      const duckTypes: Record<string, string> = { int: 'INTEGER', bigint: 'BIGINT', string: 'VARCHAR' };
      expect(described.rows.map((r) => [r.column_name, r.column_type])).toEqual([...spec.columns, ...spec.partitions].map((c) => [c.name, duckTypes[c.type]]));
      await store.run(renderDuckDbView(spec, out));
      expect(await store.scalar(`SELECT count(*) FROM vpc_flow_logs_parquet`)).toBe(800);
    } finally {
      store.close();
    }
    // Every file sits where storage.location.template puts its partition values, inside the projected ranges.
    const template = spec.properties['storage.location.template'] ?? '';
    for (const file of await listParquetFiles(out)) {
      const folders = file.path.split('/').slice(0, -1);
      const values = Object.fromEntries(folders.map((f) => f.split('=') as [string, string]));
      const expanded = template.replace(/\$\{(\w+)\}/g, (_, name: string) => values[name] ?? '?');
      expect(expanded).toBe(`s3://lake/flows/${folders.join('/')}`);
      for (const [name, value] of Object.entries(values)) {
        const [low, high] = (spec.properties[`projection.${name}.range`] ?? '').split(',').map(Number);
        expect(Number(value)).toBeGreaterThanOrEqual(low ?? NaN);
        expect(Number(value)).toBeLessThanOrEqual(high ?? NaN);
        if (name !== 'year') expect(value).toHaveLength(Number(spec.properties[`projection.${name}.digits`]));
      }
    }
  });
});

describe('the S3 access log table', () => {
  it("parses AWS's sample log line into the table's columns with its regex", () => {
    const spec = buildS3AccessLogTable({ location: 's3://b/' });
    const quoted = /'input\.regex' = '(.*)'\)/.exec(spec.storage)?.[1] ?? '';
    const regex = new RegExp(quoted.replaceAll('\\\\', '\\'));
    // Amazon S3 User Guide, "Amazon S3 server access log format", example log record.
    const line =
      '79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be amzn-s3-demo-bucket1 [06/Feb/2019:00:00:38 +0000] 192.0.2.3 ' +
      '79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be 3E57427F3EXAMPLE REST.GET.VERSIONING - "GET /amzn-s3-demo-bucket1?versioning HTTP/1.1" ' +
      '200 - 113 - 7 - "-" "S3Console/0.4" - s9lzHYrFp76ZVxRcpX9+5cjAnEH2ROuNkd2BHfIa6UkFVdtjf5mKR3/eTPFvsiP/XV/VLi31234= SigV4 ECDHE-RSA-AES128-GCM-SHA256 ' +
      'AuthHeader amzn-s3-demo-bucket1.s3.us-west-1.amazonaws.com TLSV1.2 arn:aws:s3:us-west-1:123456789012:accesspoint/example-AP Yes';
    const match = regex.exec(line);
    expect(match).not.toBeNull();
    const values = Object.fromEntries(spec.columns.map((c, i) => [c.name, match?.[i + 1]]));
    expect(values).toMatchObject({ bucket_name: 'amzn-s3-demo-bucket1', requestdatetime: '06/Feb/2019:00:00:38 +0000', operation: 'REST.GET.VERSIONING', httpstatus: '200', bytessent: '113', useragent: '"S3Console/0.4"', tlsversion: 'TLSV1.2', aclrequired: 'Yes' });
    expect(spec.columns).toHaveLength(26);
  });

  it('has a CloudTrail table with date projection over AWSLogs', () => {
    const ddl = renderCreateTable(buildCloudTrailTable({ location: 's3://trail', accounts: ['123456789012'] }));
    expect(ddl).toContain("'storage.location.template' = 's3://trail/AWSLogs/${aws_account}/CloudTrail/${aws_region}/${timestamp}'");
    expect(ddl).toContain("'projection.aws_account.values' = '123456789012'");
    expect(ddl).toContain('CloudTrailInputFormat');
  });
});

it('uses every field of the default format for the default text table', async () => {
  const run = await runFlowlens(['athena', 'ddl', '--location', 's3://x/', '--log-format', ALL_VPC_FORMAT]);
  expect(run.stdout).toContain('`next_hop_interface_type` string');
});
