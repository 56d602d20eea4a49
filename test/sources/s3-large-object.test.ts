import { Readable } from 'node:stream';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeUnit } from '../../src/parse/index.js';
import { createS3Source } from '../../src/sources/s3/index.js';
import type { SourceUnit } from '../../src/sources/index.js';
import { V2_HEADER } from './helpers/flow-data.js';
import { startS3Server, useTestAwsEnv } from './helpers/s3-server.js';
import type { TestS3Server } from './helpers/s3-server.js';

// An object larger than 200 MB streams through with bounded memory (FLOWLENS_LARGE_OBJECT_MB to change the size).
const SIZE = Number(process.env.FLOWLENS_LARGE_OBJECT_MB ?? 210) * 1024 * 1024;
const LINE =
  '2 123456789012 eni-0a1b2c3d4e5f60718 10.0.1.17 10.1.0.4 40001 443 6 12 4800 1704189600 1704189659 ACCEPT OK\n';
const RECORDS = Math.ceil(SIZE / LINE.length);

let server: TestS3Server;
let restoreEnv: () => void;

/** The object's bytes, generated on the fly: header, then RECORDS copies of one line, 64 KiB at a time. */
function largeBody(): Readable {
  const block = LINE.repeat(Math.floor(65536 / LINE.length));
  const perBlock = Math.floor(65536 / LINE.length);
  let left = RECORDS;
  let header = true;
  return new Readable({
    read() {
      if (header) {
        header = false;
        this.push(`${V2_HEADER}\n`);
      } else if (left <= 0) this.push(null);
      else {
        const n = Math.min(perBlock, left);
        left -= n;
        this.push(n === perBlock ? block : LINE.repeat(n));
      }
    },
  });
}

beforeAll(async () => {
  restoreEnv = useTestAwsEnv();
  server = await startS3Server();
  await server.createBucket('large');
  const length = V2_HEADER.length + 1 + RECORDS * LINE.length;
  await server.client.send(
    new PutObjectCommand({
      Bucket: 'large',
      Key: 'AWSLogs/123456789012/vpcflowlogs/us-east-1/2024/01/02/big.log',
      Body: largeBody(),
      ContentLength: length,
    }),
  );
}, 300_000);

afterAll(async () => {
  await server?.stop();
  restoreEnv?.();
});

describe('a large S3 object', () => {
  it('streams with bounded memory', async () => {
    const source = await createS3Source('s3://large', { endpointUrl: server.endpoint, concurrency: 4 });
    const units: SourceUnit[] = [];
    for await (const unit of source.units({})) units.push(unit);
    expect(units).toHaveLength(1);
    expect(units[0]?.size).toBeGreaterThan(200 * 1024 * 1024);
    global.gc?.();
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
    let records = 0;
    try {
      await decodeUnit(units[0] as SourceUnit, { row: () => void records++, issue: () => undefined });
    } finally {
      clearInterval(sampler);
    }
    peak = Math.max(peak, process.memoryUsage().rss);
    expect(records).toBe(RECORDS);
    // The object is 210 MB; reading it must not hold it: well under its size on top of the baseline.
    expect(peak - baseline).toBeLessThan(120 * 1024 * 1024);
  }, 300_000);
});
