import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { parquetReadObjects } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseS3Uri } from '../../src/scale/index.js';
import { runFlowlens } from '../helpers/cli.js';
import { sampleFlowLogText } from './sample-flows.js';

let dir: string;
let db: string;
/** The part of s3rver (untyped) the test uses. */
interface S3rverServer {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
}
type S3rverConstructor = new (options: Record<string, unknown>) => S3rverServer;

let server: S3rverServer;
let endpoint: string;
let client: S3Client;

beforeAll(async () => {
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'S3RVER');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'S3RVER');
  vi.stubEnv('AWS_EC2_METADATA_DISABLED', 'true');
  vi.stubEnv('AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED', 'true');
  vi.stubEnv('AWS_CONFIG_FILE', '/nonexistent/flowlens-test-aws-config');
  vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', '/nonexistent/flowlens-test-aws-credentials');
  dir = await mkdtemp(join(tmpdir(), 'flowlens-s3-export-'));
  db = join(dir, 'flows.duckdb');
  await writeFile(join(dir, 'flows.log'), sampleFlowLogText(500));
  expect((await runFlowlens(['ingest', join(dir, 'flows.log'), '--db', db])).code).toBe(0);
  const moduleName = 's3rver';
  const { default: S3rver } = (await import(moduleName)) as { default: S3rverConstructor };
  server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: join(dir, 's3') });
  const address = await server.run();
  endpoint = `http://127.0.0.1:${address.port}`;
  client = new S3Client({ endpoint, forcePathStyle: true, region: 'us-east-1', credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
  await client.send(new CreateBucketCommand({ Bucket: 'lake' }));
});

afterAll(async () => {
  client.destroy();
  await server.close();
  await rm(dir, { recursive: true, force: true });
  vi.unstubAllEnvs();
});

describe('flowlens export parquet --out s3://', () => {
  it('uploads the Hive-partitioned files under the prefix, readable as Parquet', async () => {
    const run = await runFlowlens(['export', 'parquet', '--db', db, '--out', 's3://lake/flows/v1', '--endpoint-url', endpoint], { env: { AWS_REGION: 'us-east-1' } });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('--location s3://lake/flows/v1');
    const listed = await client.send(new ListObjectsV2Command({ Bucket: 'lake', Prefix: 'flows/v1/' }));
    const keys = (listed.Contents ?? []).map((o) => o.Key ?? '');
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) expect(key).toMatch(/^flows\/v1\/year=2024\/month=01\/day=0[1-3]\/flowlens-[0-9a-f-]+\.parquet$/);
    let rows = 0;
    for (const key of keys) {
      const object = await client.send(new GetObjectCommand({ Bucket: 'lake', Key: key }));
      const bytes = await object.Body?.transformToByteArray();
      if (!bytes) throw new Error(`no body for ${key}`);
      rows += (await parquetReadObjects({ file: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer, compressors })).length;
    }
    expect(rows).toBe(500);
  });

  it('fails with a hint when the bucket does not exist', async () => {
    const run = await runFlowlens(['export', 'parquet', '--db', db, '--out', 's3://no-such-bucket/x', '--endpoint-url', endpoint]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/cannot upload .* to s3:\/\/no-such-bucket\/x\//);
    expect(run.stderr).toMatch(/hint: check the bucket name/);
  });
});

describe('parseS3Uri', () => {
  it.each([
    ['s3://b', { bucket: 'b', prefix: '' }],
    ['s3://b/', { bucket: 'b', prefix: '' }],
    ['s3://b/a/b/', { bucket: 'b', prefix: 'a/b' }],
  ])('parses %s', (uri, expected) => {
    expect(parseS3Uri(uri)).toEqual(expected);
  });

  it('rejects other schemes', () => {
    expect(() => parseS3Uri('https://b/x')).toThrow(/not an s3:\/\/bucket/);
  });
});
