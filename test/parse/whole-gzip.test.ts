import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodeLogUnit } from '../../src/parse/index.js';
import type { AnyLogSink, LogTypeChoice, ParseIssue } from '../../src/parse/index.js';
import { V2_HEADER } from '../helpers/temp-store.js';

const fixture = (path: string): Buffer => readFileSync(new URL(`../fixtures/${path}`, import.meta.url));
const S3_LINES = fixture('s3-access/aws-docs-2019.log');
const TRAIL = fixture('cloudtrail/AWSLogs/111122223333/CloudTrail/us-west-2/2019/02/01/111122223333_CloudTrail_us-west-2_20190201T0330Z_docsExample.json.gz');
const flowText = (n: number): string => `${V2_HEADER}\n${Array.from({ length: n }, (_, i) => `2 123456789010 eni-1 10.0.1.5 10.0.2.6 443 49152 6 10 ${i} 1439387263 1439387264 ACCEPT OK`).join('\n')}\n`;

// A unit whose bytes arrive whole (one chunk, as a small object read ahead does) or in chunks of `chunk` bytes.
function unit(bytes: Buffer, chunk: number) {
  return {
    key: 'unit.gz',
    kind: 'text' as const,
    open: async () =>
      Readable.from(
        (function* () {
          for (let i = 0; i < bytes.length; i += chunk) yield bytes.subarray(i, i + chunk);
        })(),
      ),
  };
}

async function decode(bytes: Buffer, logType: LogTypeChoice, chunk: number) {
  const rows: string[] = [];
  const issues: ParseIssue[] = [];
  let bytesRead = 0;
  const sink: AnyLogSink = {
    row: (_format, values) => rows.push(values.join(' ')),
    logRow: (type, values) => rows.push(`${type.name}:${values.join(' ')}`),
    issue: (issue) => issues.push(issue),
  };
  const counts = await decodeLogUnit(unit(bytes, chunk), sink, { logType, onBytes: (n) => (bytesRead += n) });
  return { rows, issues, bytesRead, counts };
}

describe('decodeLogUnit of gzip objects read whole', () => {
  it.each<[string, Buffer, LogTypeChoice]>([
    ['VPC flow logs', gzipSync(flowText(300)), 'vpc'],
    ['VPC flow logs, type detected', gzipSync(flowText(300)), 'auto'],
    ['S3 access logs', gzipSync(S3_LINES), 's3-access'],
    ['S3 access logs, type detected', gzipSync(S3_LINES), 'auto'],
    ['CloudTrail', TRAIL, 'cloudtrail'],
    ['CloudTrail, type detected', TRAIL, 'auto'],
    ['two gzip members one after the other', Buffer.concat([gzipSync(flowText(3)), gzipSync(flowText(4))]), 'auto'],
  ])('gives the rows and byte count of the streamed read: %s', async (_name, bytes, logType) => {
    const whole = await decode(bytes, logType, bytes.length);
    const streamed = await decode(bytes, logType, 97);
    expect(whole.rows.length).toBeGreaterThan(0);
    expect(whole.rows).toEqual(streamed.rows);
    expect(whole.issues).toEqual(streamed.issues);
    expect(whole.counts).toEqual(streamed.counts);
    expect(whole.bytesRead).toBe(bytes.length);
    expect(streamed.bytesRead).toBe(bytes.length);
  });

  it('reports a stream that breaks after its first chunk as broken input naming the cause', async () => {
    const first = gzipSync(flowText(3));
    const rows: string[] = [];
    const issues: ParseIssue[] = [];
    const broken = {
      key: 'broken.gz',
      kind: 'text' as const,
      open: async () =>
        Readable.from(
          (async function* () {
            yield first;
            throw new Error('connection reset');
          })(),
        ),
    };
    await decodeLogUnit(broken, { row: (_f, values) => rows.push(values.join(' ')), logRow: () => undefined, issue: (issue) => issues.push(issue) }, { logType: 'vpc' });
    expect(issues.map((issue) => [issue.code, issue.file, /connection reset/.test(issue.message)])).toEqual([['corrupt-input', 'broken.gz', true]]);
    expect(rows.length).toBeLessThanOrEqual(3);
  });

  it.each<LogTypeChoice>(['vpc', 'auto'])('keeps the rows before the break of a truncated whole object (%s)', async (logType) => {
    const gz = gzipSync(flowText(5000));
    const cut = gz.subarray(0, Math.floor(gz.length * 0.6));
    const { rows, issues, bytesRead } = await decode(cut, logType, cut.length);
    expect(rows.length).toBeGreaterThan(100);
    expect(rows.length).toBeLessThan(5000);
    expect(rows.every((row, i) => row.split(' ')[9] === String(i))).toBe(true);
    expect(issues.map((issue) => issue.code)).toEqual(['corrupt-input']);
    expect(bytesRead).toBe(cut.length);
  });
});
