import type { ReportContext, ReportDefinition } from './types.js';

// Reports on the s3_access and cloudtrail tables (docs/s3-access-and-cloudtrail.md): the seed's "How to check the
// Internet Traffic" Athena queries for S3, defined once for every engine. The date range is --start/--end on the
// request / event time, as the seed's parse_datetime(...) BETWEEN ... and year/month/day conditions did.

/** Top downloaders (REST.GET.OBJECT) or copiers (REST.COPY.OBJECT_GET) by object bytes, per remote IP. */
function s3Transfers(name: string, operation: string, what: string, origin: string): ReportDefinition {
  return {
    name,
    description: `S3 access logs: the remote IPs that ${what} the most object bytes (${operation})`,
    defaultLimit: 50,
    params: [],
    origin,
    logType: 's3-access',
    build(ctx) {
      const d = ctx.dialect;
      const [size, ip, op, sent] = ['objectsize', 'remoteip', 'operation', 'bytessent'].map((c) => d.quoteIdentifier(c));
      return `SELECT ${ip}, sum(${size}) AS objectbytes, sum(${sent}) AS bytessent, count(*) AS requests
FROM ${d.quoteIdentifier(ctx.table)}
${where(ctx, `${op} = ${d.literal(operation)}`)}
GROUP BY ${ip}
ORDER BY objectbytes DESC, ${ip}
${d.limit(ctx.limit ?? 50)}`;
    },
  };
}

export const s3TopDownloaders = s3Transfers('s3-top-downloaders', 'REST.GET.OBJECT', 'downloaded', "seed 003's Athena query Top 50 Download IP");
export const s3TopCopiers = s3Transfers('s3-top-copiers', 'REST.COPY.OBJECT_GET', 'copied', "seed 003's Athena query Top 50 Copy data IP");

// Requests AWS makes on the user's behalf carry a service name, not an address (CloudTrail userIdentity docs).
function s3Requests(ctx: ReportContext, r: string): string {
  const d = ctx.dialect;
  return `${r}.${d.quoteIdentifier('eventsource')} = ${d.literal('s3.amazonaws.com')}`;
}

function notInternal(ctx: ReportContext, r: string): string {
  const d = ctx.dialect;
  return `${r}.${d.quoteIdentifier('sourceipaddress')} NOT IN (${d.literal('AWS Internal')}, ${d.literal('athena.amazonaws.com')})`;
}

/** CloudTrail S3 requests counted by one expression (identity ARN, source IP, event name). */
function trailCounts(name: string, description: string, key: (ctx: ReportContext, r: string) => string, label: string, internal: boolean, origin: string): ReportDefinition {
  return {
    name,
    description,
    defaultLimit: 20,
    params: [],
    origin,
    logType: 'cloudtrail',
    build(ctx) {
      const d = ctx.dialect;
      const k = key(ctx, 'r');
      const conditions = [s3Requests(ctx, 'r'), ...(internal ? [] : [notInternal(ctx, 'r')])];
      return `SELECT ${k} AS ${d.quoteIdentifier(label)}, count(r.${d.quoteIdentifier('requestid')}) AS requests
FROM ${d.quoteIdentifier(ctx.table)} AS r
${where(ctx, conditions.join(' AND '))}
GROUP BY ${k}
ORDER BY requests DESC, ${k}
${d.limit(ctx.limit ?? 20)}`;
    },
  };
}

export const cloudtrailS3ByIdentity = trailCounts(
  'cloudtrail-s3-by-identity',
  'CloudTrail: S3 requests per identity ARN (useridentity.arn)',
  (ctx, r) => `${r}.${ctx.dialect.quoteIdentifier('useridentity')}.${ctx.dialect.quoteIdentifier('arn')}`,
  'arn',
  true,
  "seed 003's Athena query Aggregate by useridentity.arn",
);
export const cloudtrailS3BySourceIp = trailCounts(
  'cloudtrail-s3-by-source-ip',
  "CloudTrail: S3 requests per source IP, AWS-internal sources ('AWS Internal', athena.amazonaws.com) left out",
  (ctx, r) => `${r}.${ctx.dialect.quoteIdentifier('sourceipaddress')}`,
  'sourceipaddress',
  false,
  "seed 003's Athena query Aggregate by sourceipaddress",
);
export const cloudtrailS3ByEvent = trailCounts(
  'cloudtrail-s3-by-event',
  'CloudTrail: S3 requests per event name, AWS-internal sources left out',
  (ctx, r) => `${r}.${ctx.dialect.quoteIdentifier('eventname')}`,
  'eventname',
  false,
  "seed 003's Athena query Aggregate by eventname",
);

/** The S3 events of one bucket: who did what to which key, from where. */
export const cloudtrailS3BucketEvents: ReportDefinition = {
  name: 'cloudtrail-s3-bucket-events',
  description: 'CloudTrail: the S3 events of a bucket (time, event, source IP, key, identity), AWS-internal sources left out',
  defaultLimit: 100,
  params: [{ name: 'bucket', description: 'bucket name (requestParameters.bucketName)', default: undefined, kind: 'string' }],
  origin: "seed 003's Athena query Check event details",
  logType: 'cloudtrail',
  build(ctx) {
    const d = ctx.dialect;
    const q = (c: string): string => `r.${d.quoteIdentifier(c)}`;
    const conditions = [s3Requests(ctx, 'r'), notInternal(ctx, 'r'), `${q('bucketname')} = ${d.literal(String(ctx.params.bucket))}`];
    return `SELECT ${q('eventtime')}, ${q('eventname')}, ${q('sourceipaddress')}, ${q('bucketname')}, ${q('key')}, ${q('useridentity')}.${d.quoteIdentifier('arn')} AS ${d.quoteIdentifier('userarn')}, ${q('errorcode')}
FROM ${d.quoteIdentifier(ctx.table)} AS r
${where(ctx, conditions.join(' AND '))}
ORDER BY ${q('eventtime')}, ${q('eventid')}
${d.limit(ctx.limit ?? 100)}`;
  },
};

/** The log reports, in the order `flowlens report --list` shows them. */
export const LOG_REPORTS: readonly ReportDefinition[] = [
  s3TopDownloaders,
  s3TopCopiers,
  cloudtrailS3ByIdentity,
  cloudtrailS3BySourceIp,
  cloudtrailS3ByEvent,
  cloudtrailS3BucketEvents,
];

function where(ctx: ReportContext, condition: string): string {
  return `WHERE ${[ctx.where.trim() === 'TRUE' ? undefined : `(${ctx.where})`, condition].filter((p) => p !== undefined).join(' AND ')}`;
}
