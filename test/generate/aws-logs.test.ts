import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { PassThrough } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { writeAwsLogs } from '../../src/generate/index.js';
import { parseLogText } from '../../src/parse/index.js';
import { parseNdjson, runFlowlens } from '../helpers/cli.js';

const START = Date.UTC(2024, 4, 1) / 1000;

async function toText(kind: 's3-access' | 'cloudtrail', seed: string): Promise<string> {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  await writeAwsLogs({ kind, records: 300, seed, start: START, hours: 3, stream });
  return Buffer.concat(chunks).toString('utf8');
}

describe('writeAwsLogs', () => {
  it.each(['s3-access', 'cloudtrail'] as const)('writes %s records that parse without issues, the same for the same seed', async (kind) => {
    const text = await toText(kind, 'x');
    expect(await toText(kind, 'x')).toBe(text);
    expect(await toText(kind, 'y')).not.toBe(text);
    const parsed = parseLogText(text);
    expect(parsed).toMatchObject({ logType: kind, issues: [] });
    expect(parsed.records).toHaveLength(300);
  });

  it('lays objects out as AWS does: date-partitioned access logs, gzipped CloudTrail files under AWSLogs/', async () => {
    const out = mkdtempSync(join(tmpdir(), 'flowlens-gen-logs-'));
    const access = await writeAwsLogs({ kind: 's3-access', records: 50, seed: 1, start: START, hours: 2, out, accountId: '111122223333', region: 'eu-west-1' });
    const trail = await writeAwsLogs({ kind: 'cloudtrail', records: 50, seed: 1, start: START, hours: 2, out, accountId: '111122223333', region: 'eu-west-1' });
    expect(access.objects.map((p) => relative(out, p))).toEqual([
      expect.stringMatching(/^111122223333\/eu-west-1\/example-data-bucket\/2024\/05\/01\/2024-05-01-00-00-00-[0-9A-F]{16}$/),
      expect.stringMatching(/^111122223333\/eu-west-1\/example-data-bucket\/2024\/05\/01\/2024-05-01-01-00-00-[0-9A-F]{16}$/),
    ]);
    expect(trail.objects.map((p) => relative(out, p))).toEqual([
      expect.stringMatching(/^AWSLogs\/111122223333\/CloudTrail\/eu-west-1\/2024\/05\/01\/111122223333_CloudTrail_eu-west-1_20240501T0000Z_[0-9A-F]{8}\.json\.gz$/),
      expect.stringMatching(/^AWSLogs\/111122223333\/CloudTrail\/eu-west-1\/2024\/05\/01\/111122223333_CloudTrail_eu-west-1_20240501T0100Z_[0-9A-F]{8}\.json\.gz$/),
    ]);
    const first = JSON.parse(gunzipSync(readFileSync(trail.objects[0] as string)).toString('utf8')) as { Records: { eventSource: string }[] };
    expect(first.Records.every((r) => r.eventSource === 's3.amazonaws.com')).toBe(true);
  });
});

describe('flowlens generate --kind', () => {
  it('generates S3 access logs and CloudTrail files that ingest into their tables', async () => {
    const out = mkdtempSync(join(tmpdir(), 'flowlens-gen-cli-'));
    const access = await runFlowlens(['generate', '--kind', 's3-access', '-n', '200', '--hours', '2', '--out', join(out, 'access')]);
    expect(access).toMatchObject({ code: 0, stdout: '' });
    expect(access.stderr).toMatch(/^generated 200 s3-access records in 2 objects under /);
    expect((await runFlowlens(['generate', '--kind', 'cloudtrail', '-n', '100', '--hours', '1', '--out', join(out, 'trail')])).code).toBe(0);
    const db = join(out, 'db.duckdb');
    expect((await runFlowlens(['ingest', out, '--db', db])).code).toBe(0);
    const counts = await runFlowlens(['query', 'SELECT (SELECT count(*) FROM s3_access) AS access, (SELECT count(*) FROM cloudtrail) AS trail', '--db', db, '--format', 'ndjson']);
    expect(parseNdjson(counts.stdout)).toEqual([{ access: 200, trail: 100 }]);
  });

  it('writes S3 access log lines to stdout without --out', async () => {
    const run = await runFlowlens(['generate', '--kind', 's3-access', '-n', '3', '--hours', '1']);
    expect(run.code).toBe(0);
    expect(run.stdout.trim().split('\n')).toHaveLength(3);
    expect(parseLogText(run.stdout).logType).toBe('s3-access');
  });
});
