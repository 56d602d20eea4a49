import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SourceError } from '../../src/records/index.js';
import { createS3Source, listFlowLogObjects } from '../../src/sources/s3/index.js';
import type { ListOptions, SourceUnit } from '../../src/sources/index.js';
import { flowLogObject, hiveKey, plainKey } from './helpers/flow-data.js';
import { startS3Server, useTestAwsEnv } from './helpers/s3-server.js';
import type { TestS3Server } from './helpers/s3-server.js';

const A = '111111111111';
const B = '222222222222';
const day = (d: number, h = 10): number => Date.UTC(2024, 0, d, h, 5) / 1000;

let server: TestS3Server;
let restoreEnv: () => void;
const plainKeys: string[] = [];

beforeAll(async () => {
  restoreEnv = useTestAwsEnv();
  server = await startS3Server();
  await server.createBucket('plain');
  await server.createBucket('hive');
  for (const account of [A, B]) {
    for (const region of ['eu-west-1', 'us-east-1']) {
      for (const d of [1, 2, 3]) {
        const key = plainKey(account, region, day(d));
        plainKeys.push(key);
        await server.put('plain', key, flowLogObject(3, { account, start: day(d) - 300, seed: d }));
      }
    }
  }
  plainKeys.sort();
  await server.put('plain', `AWSLogs/${A}/CloudTrail/us-east-1/2024/01/02/trail.json.gz`, '{}');
  await server.put('plain', `AWSLogs/${A}/vpcflowlogs/`, '');
  for (const [d, h] of [
    [2, 2],
    [2, 10],
    [2, 20],
    [3, 10],
  ] as const) {
    await server.put(
      'hive',
      hiveKey(A, 'us-east-1', day(d, h), { hourly: true, prefix: 'team-a/' }),
      flowLogObject(2, { account: A, start: day(d, h) - 300 }),
    );
  }
});

afterAll(async () => {
  await server?.stop();
  restoreEnv?.();
});

async function listKeys(
  uri: string,
  list: ListOptions = {},
  options: Parameters<typeof createS3Source>[1] = {},
): Promise<string[]> {
  const source = await createS3Source(uri, { endpointUrl: server.endpoint, ...options });
  const keys: string[] = [];
  for await (const unit of source.units(list)) keys.push(unit.key);
  return keys;
}

async function readUnit(unit: SourceUnit): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of await unit.open()) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function listedPrefixes(): Promise<string[]> {
  return (await server.requests())
    .filter((r) => r.query['list-type'] === '2')
    .map((r) => r.query.prefix ?? '');
}

describe('createS3Source', () => {
  it('lists every flow-log object of the plain layout in key order, skipping other services and folder markers', async () => {
    expect(await listKeys('s3://plain')).toEqual(plainKeys.map((key) => `s3://plain/${key}`));
  });

  it('gives units the s3:// key, the ETag as fingerprint, the size and the text kind', async () => {
    const source = await createS3Source('s3://plain/AWSLogs/', {
      endpointUrl: server.endpoint,
      concurrency: 1,
    });
    const units: SourceUnit[] = [];
    for await (const unit of source.units({})) units.push(unit);
    const first = units[0] as SourceUnit;
    expect(first.key).toBe(`s3://plain/${plainKeys[0]}`);
    expect(first.fingerprint).toMatch(/^[0-9a-f]{32}$/);
    expect(first.kind).toBe('text');
    const bytes = await readUnit(first);
    expect(bytes.length).toBe(first.size);
    expect(gunzipSync(bytes).toString('utf8').split('\n')[0]).toMatch(/^version account-id/);
  });

  it('prunes by --start/--end while listing: other days are never listed', async () => {
    await server.resetRequests();
    const keys = await listKeys('s3://plain', { start: day(2, 9), end: day(2, 12) });
    expect(keys).toEqual(
      plainKeys.filter((key) => key.includes('/2024/01/02/')).map((key) => `s3://plain/${key}`),
    );
    const prefixes = await listedPrefixes();
    expect(prefixes.some((p) => p.includes('/2024/01/01/') || p.includes('/2024/01/03/'))).toBe(false);
    expect(prefixes).toContain(`AWSLogs/${A}/vpcflowlogs/us-east-1/2024/01/02/`);
    // The root and AWSLogs/, then per account its folder and vpcflowlogs/, then per region the region,
    // year, month and day folders (the day listed flat): never the whole bucket.
    expect(prefixes).toHaveLength(2 + 2 * (2 + 2 * 4));
    expect(prefixes).not.toContain(`AWSLogs/${A}/CloudTrail/`);
  });

  it('filters by --accounts and --regions without listing the others', async () => {
    await server.resetRequests();
    const keys = await listKeys('s3://plain', {}, { accounts: [B], regions: ['eu-west-1'] });
    expect(keys).toEqual(
      plainKeys
        .filter((key) => key.includes(`/${B}/`) && key.includes('/eu-west-1/'))
        .map((key) => `s3://plain/${key}`),
    );
    const prefixes = await listedPrefixes();
    expect(prefixes.some((p) => p.startsWith(`AWSLogs/${A}/`) || p.includes('/us-east-1/'))).toBe(false);
  });

  it('reads the Hive-compatible layout with hourly partitions under any prefix, pruning hours', async () => {
    expect(await listKeys('s3://hive')).toHaveLength(4);
    await server.resetRequests();
    const keys = await listKeys('s3://hive/team-a/', { start: day(2, 10) - 300, end: day(2, 11) });
    expect(keys).toEqual([
      `s3://hive/${hiveKey(A, 'us-east-1', day(2, 10), { hourly: true, prefix: 'team-a/' })}`,
    ]);
    const prefixes = await listedPrefixes();
    expect(prefixes.some((p) => p.includes('day=03'))).toBe(false);
  });

  it('pages through listings with continuation tokens', async () => {
    await server.resetRequests();
    const keys = await listKeys('s3://plain');
    const source = await createS3Source('s3://plain', { endpointUrl: server.endpoint }, { pageSize: 1 });
    const paged: string[] = [];
    for await (const unit of source.units({})) paged.push(unit.key);
    expect(paged).toEqual(keys);
    expect((await server.requests()).some((r) => r.query['continuation-token'])).toBe(true);
  });

  it('asks for the next listing page while the objects of the current one are read, the first page short', async () => {
    const { S3Client } = await import('@aws-sdk/client-s3');
    const client = new S3Client({ endpoint: server.endpoint, forcePathStyle: true, region: 'us-east-1' });
    try {
      await server.resetRequests();
      const listing = listFlowLogObjects(client, 'plain', `AWSLogs/${A}/vpcflowlogs/`, {}, { pageSize: 2 });
      const first = await listing.next();
      expect(first.value?.key).toBe(plainKeys[0]);
      // Nothing more is taken from the listing: the second page must be on its way all the same.
      const listed = async () => (await server.requests()).filter((r) => r.query['list-type'] === '2');
      for (let i = 0; i < 200 && (await listed()).length < 2; i++) await new Promise((resolve) => setTimeout(resolve, 25));
      const calls = await listed();
      expect(calls).toHaveLength(2);
      expect(calls[1]?.query['continuation-token']).toBeTruthy();
      const rest: string[] = [];
      for await (const object of listing) rest.push(object.key);
      expect([first.value?.key, ...rest]).toEqual(plainKeys.filter((key) => key.startsWith(`AWSLogs/${A}/`)));
      const all = await listed();
      expect(all.map((r) => r.query['max-keys'])).toEqual(['2', ...all.slice(1).map(() => '2')]);
      await server.resetRequests();
      for await (const object of listFlowLogObjects(client, 'plain', `AWSLogs/${A}/vpcflowlogs/`, {})) expect(object.key).toContain(A);
      expect((await listed()).map((r) => r.query['max-keys'])).toEqual(['100']);
    } finally {
      client.destroy();
    }
  });

  it('fails listing a missing bucket with a SourceError naming it', async () => {
    const error = await listKeys('s3://no-such-bucket/AWSLogs/').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SourceError);
    expect((error as SourceError).code).toBe('no-such-bucket');
    expect((error as SourceError).message).toContain('s3://no-such-bucket/AWSLogs/');
  });

  it('fails only the denied object, with a SourceError naming it', async () => {
    const denied = plainKeys[1] as string;
    await server.faults({ deny: [denied] });
    try {
      const source = await createS3Source('s3://plain', { endpointUrl: server.endpoint, concurrency: 3 });
      const outcomes: string[] = [];
      for await (const unit of source.units({})) {
        try {
          await readUnit(unit);
          outcomes.push('ok');
        } catch (error) {
          expect(error).toBeInstanceOf(SourceError);
          expect((error as SourceError).code).toBe('access-denied');
          expect((error as SourceError).message).toContain(`s3://plain/${denied}`);
          outcomes.push('denied');
        }
      }
      expect(outcomes).toEqual(plainKeys.map((key) => (key === denied ? 'denied' : 'ok')));
    } finally {
      await server.faults({});
    }
  });

  it('retries 503 SlowDown and resumes a transfer broken mid-body with a Range request', async () => {
    const slow = plainKeys[0] as string;
    const reset = plainKeys[2] as string;
    await server.resetRequests();
    await server.faults({ slowdown: { [slow]: 2 }, reset: { [reset]: 1 } });
    try {
      const source = await createS3Source('s3://plain', { endpointUrl: server.endpoint, concurrency: 2 });
      const texts: string[] = [];
      for await (const unit of source.units({}))
        texts.push(gunzipSync(await readUnit(unit)).toString('utf8'));
      expect(texts).toHaveLength(plainKeys.length);
      for (const text of texts) expect(text.trim().split('\n')).toHaveLength(4);
      const gets = (await server.requests()).filter((r) => r.method === 'GET' && !r.query['list-type']);
      expect(gets.filter((r) => r.path === `/plain/${slow}`)).toHaveLength(3);
      const resets = gets.filter((r) => r.path === `/plain/${reset}`);
      expect(resets).toHaveLength(2);
      expect(resets[1]?.range).toMatch(/^bytes=\d+-$/);
    } finally {
      await server.faults({});
    }
  });
});
