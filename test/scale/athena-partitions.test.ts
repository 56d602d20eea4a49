import { describe, expect, it } from 'vitest';
import { DEFAULT_PARQUET_COLUMNS, buildS3AccessLogTable, buildTextFlowLogTable, renderCreateTable } from '../../src/scale/index.js';
import type { AthenaTableSpec } from '../../src/scale/index.js';
import { runFlowlens } from '../helpers/cli.js';

const columns = [...DEFAULT_PARQUET_COLUMNS];

/** Athena's rule (User Guide, "Use dynamic ID partitioning"): an injected column takes only static equality (or IN) predicates, and needs one. */
function checkInjectedPredicates(spec: AthenaTableSpec, sql: string): void {
  for (const partition of spec.partitions) {
    if (spec.properties[`projection.${partition.name}.type`] !== 'injected') continue;
    const column = `"${partition.name}"`;
    expect(sql, `${partition.name} is injected`).toMatch(new RegExp(`${column} (=|IN \\()`));
    expect(sql).not.toMatch(new RegExp(`${column} ?(>|<|>=|<=|BETWEEN|LIKE)`));
    expect(sql).not.toMatch(new RegExp(`concat\\([^)]*${column}`));
  }
}

const reportSql = async (...args: string[]) => {
  const run = await runFlowlens(['report', 'top-talkers', '--engine', 'athena', '--start', '2024-05-01T00:00:00Z', '--end', '2024-05-03T00:00:00Z', '--sql', ...args]);
  return run;
};

describe('Athena text tables and the SQL reports write for them', () => {
  it('names the injected account and region partitions with IN lists, next to the day range', async () => {
    const spec = buildTextFlowLogTable({ location: 's3://b/p/', columns });
    const run = await reportSql('--table-format', 'text', '--accounts', '111122223333,444455556666', '--regions', 'us-east-1');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`"aws_account" IN ('111122223333', '444455556666') AND "aws_region" IN ('us-east-1')`);
    expect(run.stdout).toContain(`"day" >= '2024/05/01' AND "day" <= '2024/05/02'`);
    checkInjectedPredicates(spec, run.stdout);
  });

  it('refuses a text-table report without --accounts and --regions, which Athena would reject', async () => {
    const run = await reportSql('--table-format', 'text');
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--table-format text needs --accounts and --regions/);
  });

  it("makes the seeds' year/month/day table for one account and region, and reports prune it by date", async () => {
    const spec = buildTextFlowLogTable({ location: 's3://b/p', columns, layout: 'year-month-day', accounts: ['111122223333'], regions: ['cn-north-1'] });
    expect(spec.partitions.map((p) => p.name)).toEqual(['year', 'month', 'day']);
    expect(spec.location).toBe('s3://b/p/AWSLogs/111122223333/vpcflowlogs/cn-north-1/');
    expect(spec.properties).toMatchObject({
      'projection.year.type': 'integer',
      'projection.month.digits': '2',
      'projection.day.digits': '2',
      'storage.location.template': 's3://b/p/AWSLogs/111122223333/vpcflowlogs/cn-north-1/${year}/${month}/${day}',
    });
    expect(Object.values(spec.properties)).not.toContain('injected');
    const run = await reportSql('--table-format', 'text-ymd');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('FROM "vpc_flow_logs"');
    expect(run.stdout).toContain(`concat("year", "month", "day") >= '20240501' AND concat("year", "month", "day") <= '20240502'`);
    checkInjectedPredicates(spec, run.stdout);
    expect(() => buildTextFlowLogTable({ location: 's3://b/p', columns, layout: 'year-month-day' })).toThrowError(/one account and one region/);
  });

  it('prints the year/month/day DDL from the command line', async () => {
    const run = await runFlowlens(['athena', 'ddl', '--location', 's3://b/p/', '--partition-layout', 'year-month-day', '--accounts', '111122223333', '--regions', 'cn-north-1']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('PARTITIONED BY (`year` string, `month` string, `day` string)');
    const wrong = await runFlowlens(['athena', 'ddl', '--log-type', 'cloudtrail', '--partition-layout', 'flat']);
    expect(wrong.code).toBe(2);
  });
});

describe('the S3 access log table over a flat delivery prefix', () => {
  it('has no partitions and reads every object under the prefix', () => {
    const spec = buildS3AccessLogTable({ location: 's3://ray-accesslogs-bjs/s3_access', layout: 'flat' });
    expect(spec.partitions).toEqual([]);
    expect(spec.location).toBe('s3://ray-accesslogs-bjs/s3_access/');
    const ddl = renderCreateTable(spec);
    expect(ddl).not.toContain('PARTITIONED BY');
    expect(ddl).not.toContain('projection');
    expect(ddl).toContain("LOCATION 's3://ray-accesslogs-bjs/s3_access/'");
    expect(ddl).toContain('RegexSerDe');
  });
});
