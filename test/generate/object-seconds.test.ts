import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeAwsLogs, writeFlowLogs } from '../../src/generate/index.js';

const START = Date.UTC(2024, 4, 1) / 1000;

describe('objectSeconds of the generators', () => {
  it('writes one VPC flow-log object per 5 minutes, named by its minute, every record once', async () => {
    const out = mkdtempSync(join(tmpdir(), 'flowlens-object-seconds-'));
    const written = await writeFlowLogs({ records: 6000, hours: 1, seed: 1, start: START, out, objectSeconds: 300 });
    expect(written.objects.map((o) => /_(\d{8}T\d{4})Z_/.exec(o.path)?.[1])).toEqual(
      Array.from({ length: 12 }, (_, i) => `20240501T00${String(i * 5).padStart(2, '0')}`),
    );
    expect(written.objects.reduce((sum, o) => sum + o.records, 0)).toBe(6000);
  });

  it('writes S3 access log and CloudTrail objects per slice, keyed by their minute', async () => {
    const out = mkdtempSync(join(tmpdir(), 'flowlens-object-seconds-'));
    const access = await writeAwsLogs({ kind: 's3-access', records: 400, seed: 1, start: START, hours: 1, out: join(out, 'a'), objectSeconds: 600 });
    expect(access.objects.map((path) => basename(path).slice(0, 19))).toEqual(Array.from({ length: 6 }, (_, i) => `2024-05-01-00-${i}0-00`));
    const trail = await writeAwsLogs({ kind: 'cloudtrail', records: 400, seed: 1, start: START, hours: 1, out: join(out, 't'), objectSeconds: 600 });
    expect(trail.objects.map((path) => /T(\d{4})Z/.exec(path)?.[1])).toEqual(['0000', '0010', '0020', '0030', '0040', '0050']);
  });
});
