import type { LogTableType } from '../../parse/index.js';
import type { SqlDialect } from '../../engines/index.js';
import type { InsightsSource, SourceField, ValueType } from './fields.js';

// Field names of S3 server access logs delivered to CloudWatch Logs as JSON ("Log format in CloudWatch Logs",
// Amazon S3 User Guide), mapped to the Athena-DDL columns of the s3_access table.
const S3_CLOUDWATCH_NAMES: Record<string, string> = {
  bucket_owner_id: 'bucketowner',
  remote_ip: 'remoteip',
  request_id: 'requestid',
  http_status: 'httpstatus',
  error_code: 'errorcode',
  bytes_sent: 'bytessent',
  object_size: 'objectsize',
  total_time: 'totaltime',
  turn_around_time: 'turnaroundtime',
  user_agent: 'useragent',
  version_id: 'versionid',
  host_id: 'hostid',
  signature_version: 'sigv',
  cipher_suite: 'ciphersuite',
  authentication_type: 'authtype',
  host_header: 'endpoint',
  tls_version: 'tlsversion',
  access_point_arn: 'accesspointarn',
  acl_required: 'aclrequired',
  source_region: 'sourceregion',
};

// CloudTrail events in CloudWatch Logs are JSON: Insights discovers requestParameters.bucketName and .key, which the
// cloudtrail table keeps as derived columns.
const CLOUDTRAIL_PATHS: Record<string, string> = { 'requestparameters.bucketname': 'bucketname', 'requestparameters.key': 'key' };

// What @message holds: S3 access records rebuilt as a space-separated line, CloudTrail events as a short summary.
const MESSAGE_COLUMNS: Record<string, readonly string[]> = {
  cloudtrail: ['eventtime', 'eventsource', 'eventname', 'awsregion', 'sourceipaddress', 'errorcode'],
};

/**
 * An S3 access or CloudTrail table as a Logs Insights source: fields by column name in any case (`eventName`,
 * `sourceIPAddress`), struct paths (`userIdentity.arn`, `userIdentity.sessionContext.sessionIssuer.arn`), the
 * CloudWatch JSON names of S3 access logs (`remote_ip`, `http_status`), `@timestamp` from the request or event
 * time and `@message` as a line of the record's text.
 */
export function logTableSource(type: LogTableType, options: { table?: string | undefined; where?: string | undefined } = {}): InsightsSource {
  const columns = new Map(type.columns.map((c) => [c.name, c]));
  const resolve = (name: string, dialect: SqlDialect): SourceField | undefined => {
    const lower = name.toLowerCase();
    const alias = type.name === 's3-access' ? S3_CLOUDWATCH_NAMES[lower] : CLOUDTRAIL_PATHS[lower];
    const columnName = alias ?? lower;
    const column = columns.get(columnName);
    if (column) {
      const sql = `r.${dialect.quoteIdentifier(column.name)}`;
      if (column.kind === 'timestamp') return { sql: epochMillis(sql, dialect), type: 'timestamp' };
      return { sql, type: valueType(column.kind), column: column.name };
    }
    const [head, ...path] = lower.split('.');
    if (path.length === 0 || columns.get(head ?? '')?.kind !== 'struct') return undefined;
    return { sql: [`r.${dialect.quoteIdentifier(head as string)}`, ...path.map((p) => dialect.quoteIdentifier(p))].join('.'), type: 'string' };
  };
  return {
    table: options.table ?? type.table,
    where: options.where,
    field(name, dialect) {
      if (name === '@timestamp') return resolve(type.timeColumn, dialect);
      if (name === '@message') {
        const names = MESSAGE_COLUMNS[type.name] ?? type.columns.filter((c) => c.record).map((c) => c.name);
        const parts = names.flatMap((c, i) => [...(i > 0 ? [dialect.literal(' ')] : []), `coalesce(${dialect.toText(`r.${dialect.quoteIdentifier(c)}`)}, '-')`]);
        return { sql: dialect.concat(parts), type: 'string' };
      }
      return resolve(name, dialect);
    },
    fieldNames: () => ['@timestamp', '@message', ...type.columns.map((c) => c.name)],
  };
}

function valueType(kind: string): ValueType {
  return kind === 'int32' || kind === 'int64' ? 'number' : kind === 'struct' ? 'any' : 'string';
}

function epochMillis(timestamp: string, dialect: SqlDialect): string {
  switch (dialect.name) {
    case 'athena':
      return `CAST(to_unixtime(${timestamp}) * 1000 AS BIGINT)`;
    case 'clickhouse':
      return `toUnixTimestamp64Milli(${timestamp})`;
    default:
      return `epoch_ms(${timestamp})`;
  }
}

/** The SQL condition of a --start/--end window (epoch seconds) on a log table's request or event time; undefined when open. */
export function logTimeWhere(type: LogTableType, window: { start?: number | undefined; end?: number | undefined }, dialect: SqlDialect): string | undefined {
  const time = dialect.quoteIdentifier(type.timeColumn);
  const parts: string[] = [];
  if (window.start !== undefined) parts.push(`${time} >= ${dialect.epochToTimestamp(String(Math.round(window.start * 1000)), 'ms')}`);
  if (window.end !== undefined) parts.push(`${time} < ${dialect.epochToTimestamp(String(Math.round(window.end * 1000)), 'ms')}`);
  return parts.length ? parts.join(' AND ') : undefined;
}
