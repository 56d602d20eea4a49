import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeLogUnit, readLineBatches, splitWholeText } from '../../../src/parse/index.js';
import type { AnyLogSink, LogTypeChoice, ParseIssue } from '../../../src/parse/index.js';

const fixture = (path: string): Buffer => readFileSync(new URL(`../../fixtures/${path}`, import.meta.url));
const S3_LINES = fixture('s3-access/aws-docs-2019.log');
const TRAIL = fixture('cloudtrail/AWSLogs/111122223333/CloudTrail/us-west-2/2019/02/01/111122223333_CloudTrail_us-west-2_20190201T0330Z_docsExample.json.gz');
const FLOW_LINES = fixture('aws-docs/default-v2.log');
const PLAIN_TRAIL = Buffer.from(JSON.stringify({ Records: [{ eventVersion: '1.08', eventTime: '2021-12-05T01:02:03Z', eventSource: 's3.amazonaws.com', eventName: 'GetObject' }] }));

// Everything a decode hands out, rows copied (decoders reuse their value arrays).
async function decodeWith(bytes: Buffer, logType: LogTypeChoice, whole: boolean) {
  const rows: string[] = [];
  const issues: ParseIssue[] = [];
  let bytesRead = 0;
  let opened = 0;
  const sink: AnyLogSink = {
    row: (_format, values) => rows.push(JSON.stringify(values, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))),
    logRow: (type, values) => rows.push(`${type.name} ${JSON.stringify(values)}`),
    issue: (issue) => issues.push(issue),
  };
  const unit = {
    key: 'AWSLogs/111122223333/CloudTrail/us-west-2/2019/02/01/unit',
    kind: 'text' as const,
    open: async () => {
      opened++;
      // One chunk, as a small object read ahead was handed over before: the streaming path the whole path must match.
      return Readable.from(bytes.length > 0 ? [bytes] : []);
    },
    ...(whole ? { readWhole: async () => bytes } : {}),
  };
  const counts = await decodeLogUnit(unit, sink, { logType, onBytes: (n) => (bytesRead += n) });
  return { counts, rows, issues, bytesRead, opened };
}

const gzipTruncated = (bytes: Buffer) => {
  const gz = gzipSync(bytes);
  return gz.subarray(0, gz.length - 40);
};

describe('decodeLogUnit with a unit read whole', () => {
  it.each([
    ['plain S3 access log text', S3_LINES, 's3-access'],
    ['gzipped S3 access log text, detected', gzipSync(S3_LINES), 'auto'],
    ['S3 access log text with CRLF and no final newline', Buffer.from(S3_LINES.toString('utf8').trimEnd().replaceAll('\n', '\r\n')), 's3-access'],
    ['S3 access log text with bad lines and blank lines', Buffer.concat([S3_LINES, Buffer.from('\nnot an access log line\n\n'), S3_LINES]), 's3-access'],
    ['a truncated gzipped S3 access log', gzipTruncated(Buffer.concat([S3_LINES, S3_LINES, S3_LINES])), 's3-access'],
    ['a gzipped CloudTrail file', TRAIL, 'auto'],
    ['a plain CloudTrail file', PLAIN_TRAIL, 'cloudtrail'],
    ['a plain CloudTrail file with a bad event', Buffer.from('{"Records":[{"eventVersion":"1.08"},{"eventTime":"2021-12-05T01:02:03Z","eventName":"GetObject"}]}'), 'cloudtrail'],
    ['a corrupt gzipped CloudTrail file', TRAIL.subarray(0, TRAIL.length - 30), 'cloudtrail'],
    ['a flow log read as auto', FLOW_LINES, 'auto'],
    ['an empty unit', Buffer.alloc(0), 's3-access'],
  ] as const)('gives the same rows, issues and byte count as the stream for %s', async (_label, bytes, logType) => {
    const streamed = await decodeWith(bytes, logType, false);
    const whole = await decodeWith(bytes, logType, true);
    expect(whole.rows).toEqual(streamed.rows);
    expect(whole.issues).toEqual(streamed.issues);
    expect(whole.counts).toEqual(streamed.counts);
    expect(whole.bytesRead).toBe(bytes.length);
    expect(streamed.bytesRead).toBe(bytes.length);
    expect(whole.opened).toBe(0);
  });

  it('refuses binary input read whole as the stream does', async () => {
    const binary = Buffer.concat([Buffer.from('SQLite format 3'), Buffer.alloc(64)]);
    await expect(decodeWith(binary, 's3-access', true)).rejects.toMatchObject({ code: 'binary-input' });
    await expect(decodeWith(binary, 's3-access', false)).rejects.toMatchObject({ code: 'binary-input' });
  });

  it('opens the unit when it holds no whole copy', async () => {
    const bytes = S3_LINES;
    const rows: string[] = [];
    let opened = 0;
    const sink: AnyLogSink = { row: () => undefined, logRow: (_type, values) => rows.push(JSON.stringify(values)), issue: () => undefined };
    const unit = {
      key: 'unit',
      kind: 'text' as const,
      open: async () => {
        opened++;
        return Readable.from([bytes]);
      },
      readWhole: async () => undefined,
    };
    await decodeLogUnit(unit, sink, { logType: 's3-access' });
    expect(opened).toBe(1);
    expect(rows.length).toBe(5);
  });
});

describe('splitWholeText', () => {
  async function streamed(bytes: Buffer): Promise<string[]> {
    const lines: string[] = [];
    let expected = 1;
    for await (const batch of readLineBatches(Readable.from([bytes]), { name: 'x' })) {
      expect(batch.firstLine).toBe(expected);
      expected += batch.lines.length;
      lines.push(...batch.lines);
    }
    return lines;
  }

  it('splits like the line reader reading the same bytes as one chunk', async () => {
    const piece = fc.constantFrom('a', 'é', ' ', '\n', '\r', '\r\n', '\uFEFF', 'x y z', '"quoted"', '[06/Feb/2019:00:00:38 +0000]');
    await fc.assert(
      fc.asyncProperty(fc.array(piece, { maxLength: 40 }), async (parts) => {
        const bytes = Buffer.from(parts.join(''), 'utf8');
        const batch = splitWholeText(bytes, 'x');
        expect(batch?.lines ?? []).toEqual(await streamed(bytes));
        if (batch) expect(batch.firstLine).toBe(1);
      }),
      { numRuns: 300 },
    );
  });

  it('cuts an unterminated last line past the line limit as the line reader does', async () => {
    const bytes = Buffer.from(`short\n${'y'.repeat((1 << 20) + 10)}`);
    const batch = splitWholeText(bytes, 'x');
    expect(batch?.lines).toEqual(await streamed(bytes));
    expect(batch?.lines[1]?.endsWith('…')).toBe(true);
  });
});
