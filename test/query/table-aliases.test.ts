import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseTableAliases, stripDatabaseQualifiers } from '../../src/query/table-aliases.js';
import { runFlowlens } from '../helpers/cli.js';

const FIXTURES = join(import.meta.dirname, '../fixtures');

describe('stripDatabaseQualifiers', () => {
  const aliases = parseTableAliases(['s3_cloudtrail_events_db.cloudtrail_logs=cloudtrail', 'fl06=flows']);
  it.each([
    ['SELECT * FROM "default"."vpc_flow_logs"', 'SELECT * FROM "vpc_flow_logs"'],
    ['SELECT * FROM default.vpc_flow_logs v', 'SELECT * FROM "vpc_flow_logs" v'],
    ['SELECT * FROM AwsDataCatalog.default.flows', 'SELECT * FROM "flows"'],
    ['SELECT count(*) FROM s3_cloudtrail_events_db.cloudtrail_logs', 'SELECT count(*) FROM "cloudtrail_logs"'],
    // Strings, comments, unknown tables and column references stay as they are.
    ["SELECT 'default.flows' -- default.flows\nFROM flows", "SELECT 'default.flows' -- default.flows\nFROM flows"],
    ['SELECT v.srcaddr FROM other_db.flows_x v', 'SELECT v.srcaddr FROM other_db.flows_x v'],
    ['SELECT "default".unknown_table', 'SELECT "default".unknown_table'],
  ])('%s', (sql, expected) => {
    expect(stripDatabaseQualifiers(sql, aliases)).toBe(expected);
  });

  it('refuses a spec that is not NAME=TARGET', () => {
    expect(() => parseTableAliases(['vpc_flow_logs'])).toThrowError(/NAME=TARGET/);
    expect(() => parseTableAliases(['x=elsewhere'])).toThrowError(/NAME=TARGET/);
  });
});

describe('flowlens query with the seeds Athena queries', () => {
  let db: string;
  beforeAll(async () => {
    db = join(mkdtempSync(join(tmpdir(), 'flowlens-aliases-')), 'flows.duckdb');
    const run = await runFlowlens(['ingest', '--log-type', 'auto', '--db', db, join(FIXTURES, 'aws-docs'), join(FIXTURES, 's3-access'), join(FIXTURES, 'cloudtrail')]);
    expect(run.code, run.stderr).toBe(0);
  });

  const query = (sql: string, ...aliases: string[]) => runFlowlens(['query', '--db', db, '-f', 'json', ...aliases.flatMap((a) => ['--table-alias', a]), sql]);

  it('runs a daily-table query of seed 003 on flows through --table-alias', async () => {
    const sql = "SELECT SUM(bytes) as totalbytes, srcaddr, dstaddr from fl06a3a4b9a351a0fd5daily2021120420211204 WHERE year='2014' AND month='12' AND day='14' GROUP BY srcaddr, dstaddr ORDER BY totalbytes LIMIT 50";
    const run = await query(sql, 'fl06a3a4b9a351a0fd5daily2021120420211204=flows');
    expect(run.code, run.stderr).toBe(0);
    expect((JSON.parse(run.stdout) as unknown[]).length).toBeGreaterThan(0);
    expect((await query(sql)).code).not.toBe(0);
  });

  it('runs seed 003 S3 access and CloudTrail queries with their database-qualified names', async () => {
    const s3 = await query(
      `SELECT SUM(objectsize) AS downloadTotal, remoteip
FROM "s3_access_logs_db"."ray-glue-streaming_logs"
WHERE Operation='REST.GET.OBJECT' AND
parse_datetime(requestdatetime,'dd/MMM/yyyy:HH:mm:ss Z')
BETWEEN parse_datetime('2021-12-01','yyyy-MM-dd')
AND parse_datetime('2021-12-05','yyyy-MM-dd')
GROUP BY remoteip
ORDER BY downloadTotal LIMIT 50;`,
      's3_access_logs_db.ray-glue-streaming_logs=s3_access',
    );
    expect(s3.code, s3.stderr).toBe(0);
    const trail = await query(
      `SELECT useridentity.arn,
    Count(requestid) AS RequestCount
    FROM s3_cloudtrail_events_db.cloudtrail_logs
    WHERE eventsource='s3.amazonaws.com'
    AND region='cn-north-1'
    AND year='2021'
    AND month='12'
    AND day='05'
    Group by useridentity.arn limit 20`,
      's3_cloudtrail_events_db.cloudtrail_logs=cloudtrail',
    );
    expect(trail.code, trail.stderr).toBe(0);
    expect((JSON.parse(trail.stdout) as unknown[]).length).toBeGreaterThan(0);
  });

  it('accepts the default database qualifier, quoted or not', async () => {
    for (const from of ['"default"."vpc_flow_logs"', 'default.vpc_flow_logs']) {
      const run = await query(`SELECT count(*) AS n FROM ${from}`);
      expect(run.code, run.stderr).toBe(0);
      expect(JSON.parse(run.stdout)).toEqual([{ n: 27 }]);
    }
  });
});
