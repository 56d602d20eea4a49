import { gzipSync } from 'node:zlib';

/** The default (version 2) flow-log header line. */
export const V2_HEADER =
  'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status';

/** Options of flowLines: who wrote the records and when they start. */
export interface FlowLinesOptions {
  account?: string;
  start?: number;
  eni?: string;
  /** Distinguishes the records of different files (goes into srcport). */
  seed?: number;
}

/** `count` version-2 flow records (no header), one a minute from `start`. */
export function flowLines(count: number, options: FlowLinesOptions = {}): string[] {
  const account = options.account ?? '123456789012';
  const start = options.start ?? Date.UTC(2024, 0, 2, 10) / 1000;
  const eni = options.eni ?? 'eni-0a1b2c3d4e5f60718';
  const seed = options.seed ?? 0;
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    const t = start + i * 60;
    const action = i % 3 === 0 ? 'REJECT' : 'ACCEPT';
    lines.push(
      `2 ${account} ${eni} 10.0.${seed % 250}.${(i % 250) + 1} 10.1.0.${(i % 7) + 1} ${40000 + seed} ${i % 2 ? 443 : 22} 6 ${i + 1} ${(i + 1) * 100} ${t} ${t + 59} ${action} OK`,
    );
  }
  return lines;
}

/** An S3 flow-log object as AWS writes it: header line, records, gzip. */
export function flowLogObject(count: number, options: FlowLinesOptions = {}): Buffer {
  return gzipLines(flowLines(count, options));
}

/** Record lines as a flow-log object: the header line first, gzipped. */
export function gzipLines(lines: readonly string[]): Buffer {
  return gzipSync(`${[V2_HEADER, ...lines].join('\n')}\n`);
}

/** The AWS file name of a flow-log object delivered at `time` (epoch seconds). */
export function awsFileName(account: string, region: string, time: number, hash = 'a1b2c3d4'): string {
  const d = new Date(time * 1000);
  const pad = (n: number): string => String(n).padStart(2, '0');
  const stamp = `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}T${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}Z`;
  return `${account}_vpcflowlogs_${region}_fl-0123456789abcdef0_${stamp}_${hash}.log.gz`;
}

/** The plain AWS key of an object: AWSLogs/{account}/vpcflowlogs/{region}/YYYY/MM/DD[/HH]/file. */
export function plainKey(
  account: string,
  region: string,
  time: number,
  options: { hourly?: boolean; prefix?: string } = {},
): string {
  const d = new Date(time * 1000);
  const pad = (n: number): string => String(n).padStart(2, '0');
  const hour = options.hourly ? `${pad(d.getUTCHours())}/` : '';
  return `${options.prefix ?? ''}AWSLogs/${account}/vpcflowlogs/${region}/${d.getUTCFullYear()}/${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCDate())}/${hour}${awsFileName(account, region, time)}`;
}

/** The Hive-compatible AWS key of an object. */
export function hiveKey(
  account: string,
  region: string,
  time: number,
  options: { hourly?: boolean; prefix?: string } = {},
): string {
  const d = new Date(time * 1000);
  const pad = (n: number): string => String(n).padStart(2, '0');
  const hour = options.hourly ? `hour=${pad(d.getUTCHours())}/` : '';
  return `${options.prefix ?? ''}AWSLogs/aws-account-id=${account}/aws-service=vpcflowlogs/aws-region=${region}/year=${d.getUTCFullYear()}/month=${pad(d.getUTCMonth() + 1)}/day=${pad(d.getUTCDate())}/${hour}${awsFileName(account, region, time)}`;
}
