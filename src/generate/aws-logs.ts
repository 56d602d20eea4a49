import { once } from 'node:events';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Writable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { Random } from './random.js';

/** The non-flow kinds `flowlens generate --kind` writes. */
export type AwsLogKind = 's3-access' | 'cloudtrail';

/** Options of writeAwsLogs: what to simulate, and where to write it (a folder laid out as AWS does, or a stream). */
export interface AwsLogsOptions {
  kind: AwsLogKind;
  records: number;
  seed: string | number;
  /** Epoch seconds of the first record. */
  start: number;
  hours: number;
  accountId?: string | undefined;
  region?: string | undefined;
  bucket?: string | undefined;
  out?: string | undefined;
  stream?: Writable | undefined;
  /** Seconds of requests per object (default 3600: one object per hour). */
  objectSeconds?: number | undefined;
}

/** What writeAwsLogs wrote. */
export interface AwsLogsSummary {
  records: number;
  objects: string[];
}

const OWNER = '79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be';
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
// Who reads the bucket: a few heavy downloaders, a backup job copying objects, a console user, Athena, strangers.
const CLIENTS = [
  { ip: '203.0.113.10', user: 'analyst', agent: 'aws-cli/2.15.0 Python/3.11.6 Linux/6.1 exe/x86_64', weight: 5 },
  { ip: '198.51.100.7', user: 'etl', agent: 'aws-sdk-java/2.21.0 Linux/5.10 OpenJDK_64-Bit_Server_VM/17', weight: 4 },
  { ip: '192.0.2.44', user: 'intern', agent: 'S3Console/0.4, aws-internal/3', weight: 1 },
  { ip: '203.0.113.99', user: 'backup', agent: 'aws-cli/2.15.0 command/s3.cp', weight: 2 },
  { ip: '198.18.0.250', user: null, agent: 'curl/8.4.0', weight: 1 },
] as const;

/** Writes deterministic synthetic S3 server access logs or CloudTrail S3 data events (same seed, same bytes). */
export async function writeAwsLogs(options: AwsLogsOptions): Promise<AwsLogsSummary> {
  const account = options.accountId ?? '123456789012';
  const region = options.region ?? 'us-east-1';
  const bucket = options.bucket ?? 'example-data-bucket';
  const random = new Random(options.seed);
  const span = Math.max(1, Math.round(options.hours * 3600));
  const times = Array.from({ length: options.records }, () => options.start + random.int(span)).sort((a, b) => a - b);
  const events = times.map((time, i) => simulateRequest(random, time, i));
  // One object per hour (or per objectSeconds), as AWS delivers both kinds of logs in small time slices.
  const slice = Math.max(1, Math.round(options.objectSeconds ?? 3600));
  const hours = new Map<number, Request[]>();
  for (const event of events) {
    const hour = Math.floor(event.time / slice) * slice;
    const batch = hours.get(hour);
    if (batch) batch.push(event);
    else hours.set(hour, [event]);
  }
  const objects: string[] = [];
  for (const [hour, batch] of hours) {
    const d = new Date(hour * 1000);
    const [y, m, day, h, mi, se] = [d.getUTCFullYear(), pad(d.getUTCMonth() + 1), pad(d.getUTCDate()), pad(d.getUTCHours()), pad(d.getUTCMinutes()), pad(d.getUTCSeconds())];
    const id = random.uint32().toString(16).toUpperCase().padStart(8, '0');
    const text =
      options.kind === 's3-access'
        ? `${batch.map((e) => accessLine(e, account, region, bucket)).join('\n')}\n`
        : `${JSON.stringify({ Records: batch.map((e) => trailEvent(e, account, region, bucket)) })}\n`;
    if (options.out === undefined) {
      if (options.stream && !options.stream.write(text)) await once(options.stream, 'drain');
      continue;
    }
    // S3 access logs use date-based partitioning ([account]/[region]/[bucket]/[YYYY]/[MM]/[DD]/[YYYY]-[MM]-[DD]-[hh]-[mm]-[ss]-[id]);
    // CloudTrail writes gzipped JSON under AWSLogs/{account}/CloudTrail/{region}/YYYY/MM/DD/.
    const key =
      options.kind === 's3-access'
        ? `${account}/${region}/${bucket}/${y}/${m}/${day}/${y}-${m}-${day}-${h}-${mi}-${se}-${id}${id}`
        : `AWSLogs/${account}/CloudTrail/${region}/${y}/${m}/${day}/${account}_CloudTrail_${region}_${y}${m}${day}T${h}${mi}Z_${id}.json.gz`;
    const path = join(options.out, key);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, options.kind === 's3-access' ? text : gzipSync(text));
    objects.push(path);
  }
  return { records: events.length, objects };
}

interface Request {
  time: number;
  index: number;
  client: (typeof CLIENTS)[number];
  action: 'GetObject' | 'PutObject' | 'CopyObject' | 'ListObjects' | 'DeleteObject';
  key: string;
  size: number;
  status: number;
  error: string | null;
  millis: number;
}

function simulateRequest(random: Random, time: number, index: number): Request {
  const client = weighted(random);
  const key = `data/${2020 + random.int(5)}/part-${String(random.int(400)).padStart(4, '0')}.parquet`;
  const action = client.user === 'backup' ? 'CopyObject' : random.chance(0.8) ? 'GetObject' : random.pick(['PutObject', 'ListObjects', 'DeleteObject'] as const);
  const denied = client.user === null || (client.user === 'intern' && random.chance(0.5));
  const missing = !denied && action === 'GetObject' && random.chance(0.03);
  return {
    time,
    index,
    client,
    action,
    key,
    size: random.logRange(1024, 512 * 1024 * 1024),
    status: denied ? 403 : missing ? 404 : 200,
    error: denied ? 'AccessDenied' : missing ? 'NoSuchKey' : null,
    millis: random.logRange(2, 20_000),
  };
}

function weighted(random: Random): (typeof CLIENTS)[number] {
  let n = random.int(CLIENTS.reduce((sum, c) => sum + c.weight, 0));
  for (const client of CLIENTS) if ((n -= client.weight) < 0) return client;
  return CLIENTS[0];
}

// One line of the format in "Amazon S3 server access log format" (Amazon S3 User Guide); a copy logs its GET half.
function accessLine(r: Request, account: string, region: string, bucket: string): string {
  const d = new Date(r.time * 1000);
  const time = `[${pad(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000]`;
  const operation = { GetObject: 'REST.GET.OBJECT', PutObject: 'REST.PUT.OBJECT', CopyObject: 'REST.COPY.OBJECT_GET', ListObjects: 'REST.GET.BUCKET', DeleteObject: 'REST.DELETE.OBJECT' }[r.action];
  const method = { GetObject: 'GET', PutObject: 'PUT', CopyObject: 'PUT', ListObjects: 'GET', DeleteObject: 'DELETE' }[r.action];
  const hasKey = r.action !== 'ListObjects';
  const uri = hasKey ? `${method} /${bucket}/${r.key} HTTP/1.1` : `GET /${bucket}?list-type=2&prefix=data%2F HTTP/1.1`;
  const sent = r.status === 200 && r.action === 'GetObject' ? r.size : r.error ? 243 : null;
  const size = r.status === 200 && hasKey && r.action !== 'DeleteObject' ? r.size : null;
  const requester = r.client.user ? `arn:aws:iam::${account}:user/${r.client.user}` : '-';
  const requestId = `${(r.index + 1).toString(16).toUpperCase().padStart(8, '0')}EXAMPLE`;
  return [
    OWNER, bucket, time, r.client.ip, requester, requestId, operation, hasKey ? r.key : '-', `"${uri}"`, r.status, r.error ?? '-',
    sent ?? '-', size ?? '-', r.millis, Math.max(1, Math.floor(r.millis / 10)), '"-"', `"${r.client.agent}"`, '-',
    `${requestId.toLowerCase()}EXAMPLEHOSTID=`, r.client.user ? 'SigV4' : '-', 'TLS_AES_128_GCM_SHA256', r.client.user ? 'AuthHeader' : '-',
    `${bucket}.s3.${region}.amazonaws.com`, 'TLSv1.3', '-', '-', region,
  ].join(' ');
}

// One S3 data event as CloudTrail records it ("CloudTrail log file entries for Amazon S3", Amazon S3 User Guide).
function trailEvent(r: Request, account: string, region: string, bucket: string): Record<string, unknown> {
  const identity = r.client.user === 'etl'
    ? {
        type: 'AssumedRole',
        principalId: 'AROAEXAMPLEROLEID0001:etl-session',
        arn: `arn:aws:sts::${account}:assumed-role/etl-role/etl-session`,
        accountId: account,
        accessKeyId: 'ASIAEXAMPLEKEY000001',
        sessionContext: {
          sessionIssuer: { type: 'Role', principalId: 'AROAEXAMPLEROLEID0001', arn: `arn:aws:iam::${account}:role/etl-role`, accountId: account, userName: 'etl-role' },
          attributes: { creationDate: new Date(Math.floor(r.time / 3600) * 3600_000).toISOString().replace('.000', ''), mfaAuthenticated: 'false' },
        },
      }
    : r.client.user
      ? { type: 'IAMUser', principalId: 'AIDAEXAMPLEUSERID001', arn: `arn:aws:iam::${account}:user/${r.client.user}`, accountId: account, accessKeyId: 'AKIAEXAMPLEKEY000001', userName: r.client.user }
      : { type: 'AWSAccount', principalId: '', accountId: 'anonymous' };
  const parameters: Record<string, unknown> = { bucketName: bucket, Host: `${bucket}.s3.${region}.amazonaws.com` };
  if (r.action !== 'ListObjects') parameters.key = r.action === 'CopyObject' ? `backup/${r.key}` : r.key;
  if (r.action === 'CopyObject') parameters['x-amz-copy-source'] = `${bucket}/${r.key}`;
  return {
    eventVersion: '1.09',
    userIdentity: identity,
    eventTime: new Date(r.time * 1000).toISOString().replace('.000', ''),
    eventSource: 's3.amazonaws.com',
    eventName: r.action,
    awsRegion: region,
    sourceIPAddress: r.action === 'CopyObject' && r.index % 2 === 0 ? 'AWS Internal' : r.client.ip,
    userAgent: r.client.agent,
    ...(r.error ? { errorCode: r.error, errorMessage: r.error === 'AccessDenied' ? 'Access Denied' : 'The specified key does not exist.' } : {}),
    requestParameters: parameters,
    responseElements: null,
    additionalEventData: { SignatureVersion: 'SigV4', CipherSuite: 'TLS_AES_128_GCM_SHA256', bytesTransferredIn: 0, AuthenticationMethod: 'AuthHeader', bytesTransferredOut: r.action === 'GetObject' && !r.error ? r.size : 0 },
    requestID: `${(r.index + 1).toString(16).toUpperCase().padStart(8, '0')}EXAMPLE`,
    eventID: `00000000-0000-4000-8000-${(r.index + 1).toString(16).padStart(12, '0')}`,
    readOnly: r.action === 'GetObject' || r.action === 'ListObjects',
    resources: [
      ...(r.action === 'ListObjects' ? [] : [{ type: 'AWS::S3::Object', ARN: `arn:aws:s3:::${bucket}/${parameters.key as string}` }]),
      { accountId: account, type: 'AWS::S3::Bucket', ARN: `arn:aws:s3:::${bucket}` },
    ],
    eventType: 'AwsApiCall',
    managementEvent: false,
    recipientAccountId: account,
    eventCategory: 'Data',
    tlsDetails: { tlsVersion: 'TLSv1.3', cipherSuite: 'TLS_AES_128_GCM_SHA256', clientProvidedHostHeader: parameters.Host },
  };
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}
