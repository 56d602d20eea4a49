import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFlowlens } from '../helpers/cli.js';
import { startS3Server, TEST_AWS_ENV, useTestAwsEnv } from './helpers/s3-server.js';
import type { TestS3Server } from './helpers/s3-server.js';
import { V2_HEADER } from '../helpers/temp-store.js';

const FILE = '123456789012_vpcflowlogs_us-east-1_fl-1234abcd_20240102T1005Z_fe123456.log.gz';
const BODY = gzipSync(`${V2_HEADER}\n2 123456789012 eni-1 10.0.1.5 10.0.2.6 443 49152 6 10 840 1704189900 1704189960 ACCEPT OK\n`);

let server: TestS3Server;
let restoreEnv: () => void;
beforeAll(async () => {
  restoreEnv = useTestAwsEnv();
  server = await startS3Server();
  await server.createBucket('prefixed');
  await server.put('prefixed', `team/flows/AWSLogs/123456789012/vpcflowlogs/us-east-1/2024/01/02/${FILE}`, BODY);
  await server.createBucket('bare');
  await server.put('bare', `AWSLogs/123456789012/vpcflowlogs/us-east-1/2024/01/02/${FILE}`, BODY);
});
afterAll(async () => {
  await server?.stop();
  restoreEnv?.();
});

const print = (uri: string, ...args: string[]) =>
  runFlowlens(['print', '-f', 'ndjson', '--endpoint-url', server.endpoint, ...args, uri], { env: TEST_AWS_ENV });

describe('S3 URIs that list nothing', () => {
  it('reads the path under the delivery prefix when the URI leaves the prefix out', async () => {
    const run = await print('s3://prefixed/AWSLogs/');
    expect(run.code).toBe(0);
    expect(run.stdout.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain('notice: s3://prefixed/AWSLogs/ holds no objects; reading s3://prefixed/team/flows/AWSLogs/');
  });

  it('reads the path without the prefix when the URI adds one the bucket does not have', async () => {
    const run = await print('s3://bare/flows/AWSLogs/123456789012/');
    expect(run.code).toBe(0);
    expect(run.stdout.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain('reading s3://bare/AWSLogs/123456789012/');
  });

  it('fails saying what was listed when nothing is there', async () => {
    const run = await print('s3://bare/flows/');
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('s3://bare/flows/ holds no objects (listed prefix "flows/")');
    expect(run.stderr).toContain("the bucket's top level holds s3://bare/AWSLogs/");
  });

  it('warns, and succeeds, when objects exist but the time window leaves none', async () => {
    const run = await print('s3://bare/AWSLogs/', '--start', '2020-01-01', '--end', '2020-01-02');
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/warning: s3:\/\/bare\/AWSLogs\/: nothing to read: \d+ objects and \d+ folders listed/);
  });

  it('says nothing when the prefix holds the objects', async () => {
    const run = await print('s3://prefixed/team/flows/');
    expect(run.stderr).toBe('');
    expect(run.stdout.trim().split('\n')).toHaveLength(1);
  });
});
