import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseNdjson, runFlowlens } from '../helpers/cli.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));
const S3_DIR = join(FIXTURES, 's3-access');
const DOWNLOADS = join(S3_DIR, 'downloads-2021-12.log');
const TRAIL_DIR = join(FIXTURES, 'cloudtrail');

const S3_KEYS = [
  'bucketowner', 'bucket_name', 'requestdatetime', 'remoteip', 'requester', 'requestid', 'operation', 'key', 'request_uri', 'httpstatus',
  'errorcode', 'bytessent', 'objectsize', 'totaltime', 'turnaroundtime', 'referrer', 'useragent', 'versionid', 'hostid', 'sigv',
  'ciphersuite', 'authtype', 'endpoint', 'tlsversion', 'accesspointarn', 'aclrequired', 'sourceregion',
];

describe('flowlens print --log-type', () => {
  it('prints S3 access records as ndjson keyed like the Athena DDL, numbers as numbers and `-` as null', async () => {
    const run = await runFlowlens(['print', '--log-type', 's3-access', join(S3_DIR, 'aws-docs-2019.log'), '--format', 'ndjson']);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    const rows = parseNdjson(run.stdout);
    expect(rows).toHaveLength(5);
    for (const row of rows) expect(Object.keys(row)).toEqual(S3_KEYS);
    expect(rows[4]).toMatchObject({ operation: 'REST.PUT.OBJECT', httpstatus: 200, bytessent: null, objectsize: 4406583, totaltime: 41754, turnaroundtime: 28, referrer: null, request_uri: 'PUT /awsexamplebucket1/s3-dg.pdf HTTP/1.1' });
  });

  it('prints CloudTrail records with the nested identity from gzipped files in an AWSLogs folder', async () => {
    const run = await runFlowlens(['print', '--log-type', 'cloudtrail', TRAIL_DIR, '--format', 'ndjson']);
    expect(run.code).toBe(0);
    const rows = parseNdjson(run.stdout);
    expect(rows).toHaveLength(13);
    expect(Object.keys(rows[0] ?? {}).slice(0, 6)).toEqual(['eventversion', 'useridentity', 'eventtime', 'eventsource', 'eventname', 'awsregion']);
    const put = rows.find((r) => r.eventname === 'PutObject');
    expect(put).toMatchObject({ readonly: 'false', useridentity: { type: 'AssumedRole', sessioncontext: { sessionissuer: { username: 'etl-role' } } } });
    expect(JSON.parse(String(put?.requestparameters))).toMatchObject({ bucketName: 'ray-glue-streaming', key: 'backup/part-0003.parquet' });
  });

  it('detects the type without --log-type and says it once on stderr', async () => {
    const run = await runFlowlens(['print', S3_DIR, '--format', 'ndjson']);
    expect(run.code).toBe(0);
    expect(parseNdjson(run.stdout)).toHaveLength(18);
    expect(run.stderr).toBe('log type: s3-access (detected from the content; pass --log-type to choose)\n');
  });

  it('says nothing extra for flow logs, the default', async () => {
    const run = await runFlowlens(['print', join(FIXTURES, 'aws-docs', 'default-v2.log'), '--format', 'ndjson']);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(parseNdjson(run.stdout)[0]).toHaveProperty('srcaddr');
  });

  it('selects fields and a time window on the request time', async () => {
    const run = await runFlowlens(['print', '--log-type', 's3-access', DOWNLOADS, '--fields', 'remoteip,operation,objectsize', '--start', '2021-12-04T00:00:00Z', '--end', '2021-12-05T00:00:00Z', '--format', 'csv']);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toBe(
      'remoteip,operation,objectsize\n198.51.100.7,REST.COPY.OBJECT_GET,52428800\n203.0.113.99,REST.COPY.OBJECT_GET,10485760\n203.0.113.99,REST.PUT.OBJECT,10485760\n',
    );
  });

  it('accepts S3 access field names in --fields when the type is detected', async () => {
    const run = await runFlowlens(['print', DOWNLOADS, '--fields', 'remoteip,httpstatus', '--format', 'ndjson', '-n', '2']);
    expect(run.code).toBe(0);
    expect(parseNdjson(run.stdout)).toEqual([
      { remoteip: '203.0.113.10', httpstatus: 200 },
      { remoteip: '198.51.100.7', httpstatus: 200 },
    ]);
  });

  it('detects a gzipped CloudTrail file piped on stdin', async () => {
    const gz = readFileSync(join(TRAIL_DIR, 'AWSLogs/111122223333/CloudTrail/us-west-2/2019/02/01/111122223333_CloudTrail_us-west-2_20190201T0330Z_docsExample.json.gz'));
    const run = await runFlowlens(['print', '-', '--fields', 'eventname,awsregion', '--format', 'csv'], { stdin: gz });
    expect(run).toMatchObject({ code: 0, stdout: 'eventname,awsregion\nListBuckets,us-west-2\nPutBucketAcl,us-west-2\nGetBucketVersioning,us-west-2\n' });
    expect(run.stderr).toBe('log type: cloudtrail (detected from the content; pass --log-type to choose)\n');
  });

  it('refuses flow-only options and unknown fields for S3 access logs', async () => {
    expect((await runFlowlens(['print', '--log-type', 's3-access', DOWNLOADS, '--action', 'REJECT'])).code).toBe(2);
    const unknown = await runFlowlens(['print', '--log-type', 's3-access', DOWNLOADS, '--fields', 'srcaddr']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('s3-access logs have no field "srcaddr"');
    expect((await runFlowlens(['print', '--log-type', 'alb', DOWNLOADS])).code).toBe(2);
  });

  it('reports bad lines on stderr and goes on', async () => {
    const run = await runFlowlens(['print', '--log-type', 's3-access', '-', '--format', 'ndjson'], {
      stdin: `not an access log line\n${readFileSync(DOWNLOADS, 'utf8')}`,
    });
    expect(run.code).toBe(0);
    expect(parseNdjson(run.stdout)).toHaveLength(11);
    expect(run.stderr).toMatch(/^warning: \S*stdin\S*:1: S3 access log: an S3 access log line has at least 17 fields/);
  });
});

describe('flowlens ingest and query on S3 access and CloudTrail logs', () => {
  let db: string;
  const query = async (sql: string): Promise<Record<string, unknown>[]> => {
    const run = await runFlowlens(['query', sql, '--db', db, '--format', 'ndjson']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    return parseNdjson(run.stdout);
  };

  beforeAll(async () => {
    db = join(mkdtempSync(join(tmpdir(), 'flowlens-logs-cli-')), 'logs.duckdb');
    const run = await runFlowlens(['ingest', S3_DIR, TRAIL_DIR, '--db', db]);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('log type: s3-access (detected');
    expect(run.stderr).toContain('log type: cloudtrail (detected');
    expect(run.stderr).toContain('ingested 31 records, 0 bad lines, 7 units read');
    const again = await runFlowlens(['ingest', S3_DIR, TRAIL_DIR, '--db', db, '--format', 'json']);
    expect(JSON.parse(again.stdout)).toMatchObject({ units: 0, skippedUnits: 7, records: 0 });
  });

  it("runs the seed's top-50 download IPs query (REST.GET.OBJECT, parse_datetime range)", async () => {
    const rows = await query(`SELECT SUM(objectsize) AS downloadTotal, remoteip
FROM s3_access
WHERE Operation='REST.GET.OBJECT' AND
parse_datetime(requestdatetime,'dd/MMM/yyyy:HH:mm:ss Z')
BETWEEN parse_datetime('2021-12-01','yyyy-MM-dd')
AND parse_datetime('2021-12-05','yyyy-MM-dd')
GROUP BY remoteip
ORDER BY downloadTotal LIMIT 50;`);
    expect(rows).toEqual([
      { downloadTotal: 4096, remoteip: '192.0.2.44' },
      { downloadTotal: 10485760, remoteip: '198.51.100.7' },
      { downloadTotal: 73400320, remoteip: '203.0.113.10' },
    ]);
  });

  it("runs the seed's top-50 copy IPs query (REST.COPY.OBJECT_GET)", async () => {
    const rows = await query(`SELECT SUM(objectsize) AS downloadTotal, remoteip
FROM s3_access
WHERE Operation='REST.COPY.OBJECT_GET' AND
parse_datetime(requestdatetime,'dd/MMM/yyyy:HH:mm:ss Z')
BETWEEN parse_datetime('2021-12-01','yyyy-MM-dd')
AND parse_datetime('2021-12-05','yyyy-MM-dd')
GROUP BY remoteip
ORDER BY downloadTotal LIMIT 50;`);
    expect(rows).toEqual([
      { downloadTotal: 10485760, remoteip: '203.0.113.99' },
      { downloadTotal: 52428800, remoteip: '198.51.100.7' },
    ]);
  });

  it("runs the seed's CloudTrail aggregation by useridentity.arn", async () => {
    const rows = await query(`SELECT useridentity.arn,
Count(requestid) AS RequestCount
FROM cloudtrail
WHERE eventsource='s3.amazonaws.com'
AND region='cn-north-1'
AND year='2021'
AND month='12'
AND day='05'
Group by useridentity.arn ORDER BY 2 DESC, 1 limit 20`);
    expect(rows).toEqual([
      { arn: 'arn:aws-cn:iam::111122223333:user/analyst', RequestCount: 3 },
      { arn: 'arn:aws-cn:sts::111122223333:assumed-role/etl-role/etl-session', RequestCount: 2 },
      { arn: 'arn:aws-cn:iam::111122223333:user/intern', RequestCount: 1 },
      { arn: null, RequestCount: 1 },
    ]);
  });

  it("runs the seed's aggregation by sourceipaddress, AWS internal sources excluded", async () => {
    const rows = await query(`SELECT count(requestid), sourceipaddress
FROM cloudtrail
WHERE eventsource='s3.amazonaws.com'
AND region='cn-north-1'
AND year='2021'
AND month='12'
AND day='05'
AND eventname in ('GetObject')
AND sourceipaddress not in ('AWS Internal', 'athena.amazonaws.com')
group by sourceipaddress ORDER BY sourceipaddress limit 20`);
    expect(rows).toEqual([
      { 'count(requestid)': 1, sourceipaddress: '192.0.2.44' },
      { 'count(requestid)': 1, sourceipaddress: '198.51.100.7' },
      { 'count(requestid)': 2, sourceipaddress: '203.0.113.10' },
    ]);
  });

  it("runs the seed's aggregation by eventname and its event-details query with json_extract_scalar", async () => {
    const byName = await query(`SELECT count(requestid), eventname
FROM cloudtrail
WHERE eventsource='s3.amazonaws.com'
AND region='cn-north-1'
AND year='2021'
AND month='12'
AND day='06'
AND sourceipaddress not in ('AWS Internal', 'athena.amazonaws.com')
group by eventname ORDER BY eventname limit 20`);
    expect(byName).toEqual([
      { 'count(requestid)': 1, eventname: 'DeleteObject' },
      { 'count(requestid)': 1, eventname: 'GetObject' },
    ]);
    const details = await query(`SELECT
  eventTime,
  eventName,
  sourceIpAddress,
  json_extract_scalar(requestParameters, '$.bucketName') as bucketName,
  json_extract_scalar(requestParameters, '$.key') as object,
  userIdentity.arn as userArn
FROM cloudtrail
WHERE eventsource='s3.amazonaws.com'
AND region='cn-north-1'
AND year='2021'
AND month='12'
AND day='06'
AND sourceipaddress not in ('AWS Internal', 'athena.amazonaws.com')
ORDER BY eventTime limit 100`);
    expect(details).toEqual([
      { eventtime: '2021-12-06T08:00:00Z', eventname: 'GetObject', sourceipaddress: '203.0.113.10', bucketName: 'ray-glue-streaming', object: 'data/2021/part-0004.parquet', userArn: 'arn:aws-cn:iam::111122223333:user/analyst' },
      { eventtime: '2021-12-06T09:30:00Z', eventname: 'DeleteObject', sourceipaddress: '192.0.2.44', bucketName: 'ray-glue-streaming', object: 'data/2021/part-0004.parquet', userArn: 'arn:aws-cn:iam::111122223333:user/intern' },
    ]);
  });

  it('prints a log table of the database with --log-type', async () => {
    const run = await runFlowlens(['print', '--log-type', 'cloudtrail', '--db', db, '--fields', 'eventtime,eventname,sourceipaddress', '--start', '2021-12-06T00:00:00Z', '--format', 'csv']);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toBe(
      'eventtime,eventname,sourceipaddress\n2021-12-06T08:00:00Z,GetObject,203.0.113.10\n2021-12-06T09:00:00Z,CopyObject,AWS Internal\n2021-12-06T09:30:00Z,DeleteObject,192.0.2.44\n',
    );
  });

  it('runs Logs Insights queries on the cloudtrail table: JSON field names, struct paths, @timestamp and @message', async () => {
    const run = await runFlowlens([
      'insights', '--log-type', 'cloudtrail', '--db', db, '--format', 'ndjson',
      'filter eventSource = "s3.amazonaws.com" and awsRegion = "cn-north-1" and sourceIPAddress not in ["AWS Internal", "athena.amazonaws.com"] | stats count(*) as requests by userIdentity.sessionContext.sessionIssuer.userName, eventName | sort requests desc, eventName | limit 3',
    ]);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(parseNdjson(run.stdout)).toEqual([
      { 'userIdentity.sessionContext.sessionIssuer.userName': null, eventName: 'GetObject', requests: 4 },
      { 'userIdentity.sessionContext.sessionIssuer.userName': null, eventName: 'DeleteObject', requests: 1 },
      { 'userIdentity.sessionContext.sessionIssuer.userName': 'etl-role', eventName: 'GetObject', requests: 1 },
    ]);
    const fields = await runFlowlens(['insights', '--log-type', 'cloudtrail', '--db', db, '--format', 'ndjson', 'fields @timestamp, eventName, requestParameters.key | filter @message like /Delete/']);
    expect(parseNdjson(fields.stdout)).toEqual([{ '@timestamp': '2021-12-06 09:30:00.000', eventName: 'DeleteObject', 'requestParameters.key': 'data/2021/part-0004.parquet' }]);
  });

  it('runs Logs Insights queries on s3_access with the CloudWatch JSON field names, in a time window', async () => {
    const run = await runFlowlens([
      'insights', '--log-type', 's3-access', '--db', db, '--format', 'ndjson', '--end', '2021-12-05T00:00:00Z',
      'filter operation = "REST.GET.OBJECT" and http_status < 300 | stats sum(object_size) as bytes by remote_ip | sort bytes desc',
    ]);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(parseNdjson(run.stdout)).toEqual([
      { remote_ip: '203.0.113.10', bytes: 73400320 },
      { remote_ip: '198.51.100.7', bytes: 10485760 },
      { remote_ip: '192.0.2.44', bytes: 4096 },
    ]);
    const explain = await runFlowlens(['insights', '--log-type', 's3-access', '--engine', 'athena', '--explain', 'stats count(*) by bin(1h)']);
    expect(explain.stdout).toContain('to_unixtime(r."request_time")');
    expect(explain.stdout).toContain('FROM "s3_access" AS r');
  });

  it('runs the S3 reports: top downloaders and copiers by object bytes in a date range, CloudTrail requests by identity, IP, event and bucket', async () => {
    const report = async (...args: string[]): Promise<Record<string, unknown>[]> => {
      const run = await runFlowlens(['report', ...args, '--db', db, '--format', 'ndjson']);
      expect(run).toMatchObject({ code: 0, stderr: '' });
      return parseNdjson(run.stdout);
    };
    const window = ['--start', '2021-12-01T00:00:00Z', '--end', '2021-12-05T00:00:00Z'];
    expect(await report('s3-top-downloaders', ...window)).toEqual([
      { remoteip: '203.0.113.10', objectbytes: 73400320, bytessent: 53477376, requests: 2 },
      { remoteip: '198.51.100.7', objectbytes: 10485760, bytessent: 10485760, requests: 1 },
      { remoteip: '192.0.2.44', objectbytes: 4096, bytessent: 4339, requests: 2 },
    ]);
    expect(await report('s3-top-copiers', ...window)).toEqual([
      { remoteip: '198.51.100.7', objectbytes: 52428800, bytessent: null, requests: 1 },
      { remoteip: '203.0.113.99', objectbytes: 10485760, bytessent: null, requests: 1 },
    ]);
    const day05 = ['--start', '2021-12-05T00:00:00Z', '--end', '2021-12-06T00:00:00Z'];
    expect((await report('cloudtrail-s3-by-identity', ...day05)).map((r) => [r.arn, r.requests])).toEqual([
      ['arn:aws-cn:iam::111122223333:user/analyst', 3],
      ['arn:aws-cn:sts::111122223333:assumed-role/etl-role/etl-session', 2],
      ['arn:aws-cn:iam::111122223333:user/intern', 1],
      [null, 1],
    ]);
    expect(await report('cloudtrail-s3-by-source-ip', ...day05)).toEqual([
      { sourceipaddress: '203.0.113.10', requests: 3 },
      { sourceipaddress: '198.51.100.7', requests: 2 },
      { sourceipaddress: '192.0.2.44', requests: 1 },
    ]);
    expect(await report('cloudtrail-s3-by-event', '--start', '2021-12-06T00:00:00Z')).toEqual([
      { eventname: 'DeleteObject', requests: 1 },
      { eventname: 'GetObject', requests: 1 },
    ]);
    expect((await report('cloudtrail-s3-bucket-events', '-p', 'bucket=ray-glue-streaming', '--start', '2021-12-06T00:00:00Z')).map((r) => [r.eventname, r.key, r.userarn])).toEqual([
      ['GetObject', 'data/2021/part-0004.parquet', 'arn:aws-cn:iam::111122223333:user/analyst'],
      ['DeleteObject', 'data/2021/part-0004.parquet', 'arn:aws-cn:iam::111122223333:user/intern'],
    ]);
  });

  it('queries SOURCEs straight from files, loading each log type into its table', async () => {
    const run = await runFlowlens(['query', 'SELECT (SELECT count(*) FROM cloudtrail) AS trail, (SELECT count(*) FROM s3_access) AS access', TRAIL_DIR, DOWNLOADS, '--format', 'ndjson']);
    expect(run.code).toBe(0);
    expect(parseNdjson(run.stdout)).toEqual([{ trail: 13, access: 11 }]);
  });
});
