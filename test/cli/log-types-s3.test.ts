import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseNdjson, runFlowlens } from '../helpers/cli.js';
import { flowLogObject } from '../sources/helpers/flow-data.js';
import { startS3Server, useTestAwsEnv } from '../sources/helpers/s3-server.js';
import type { TestS3Server } from '../sources/helpers/s3-server.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));
const TRAIL_DIR = join(FIXTURES, 'cloudtrail');
const BUCKET = 'central-logs';
// S3 server access logs with date-based partitioning: [prefix][account]/[region]/[bucket]/[YYYY]/[MM]/[DD]/[time]-[id].
const ACCESS_KEY = 'access/111122223333/cn-north-1/ray-glue-streaming/2021/12/01/2021-12-01-08-00-00-0A1B2C3D4E5F6A7B';

let server: TestS3Server;
let restoreEnv: () => void;
let folder: string;

beforeAll(async () => {
  restoreEnv = useTestAwsEnv();
  server = await startS3Server();
  folder = await mkdtemp(join(tmpdir(), 'flowlens-logs-s3-'));
  await server.createBucket(BUCKET);
  for (const path of await walk(TRAIL_DIR)) await server.put(BUCKET, relative(TRAIL_DIR, path).replaceAll('\\', '/'), await readFile(path));
  await server.put(BUCKET, ACCESS_KEY, await readFile(join(FIXTURES, 's3-access', 'downloads-2021-12.log')));
  await server.put(BUCKET, `${ACCESS_KEY.slice(0, -2)}ZZ`, gzipSync(await readFile(join(FIXTURES, 's3-access', 'aws-docs-current.log'))));
  await server.put(BUCKET, 'AWSLogs/111122223333/vpcflowlogs/cn-north-1/2021/12/05/111122223333_vpcflowlogs_cn-north-1_fl-1_20211205T0105Z_hash.log.gz', flowLogObject(4, { start: Date.UTC(2021, 11, 5, 1) / 1000 }));
});
afterAll(async () => {
  await server?.stop();
  restoreEnv?.();
  await rm(folder, { recursive: true, force: true });
});

const count = async (db: string, table: string): Promise<number> => {
  const run = await runFlowlens(['query', `SELECT count(*) AS n FROM ${table}`, '--db', db, '--format', 'ndjson']);
  return Number(parseNdjson(run.stdout)[0]?.n);
};

describe('S3 access and CloudTrail logs from s3:// prefixes (test S3 server)', () => {
  it('reads only the CloudTrail folders of a shared AWSLogs prefix with --log-type cloudtrail, digests left out, and re-runs without duplicates', async () => {
    const db = join(folder, 'trail.duckdb');
    const argv = ['ingest', `s3://${BUCKET}/AWSLogs/`, '--log-type', 'cloudtrail', '--endpoint-url', server.endpoint, '--db', db, '--format', 'json'];
    const first = await runFlowlens(argv);
    expect(first).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(first.stdout)).toMatchObject({ units: 3, records: 13, badLines: 0 });
    expect(await count(db, 'cloudtrail')).toBe(13);
    const again = await runFlowlens(argv);
    expect(JSON.parse(again.stdout)).toMatchObject({ units: 0, skippedUnits: 3, records: 0 });
    const regions = await runFlowlens(['query', "SELECT region, year, month, day, count(*) AS n FROM cloudtrail WHERE region = 'cn-north-1' GROUP BY ALL ORDER BY ALL", '--db', db, '--format', 'csv']);
    expect(regions.stdout).toBe('region,year,month,day,n\ncn-north-1,2021,12,05,7\ncn-north-1,2021,12,06,3\n');
  });

  it('detects S3 access logs and flow logs in a bucket without --log-type, leaving CloudTrail folders to --log-type cloudtrail', async () => {
    const db = join(folder, 'auto.duckdb');
    const run = await runFlowlens(['ingest', `s3://${BUCKET}/`, '--endpoint-url', server.endpoint, '--db', db]);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('log type: s3-access (detected from the content; pass --log-type to choose)');
    expect([await count(db, 's3_access'), await count(db, 'flows'), await count(db, 'cloudtrail')]).toEqual([13, 4, 0]);
  });

  it('prints a CloudTrail prefix named in the URI, detected from the content', async () => {
    const run = await runFlowlens(['print', `s3://${BUCKET}/AWSLogs/111122223333/CloudTrail/cn-north-1/2021/12/06/`, '--endpoint-url', server.endpoint, '--format', 'ndjson']);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('log type: cloudtrail (detected from the content; pass --log-type to choose)\n');
    expect(parseNdjson(run.stdout).map((r) => r.eventname)).toEqual(['GetObject', 'CopyObject', 'DeleteObject']);
  });
});

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await walk(path)));
    else out.push(path);
  }
  return out.sort();
}
