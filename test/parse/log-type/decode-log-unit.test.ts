import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodeLogUnit, detectLogType, findLogTableType, parseLogTypeChoice } from '../../../src/parse/index.js';
import type { AnyLogSink, LogTypeChoice, LogTypeName, ParseIssue } from '../../../src/parse/index.js';
import { SourceError } from '../../../src/records/index.js';

const fixture = (path: string): Buffer => readFileSync(new URL(`../../fixtures/${path}`, import.meta.url));
const S3_LINES = fixture('s3-access/aws-docs-2019.log');
const FLOW_LINES = fixture('aws-docs/default-v2.log');
const TRAIL = fixture('cloudtrail/AWSLogs/111122223333/CloudTrail/us-west-2/2019/02/01/111122223333_CloudTrail_us-west-2_20190201T0330Z_docsExample.json.gz');

function unit(bytes: Buffer, key = 'unit', kind: 'text' | 'parquet' = 'text', chunk = 1000) {
  return {
    key,
    kind,
    open: async () => Readable.from((function* () {
      for (let i = 0; i < bytes.length; i += chunk) yield bytes.subarray(i, i + chunk);
    })()),
  };
}

async function decode(bytes: Buffer, logType: LogTypeChoice, key = 'unit') {
  const flows: unknown[] = [];
  const logs: string[] = [];
  const issues: ParseIssue[] = [];
  const types: LogTypeName[] = [];
  let bytesRead = 0;
  const sink: AnyLogSink = {
    row: (_format, values) => flows.push(values[0]),
    logRow: (type) => logs.push(type.name),
    issue: (issue) => issues.push(issue),
  };
  const counts = await decodeLogUnit(unit(bytes, key), sink, { logType, onLogType: (type) => types.push(type), onBytes: (n) => (bytesRead += n) });
  return { counts, flows, logs, issues, types, bytesRead };
}

describe('detectLogType', () => {
  it.each([
    ['a default-format flow log line', '2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK\n', 'vpc'],
    ['a flow log header line', 'version account-id interface-id srcaddr dstaddr\n', 'vpc'],
    ['CloudWatch Logs flow events', '{"timestamp":1,"message":"2 123456789010 eni-1 1.2.3.4 5.6.7.8 1 2 6 1 1 1 2 ACCEPT OK"}\n', 'vpc'],
    ['an S3 server access log line', `${S3_LINES.toString('utf8').split('\n')[0]}\n`, 's3-access'],
    ['a CloudTrail file', '{"Records":[{"eventVersion":"1.08","eventTime":"2021-12-05T01:02:03Z"}]}', 'cloudtrail'],
    ['a pretty-printed CloudTrail file', '{\n  "Records": [\n    {\n      "eventVersion": "1.03"', 'cloudtrail'],
    ['CloudTrail events inside CloudWatch Logs messages', '{"events":[{"message":"{\\"eventVersion\\":\\"1.08\\",\\"eventSource\\":\\"s3.amazonaws.com\\"}"}]}', 'cloudtrail'],
    ['a CloudTrail digest file', '{"awsAccountId":"1","digestStartTime":"2021-12-06T09:00:00Z"}', 'cloudtrail'],
    ['nothing', '\n\n', 'vpc'],
  ])('reads %s as %s', (_label, sample, expected) => {
    expect(detectLogType(sample)).toBe(expected);
  });
});

describe('parseLogTypeChoice', () => {
  it('accepts the three names, auto and a few aliases, and refuses others with a usage error', () => {
    expect(['vpc', 's3-access', 'cloudtrail', 'auto', undefined, 'S3', 'flow'].map((t) => parseLogTypeChoice(t))).toEqual(['vpc', 's3-access', 'cloudtrail', 'auto', 'auto', 's3-access', 'vpc']);
    expect(() => parseLogTypeChoice('alb')).toThrowError(expect.objectContaining({ code: 'usage' }) as Error);
    expect(findLogTableType('vpc')).toBeUndefined();
  });
});

describe('decodeLogUnit', () => {
  it.each([
    ['plain S3 access log text', S3_LINES, 's3-access', 5],
    ['gzipped S3 access log text', gzipSync(S3_LINES), 's3-access', 5],
    ['a gzipped CloudTrail file', TRAIL, 'cloudtrail', 3],
  ] as const)('detects and decodes %s, counting raw bytes', async (_label, bytes, type, records) => {
    const result = await decode(bytes, 'auto');
    expect(result.types).toEqual([type]);
    expect(result.logs).toEqual(new Array(records).fill(type));
    expect(result.counts).toMatchObject({ records, bad: 0, logType: type });
    expect(result.bytesRead).toBe(bytes.length);
  });

  it('hands flow logs to the flow decoder unchanged, plain or gzipped', async () => {
    for (const bytes of [FLOW_LINES, gzipSync(FLOW_LINES)]) {
      const result = await decode(bytes, 'auto');
      expect(result.types).toEqual(['vpc']);
      expect(result.logs).toEqual([]);
      expect(result.flows.length).toBeGreaterThan(0);
      expect(result.counts.logType).toBe('vpc');
      expect(result.bytesRead).toBe(bytes.length);
    }
  });

  it('reads a unit as the chosen type even when it looks like another (bad lines then say why)', async () => {
    const result = await decode(FLOW_LINES, 's3-access');
    expect(result.types).toEqual(['s3-access']);
    expect(result.counts.records).toBe(0);
    expect(result.issues.length).toBeGreaterThan(0);
    expect(result.issues.every((i) => i.code === 'field-count')).toBe(true);
  });

  it('keeps the lines before a truncated gzip S3 access log and reports the break', async () => {
    const gz = gzipSync(Buffer.concat([S3_LINES, S3_LINES, S3_LINES]));
    const result = await decode(gz.subarray(0, gz.length - 40), 'auto', 'access.gz');
    expect(result.counts.records).toBeGreaterThan(0);
    expect(result.issues.at(-1)).toMatchObject({ code: 'corrupt-input', file: 'access.gz' });
  });

  it('reports a corrupt gzipped CloudTrail file as one issue', async () => {
    const result = await decode(TRAIL.subarray(0, TRAIL.length - 30), 'cloudtrail', 'trail.json.gz');
    expect(result.counts).toMatchObject({ records: 0, bad: 1 });
    expect(result.issues).toEqual([expect.objectContaining({ code: 'corrupt-input', file: 'trail.json.gz' })]);
  });

  it('reads Parquet units as flow logs and refuses another explicit type', async () => {
    const sink: AnyLogSink = { row: () => undefined, logRow: () => undefined, issue: () => undefined };
    await expect(decodeLogUnit(unit(Buffer.from('PAR1'), 'x.parquet', 'parquet'), sink, { logType: 'cloudtrail' })).rejects.toBeInstanceOf(SourceError);
  });

  it('decodes an empty unit as nothing', async () => {
    const result = await decode(Buffer.alloc(0), 'auto');
    expect(result.counts).toMatchObject({ records: 0, bad: 0, logType: 'vpc' });
  });
});
