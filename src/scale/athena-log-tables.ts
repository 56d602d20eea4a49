import { UsageError } from '../records/index.js';
import type { AthenaTableSpec } from './athena-ddl.js';
import { DEFAULT_START_DATE } from './athena-ddl.js';

/** Options of the S3 server access log and CloudTrail tables. */
export interface AwsLogTableOptions {
  table?: string | undefined;
  database?: string | undefined;
  /** s3://bucket/prefix where the logs are delivered (see each builder for what it must point at). */
  location: string;
  startDate?: string | undefined;
  accounts?: readonly string[] | undefined;
  regions?: readonly string[] | undefined;
  /** S3 access logs: `date-based` delivery (default, partitioned) or `flat` (simple prefix: every object under it). */
  layout?: 'date-based' | 'flat' | undefined;
}

// Amazon S3 User Guide, "Amazon S3 server access log format": one space-separated record per request,
// time in brackets, request URI and user agent in quotes; newer fields are appended at the end.
const S3_ACCESS_LOG_COLUMNS: [string, string][] = [
  ['bucketowner', 'string'], ['bucket_name', 'string'], ['requestdatetime', 'string'], ['remoteip', 'string'],
  ['requester', 'string'], ['requestid', 'string'], ['operation', 'string'], ['key', 'string'], ['request_uri', 'string'],
  ['httpstatus', 'string'], ['errorcode', 'string'], ['bytessent', 'bigint'], ['objectsize', 'bigint'], ['totaltime', 'string'],
  ['turnaroundtime', 'string'], ['referrer', 'string'], ['useragent', 'string'], ['versionid', 'string'], ['hostid', 'string'],
  ['sigv', 'string'], ['ciphersuite', 'string'], ['authtype', 'string'], ['endpoint', 'string'], ['tlsversion', 'string'],
  ['accesspointarn', 'string'], ['aclrequired', 'string'],
];

// The RegexSerDe pattern of AWS's documented table: 18 fixed groups, then 8 optional trailing ones.
const S3_ACCESS_LOG_REGEX =
  '([^ ]*) ([^ ]*) \\[(.*?)\\] ([^ ]*) ([^ ]*) ([^ ]*) ([^ ]*) ([^ ]*) ("[^"]*"|-) (-|[0-9]*) ([^ ]*) ([^ ]*) ([^ ]*) ([^ ]*) ([^ ]*) ([^ ]*) ("[^"]*"|-) ([^ ]*)' +
  '(?: ([^ ]*) ([^ ]*) ([^ ]*) ([^ ]*) ([^ ]*) ([^ ]*) ([^ ]*) ([^ ]*))?.*$';

/**
 * The S3 server access log table for date-based partitioned delivery
 * ([prefix][SourceAccountId]/[SourceRegion]/[SourceBucket]/[YYYY]/[MM]/[DD]/), with partition projection;
 * `location` is the destination prefix. Source bucket and account are injected (name them in WHERE). With layout
 * `flat` (simple delivery, `[prefix]YYYY-mm-DD-HH-MM-SS-UniqueString`) the table has no partitions and reads the prefix.
 */
export function buildS3AccessLogTable(options: AwsLogTableOptions): AthenaTableSpec {
  const location = prefix(options.location);
  if (options.layout === 'flat') {
    // Simple (non-date-based) delivery writes every object straight under the prefix: no partitions to project.
    return { ...buildS3AccessLogTable({ ...options, layout: undefined }), partitions: [], location, properties: {} };
  }
  return {
    database: options.database,
    table: options.table ?? 's3_access_logs',
    columns: S3_ACCESS_LOG_COLUMNS.map(([name, type]) => ({ name, type })),
    partitions: [
      { name: 'source_account', type: 'string' },
      { name: 'source_region', type: 'string' },
      { name: 'source_bucket', type: 'string' },
      { name: 'timestamp', type: 'string' },
    ],
    storage: [
      "ROW FORMAT SERDE 'org.apache.hadoop.hive.serde2.RegexSerDe'",
      `WITH SERDEPROPERTIES ('input.regex' = '${S3_ACCESS_LOG_REGEX.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}')`,
      "STORED AS INPUTFORMAT 'org.apache.hadoop.mapred.TextInputFormat'",
      "OUTPUTFORMAT 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat'",
    ].join('\n'),
    location,
    properties: {
      'projection.enabled': 'true',
      ...list('source_account', options.accounts),
      ...list('source_region', options.regions),
      'projection.source_bucket.type': 'injected',
      ...dateProjection('timestamp', options.startDate),
      'storage.location.template': `${location}\${source_account}/\${source_region}/\${source_bucket}/\${timestamp}`,
    },
  };
}

/**
 * The CloudTrail table (Athena User Guide, "Create the table for CloudTrail logs in Athena using partition projection");
 * `location` is the prefix holding AWSLogs/.
 */
export function buildCloudTrailTable(options: AwsLogTableOptions): AthenaTableSpec {
  const location = prefix(options.location);
  return {
    database: options.database,
    table: options.table ?? 'cloudtrail_logs',
    columns: CLOUDTRAIL_COLUMNS.map(([name, type]) => ({ name, type })),
    partitions: [
      { name: 'aws_account', type: 'string' },
      { name: 'aws_region', type: 'string' },
      { name: 'timestamp', type: 'string' },
    ],
    storage: [
      "ROW FORMAT SERDE 'org.apache.hive.hcatalog.data.JsonSerDe'",
      "STORED AS INPUTFORMAT 'com.amazon.emr.cloudtrail.CloudTrailInputFormat'",
      "OUTPUTFORMAT 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat'",
    ].join('\n'),
    location,
    properties: {
      'projection.enabled': 'true',
      ...list('aws_account', options.accounts),
      ...list('aws_region', options.regions),
      ...dateProjection('timestamp', options.startDate),
      'storage.location.template': `${location}AWSLogs/\${aws_account}/CloudTrail/\${aws_region}/\${timestamp}`,
    },
  };
}

const SESSION_CONTEXT =
  'STRUCT<attributes:STRUCT<mfaauthenticated:STRING,creationdate:STRING>,' +
  'sessionissuer:STRUCT<type:STRING,principalid:STRING,arn:STRING,accountid:STRING,username:STRING>,' +
  'ec2roledelivery:STRING,webidfederationdata:STRUCT<federatedprovider:STRING,attributes:MAP<STRING,STRING>>>';

// CloudTrail record contents (CloudTrail User Guide, "CloudTrail record contents"); nested JSON kept as strings.
const CLOUDTRAIL_COLUMNS: [string, string][] = [
  ['eventversion', 'STRING'],
  [
    'useridentity',
    'STRUCT<type:STRING,principalid:STRING,arn:STRING,accountid:STRING,invokedby:STRING,accesskeyid:STRING,username:STRING,' +
      `onbehalfof:STRUCT<userid:STRING,identitystorearn:STRING>,sessioncontext:${SESSION_CONTEXT}>`,
  ],
  ['eventtime', 'STRING'], ['eventsource', 'STRING'], ['eventname', 'STRING'], ['awsregion', 'STRING'],
  ['sourceipaddress', 'STRING'], ['useragent', 'STRING'], ['errorcode', 'STRING'], ['errormessage', 'STRING'],
  ['requestparameters', 'STRING'], ['responseelements', 'STRING'], ['additionaleventdata', 'STRING'],
  ['requestid', 'STRING'], ['eventid', 'STRING'], ['readonly', 'STRING'],
  ['resources', 'ARRAY<STRUCT<arn:STRING,accountid:STRING,type:STRING>>'],
  ['eventtype', 'STRING'], ['apiversion', 'STRING'], ['recipientaccountid', 'STRING'], ['serviceeventdetails', 'STRING'],
  ['sharedeventid', 'STRING'], ['vpcendpointid', 'STRING'], ['vpcendpointaccountid', 'STRING'], ['eventcategory', 'STRING'],
  ['addendum', 'STRUCT<reason:STRING,updatedfields:STRING,originalrequestid:STRING,originaleventid:STRING>'],
  ['sessioncredentialfromconsole', 'STRING'], ['edgedevicedetails', 'STRING'],
  ['tlsdetails', 'STRUCT<tlsversion:STRING,ciphersuite:STRING,clientprovidedhostheader:STRING>'],
];

function dateProjection(column: string, startDate: string | undefined): Record<string, string> {
  const start = (startDate ?? DEFAULT_START_DATE).replaceAll('-', '/');
  if (!/^\d{4}\/\d{2}\/\d{2}$/.test(start)) throw new UsageError(`"${startDate}" is not a date like 2024/01/31`);
  return {
    [`projection.${column}.type`]: 'date',
    [`projection.${column}.range`]: `${start},NOW`,
    [`projection.${column}.format`]: 'yyyy/MM/dd',
    [`projection.${column}.interval`]: '1',
    [`projection.${column}.interval.unit`]: 'DAYS',
  };
}

function list(column: string, values: readonly string[] | undefined): Record<string, string> {
  if (!values || values.length === 0) return { [`projection.${column}.type`]: 'injected' };
  return { [`projection.${column}.type`]: 'enum', [`projection.${column}.values`]: values.join(',') };
}

function prefix(location: string): string {
  if (!/^s3:\/\/[^/]+/.test(location)) throw new UsageError(`--location "${location}" is not an s3://bucket/prefix location`);
  return location.endsWith('/') ? location : `${location}/`;
}
