import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  CLOUDTRAIL_COLUMNS,
  CloudTrailDecoder,
  parseCloudTrailKey,
  parseLogText,
  shapeSqlType,
  toShape,
  USER_IDENTITY_SHAPE,
} from '../../../src/parse/index.js';
import type { LogValue, ParseIssue } from '../../../src/parse/index.js';

const ROOT = new URL('../../fixtures/cloudtrail/', import.meta.url);
const DOCS_KEY = 'AWSLogs/111122223333/CloudTrail/us-west-2/2019/02/01/111122223333_CloudTrail_us-west-2_20190201T0330Z_docsExample.json.gz';
const DAY05_KEY = 'AWSLogs/111122223333/CloudTrail/cn-north-1/2021/12/05/111122223333_CloudTrail_cn-north-1_20211205T0405Z_s3DataEvents.json.gz';
const gz = (key: string): string => gunzipSync(readFileSync(new URL(key, ROOT))).toString('utf8');

function decode(text: string, file = 'events.json'): { rows: Record<string, LogValue>[]; issues: ParseIssue[] } {
  const rows: Record<string, LogValue>[] = [];
  const issues: ParseIssue[] = [];
  const decoder = new CloudTrailDecoder(
    {
      row: (_type, values) => rows.push(structuredClone(Object.fromEntries(CLOUDTRAIL_COLUMNS.map((c, i) => [c.name, values[i] ?? null])))),
      issue: (issue) => issues.push(issue),
    },
    file,
  );
  decoder.pushText(text);
  return { rows, issues };
}

const event = (fields: Record<string, unknown> = {}): Record<string, unknown> => ({
  eventVersion: '1.08',
  eventTime: '2021-12-05T01:02:03Z',
  eventSource: 's3.amazonaws.com',
  eventName: 'GetObject',
  awsRegion: 'cn-north-1',
  ...fields,
});

describe('CloudTrailDecoder', () => {
  it("reads AWS's documented S3 example file (pretty-printed {\"Records\": [...]}) with partitions from the object key", () => {
    const { rows, issues } = decode(gz(DOCS_KEY), DOCS_KEY);
    expect(issues).toEqual([]);
    expect(rows.map((r) => r.eventname)).toEqual(['ListBuckets', 'PutBucketAcl', 'GetBucketVersioning']);
    expect(rows[0]).toMatchObject({
      eventversion: '1.03',
      useridentity: {
        type: 'IAMUser',
        principalid: '111122223333',
        arn: 'arn:aws:iam::111122223333:user/myUserName',
        accountid: '111122223333',
        invokedby: null,
        accesskeyid: 'AKIAIOSFODNN7EXAMPLE',
        username: 'myUserName',
        onbehalfof: null,
        sessioncontext: null,
      },
      eventtime: '2019-02-01T03:18:19Z',
      eventsource: 's3.amazonaws.com',
      awsregion: 'us-west-2',
      sourceipaddress: '127.0.0.1',
      useragent: '[]',
      requestparameters: '{"host":["s3.us-west-2.amazonaws.com"]}',
      responseelements: null,
      additionaleventdata: '{"SignatureVersion":"SigV2","AuthenticationMethod":"QueryString","aclRequired":"Yes"}',
      requestid: '47B8E8D397DCE7A6',
      eventid: 'cdc4b7ed-e171-4cef-975a-ad829d4123e8',
      resources: null,
      eventtype: 'AwsApiCall',
      recipientaccountid: '444455556666',
      region: 'us-west-2',
      year: '2019',
      month: '02',
      day: '01',
      event_time: Date.UTC(2019, 1, 1, 3, 18, 19),
    });
    expect(rows[2]).toMatchObject({ bucketname: 'DOC-EXAMPLE-BUCKET1', key: null });
  });

  it('flattens an assumed role identity with its session issuer, and lowercases nested keys (ARN → arn)', () => {
    const { rows } = decode(gz(DAY05_KEY), DAY05_KEY);
    const role = rows.find((r) => r.eventname === 'PutObject');
    expect(role?.useridentity).toEqual({
      type: 'AssumedRole',
      principalid: 'AROAIDPPEZS35WEXAMPLE:etl-session',
      arn: 'arn:aws-cn:sts::111122223333:assumed-role/etl-role/etl-session',
      accountid: '111122223333',
      invokedby: null,
      accesskeyid: 'ASIAIOSFODNN7EXAMPLE',
      username: null,
      onbehalfof: null,
      sessioncontext: {
        attributes: { mfaauthenticated: 'false', creationdate: '2021-12-05T01:00:00Z' },
        sessionissuer: { type: 'Role', principalid: 'AROAIDPPEZS35WEXAMPLE', arn: 'arn:aws-cn:iam::111122223333:role/etl-role', accountid: '111122223333', username: 'etl-role' },
        ec2roledelivery: null,
        webidfederationdata: { federatedprovider: null, attributes: null },
      },
    });
    expect(role).toMatchObject({ readonly: 'false', bucketname: 'ray-glue-streaming', key: 'backup/part-0003.parquet', eventcategory: 'Data' });
    expect(role?.resources).toEqual([
      { arn: 'arn:aws-cn:s3:::ray-glue-streaming/backup/part-0003.parquet', accountid: null, type: 'AWS::S3::Object' },
      { arn: 'arn:aws-cn:s3:::ray-glue-streaming', accountid: '111122223333', type: 'AWS::S3::Bucket' },
    ]);
    expect(role?.tlsdetails).toEqual({ tlsversion: 'TLSv1.2', ciphersuite: 'ECDHE-RSA-AES128-GCM-SHA256', clientprovidedhostheader: 'ray-glue-streaming.s3.cn-north-1.amazonaws.com.cn' });
    expect(rows.find((r) => r.sourceipaddress === 'athena.amazonaws.com')?.useridentity).toMatchObject({ type: 'AWSService', invokedby: 'athena.amazonaws.com', arn: null });
    expect(rows.find((r) => r.errorcode !== null)).toMatchObject({ errorcode: 'AccessDenied', errormessage: 'Access Denied', key: 'secret/keys.csv' });
  });

  it('takes the partition columns from awsregion and eventtime when the file is not under AWSLogs/', () => {
    const { rows } = decode(JSON.stringify({ Records: [event({ requestParameters: { bucketName: 'b', Key: 'outposts/key' } })] }));
    expect(rows[0]).toMatchObject({ region: 'cn-north-1', year: '2021', month: '12', day: '05', bucketname: 'b', key: 'outposts/key' });
  });

  it('keeps CloudTrail Insights events, taking eventsource and eventname from insightDetails', () => {
    // The shape of an Insights event in "CloudTrail Insights events" (CloudTrail User Guide).
    const insight = {
      eventVersion: '1.08',
      eventTime: '2023-11-14T00:51:00Z',
      awsRegion: 'us-east-1',
      eventID: 'EXAMPLE8-9621-4d00-b913-beca2EXAMPLE',
      eventType: 'AwsCloudTrailInsight',
      recipientAccountId: '123456789012',
      sharedEventID: 'EXAMPLE2-1729-42f1-b735-5d8a0EXAMPLE',
      insightDetails: { state: 'Start', eventSource: 'ssm.amazonaws.com', eventName: 'UpdateInstanceAssociationStatus', insightType: 'ApiCallRateInsight' },
      eventCategory: 'Insight',
    };
    const { rows, issues } = decode(JSON.stringify({ Records: [insight, event({ managementEvent: false, eventID: 'data' })] }));
    expect(issues).toEqual([]);
    expect(rows[0]).toMatchObject({ eventtype: 'AwsCloudTrailInsight', eventsource: 'ssm.amazonaws.com', eventname: 'UpdateInstanceAssociationStatus', eventcategory: 'Insight' });
    expect(JSON.parse(String(rows[0]?.insightdetails))).toMatchObject({ state: 'Start', insightType: 'ApiCallRateInsight' });
    expect(rows[1]).toMatchObject({ eventid: 'data', managementevent: 'false', insightdetails: null });
  });

  it('reads one event per line (CloudTrail in CloudWatch Logs) and numbers bad lines', () => {
    const text = [JSON.stringify(event({ eventID: 'a' })), '', '{"eventVersion": broken', JSON.stringify(event({ eventID: 'b' }))].join('\n');
    const { rows, issues } = decode(text);
    expect(rows.map((r) => r.eventid)).toEqual(['a', 'b']);
    expect(issues).toEqual([expect.objectContaining({ code: 'bad-json', file: 'events.json', line: 3 })]);
  });

  it('reads `aws logs filter-log-events` output whose messages are CloudTrail events', () => {
    const text = JSON.stringify({ events: [{ message: JSON.stringify(event({ eventID: 'x' })) }, { message: 'not json' }] });
    const { rows, issues } = decode(text);
    expect(rows.map((r) => r.eventid)).toEqual(['x']);
    expect(issues).toEqual([expect.objectContaining({ code: 'bad-json', line: 1, message: expect.stringContaining('events[1]') })]);
  });

  it('keeps the good records of a file and reports the bad ones by position', () => {
    const text = JSON.stringify({ Records: [event({ eventID: 'ok' }), 'oops', event({ eventTime: 'yesterday' }), { hello: 'world' }] });
    const { rows, issues } = decode(text, 'trail.json');
    expect(rows.map((r) => r.eventid)).toEqual(['ok']);
    expect(issues.map((i) => [i.code, i.field, i.message.split(':')[0]])).toEqual([
      ['bad-json', undefined, 'CloudTrail Records[1]'],
      ['bad-value', 'eventtime', 'CloudTrail Records[2]'],
      ['bad-value', 'eventtime', 'CloudTrail Records[3]'],
    ]);
    expect(issues.every((i) => i.file === 'trail.json' && i.line === 1)).toBe(true);
  });

  it('reports a truncated document once', () => {
    const { rows, issues } = decode(gz(DOCS_KEY).slice(0, 500));
    expect(rows).toEqual([]);
    expect(issues).toEqual([expect.objectContaining({ code: 'bad-json', line: 1, message: expect.stringContaining('not valid JSON') })]);
  });

  it('skips digest files, which hold no events', () => {
    expect(decode(JSON.stringify({ awsAccountId: '1', digestStartTime: '2021-12-06T09:00:00Z', logFiles: [] }))).toEqual({ rows: [], issues: [] });
  });
});

describe('parseCloudTrailKey', () => {
  it.each([
    ['s3://trail/AWSLogs/111122223333/CloudTrail/cn-north-1/2021/12/05/x.json.gz', { account: '111122223333', region: 'cn-north-1', year: '2021', month: '12', day: '05' }],
    ['AWSLogs/o-abc123def4/111122223333/CloudTrail/us-east-1/2024/01/31/x.json.gz', { account: '111122223333', region: 'us-east-1', year: '2024', month: '01', day: '31' }],
    ['C:\\logs\\AWSLogs\\111122223333\\CloudTrail\\eu-west-1\\2023\\07\\04\\x.json', { account: '111122223333', region: 'eu-west-1', year: '2023', month: '07', day: '04' }],
    ['AWSLogs/111122223333/vpcflowlogs/us-east-1/2024/01/31/x.log.gz', null],
  ])('reads %s', (key, expected) => {
    expect(parseCloudTrailKey(key)).toEqual(expected);
  });
});

describe('toShape', () => {
  it('fills every declared key, converts scalars to text and ignores undeclared keys', () => {
    expect(toShape({ Type: 'Root', ARN: 'arn', accountId: 123, extra: true, sessionContext: { attributes: { mfaAuthenticated: false } } }, USER_IDENTITY_SHAPE)).toMatchObject({
      type: 'Root',
      arn: 'arn',
      accountid: '123',
      sessioncontext: { attributes: { mfaauthenticated: 'false', creationdate: null }, sessionissuer: null },
    });
  });

  it('spells the DuckDB type of the Athena struct', () => {
    expect(shapeSqlType(USER_IDENTITY_SHAPE)).toContain('"sessionissuer" STRUCT("type" VARCHAR, "principalid" VARCHAR, "arn" VARCHAR, "accountid" VARCHAR, "username" VARCHAR)');
    expect(shapeSqlType(USER_IDENTITY_SHAPE)).toContain('"attributes" MAP(VARCHAR, VARCHAR)');
  });
});

describe('parseLogText on CloudTrail', () => {
  it('prints the record fields in the order of the Athena DDL', () => {
    const result = parseLogText(gz(DOCS_KEY));
    expect(result.logType).toBe('cloudtrail');
    expect(Object.keys(result.records[0] ?? {})).toEqual([
      'eventversion', 'useridentity', 'eventtime', 'eventsource', 'eventname', 'awsregion', 'sourceipaddress', 'useragent', 'errorcode',
      'errormessage', 'requestparameters', 'responseelements', 'additionaleventdata', 'requestid', 'eventid', 'resources', 'eventtype',
      'apiversion', 'readonly', 'recipientaccountid', 'serviceeventdetails', 'sharedeventid', 'vpcendpointid', 'vpcendpointaccountid',
      'eventcategory', 'addendum', 'sessioncredentialfromconsole', 'edgedevicedetails', 'tlsdetails', 'managementevent', 'insightdetails',
    ]);
  });
});
