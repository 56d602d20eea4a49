import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SourceError } from '../../src/records/index.js';
import { createS3Source } from '../../src/sources/s3/index.js';
import type { Source, SourceUnit } from '../../src/sources/index.js';
import { ingestSources, Store } from '../../src/store/index.js';
import { parseNdjson, runFlowlens } from '../helpers/cli.js';
import { flowLines, flowLogObject, plainKey, V2_HEADER } from './helpers/flow-data.js';
import { flowParquet } from './helpers/parquet.js';
import { startS3Server, useTestAwsEnv } from './helpers/s3-server.js';
import type { TestS3Server } from './helpers/s3-server.js';

const ACCOUNT = '123456789012';
const at = (hour: number): number => Date.UTC(2024, 0, 2, hour, 5) / 1000;

let server: TestS3Server;
let restoreEnv: () => void;
let bucket = '';
let bucketCount = 0;
let folder: string;

beforeAll(async () => {
  restoreEnv = useTestAwsEnv();
  server = await startS3Server();
});
afterAll(async () => {
  await server?.stop();
  restoreEnv?.();
});

beforeEach(async () => {
  bucket = `ingest-${++bucketCount}`;
  await server.createBucket(bucket);
  folder = await mkdtemp(join(tmpdir(), 'flowlens-s3-ingest-'));
});
afterEach(async () => {
  await rm(folder, { recursive: true, force: true });
});

/** Puts `objects` gz objects of 5 records, one per hour from 01:05. */
async function putObjects(objects: number): Promise<string[]> {
  const keys: string[] = [];
  for (let i = 0; i < objects; i++) {
    const key = plainKey(ACCOUNT, 'us-east-1', at(i + 1), { hourly: true });
    await server.put(bucket, key, flowLogObject(5, { start: at(i + 1) - 300, seed: i }));
    keys.push(key);
  }
  return keys;
}

async function s3(uri = `s3://${bucket}`): Promise<Source> {
  return createS3Source(uri, { endpointUrl: server.endpoint, concurrency: 3 });
}

async function count(store: Store): Promise<number> {
  return Number(await store.scalar('SELECT count(*) FROM flows'));
}

function getRequests(requests: Awaited<ReturnType<TestS3Server['requests']>>): number {
  return requests.filter((r) => r.method === 'GET' && r.path.split('/').length > 2 && !r.query['list-type'])
    .length;
}

describe('ingesting s3:// sources', () => {
  it('reads gz text and Parquet objects', async () => {
    await putObjects(2);
    await server.put(
      bucket,
      `AWSLogs/${ACCOUNT}/vpcflowlogs/us-east-1/2024/01/02/04/flows.log.parquet`,
      await flowParquet(flowLines(7, { start: at(4), seed: 9 })),
    );
    const store = await Store.memory();
    try {
      const summary = await ingestSources(store, [await s3()]);
      expect(summary).toMatchObject({ units: 3, records: 17, badLines: 0, failedUnits: 0 });
      expect(
        Number(
          await store.scalar(
            "SELECT count(*) FROM flows WHERE srcport = 40009 AND action IN ('ACCEPT', 'REJECT')",
          ),
        ),
      ).toBe(7);
    } finally {
      store.close();
    }
  });

  it('remembers objects by key and ETag: a re-run adds nothing and downloads nothing; a changed object is replaced', async () => {
    const keys = await putObjects(3);
    const path = join(folder, 'flows.duckdb');
    let store = await Store.open(path);
    expect((await ingestSources(store, [await s3()])).records).toBe(15);
    store.close();
    await server.resetRequests();
    store = await Store.open(path);
    const again = await ingestSources(store, [await s3()]);
    expect(again).toMatchObject({ units: 0, skippedUnits: 3, records: 0 });
    expect(getRequests(await server.requests())).toBe(0);
    await server.put(bucket, keys[1] as string, flowLogObject(2, { start: at(2) - 300, seed: 42 }));
    const changed = await ingestSources(store, [await s3()]);
    expect(changed).toMatchObject({ units: 1, skippedUnits: 2, records: 2 });
    expect(await count(store)).toBe(12);
    store.close();
  });

  it('picks up where an interrupted run stopped', async () => {
    await putObjects(5);
    const store = await Store.open(join(folder, 'flows.duckdb'));
    try {
      const full = await s3();
      const killed: Source = {
        name: full.name,
        async *units(list) {
          let n = 0;
          for await (const unit of full.units(list)) {
            if (n++ === 2) throw new Error('killed after 2 objects');
            yield unit;
          }
        },
      };
      await expect(ingestSources(store, [killed])).rejects.toThrow('killed');
      expect(await count(store)).toBe(10);
      await server.resetRequests();
      const resumed = await ingestSources(store, [await s3()]);
      expect(resumed).toMatchObject({ units: 3, skippedUnits: 2, records: 15 });
      expect(await count(store)).toBe(25);
      expect(getRequests(await server.requests())).toBe(3);
    } finally {
      store.close();
    }
  });

  it('loads the other objects when one is corrupt and one is denied, reporting both by name', async () => {
    const keys = await putObjects(3);
    const corrupt = `AWSLogs/${ACCOUNT}/vpcflowlogs/us-east-1/2024/01/02/02/corrupt.log.gz`;
    const good = gzipSync(`${V2_HEADER}\n${flowLines(4, { start: at(2), seed: 7 }).join('\n')}\n`);
    await server.put(
      bucket,
      corrupt,
      Buffer.concat([good.subarray(0, good.length - 12), Buffer.from('garbage!')]),
    );
    await server.faults({ deny: [keys[0] as string] });
    const store = await Store.memory();
    try {
      const failed: { unit: SourceUnit; error: SourceError }[] = [];
      const summary = await ingestSources(store, [await s3()], {
        onUnitError: (unit, error) => failed.push({ unit, error }),
      });
      expect(summary.failedUnits).toBe(1);
      expect(failed[0]?.error.code).toBe('access-denied');
      expect(failed[0]?.error.message).toContain(`s3://${bucket}/${keys[0]}`);
      expect(summary.units).toBe(3);
      expect(summary.badLines).toBe(1);
      const rejects = await store.query('SELECT source, code FROM rejects');
      expect(rejects.rows).toEqual([{ source: `s3://${bucket}/${corrupt}`, code: 'corrupt-input' }]);
      expect(await count(store)).toBe(
        10 +
          Number(await store.scalar('SELECT records FROM ingest_units WHERE unit_key LIKE ?', ['%corrupt%'])),
      );
    } finally {
      await server.faults({});
      store.close();
    }
  });

  it('ends the ingest on the first unreadable object when nobody handles unit errors', async () => {
    const keys = await putObjects(2);
    await server.faults({ deny: [keys[1] as string] });
    const store = await Store.memory();
    try {
      await expect(ingestSources(store, [await s3()])).rejects.toMatchObject({ code: 'access-denied' });
      expect(await count(store)).toBe(5);
    } finally {
      await server.faults({});
      store.close();
    }
  });
});

describe('flowlens ingest s3://… (end to end)', () => {
  it('ingests, re-runs without duplicates, and reports a denied object with exit code 1', async () => {
    const keys = await putObjects(3);
    const db = join(folder, 'cli.duckdb');
    const argv = [
      'ingest',
      `s3://${bucket}/AWSLogs/`,
      '--endpoint-url',
      server.endpoint,
      '--db',
      db,
      '--format',
      'json',
    ];
    const first = await runFlowlens(argv);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ units: 3, records: 15, failedUnits: 0 });
    const second = await runFlowlens(argv);
    expect(JSON.parse(second.stdout)).toMatchObject({ units: 0, skippedUnits: 3, records: 0 });

    await server.put(
      bucket,
      plainKey(ACCOUNT, 'us-east-1', at(9), { hourly: true }),
      flowLogObject(5, { start: at(9) - 300, seed: 9 }),
    );
    await server.put(bucket, keys[0] as string, flowLogObject(1, { start: at(1) - 300, seed: 10 }));
    await server.faults({ deny: [keys[0] as string] });
    try {
      const third = await runFlowlens(argv);
      expect(third.code).toBe(1);
      expect(third.stderr).toContain(`error: cannot read s3://${bucket}/${keys[0]}: AccessDenied`);
      expect(JSON.parse(third.stdout)).toMatchObject({ units: 1, records: 5, failedUnits: 1 });
    } finally {
      await server.faults({});
    }
    const query = await runFlowlens([
      'query',
      'SELECT count(*) AS n FROM flows',
      '--db',
      db,
      '--format',
      'ndjson',
    ]);
    expect(parseNdjson(query.stdout)).toEqual([{ n: 20 }]);
  });

  it('prints records straight from S3 with --start/--end, --accounts and --regions', async () => {
    await putObjects(3);
    const run = await runFlowlens([
      'print',
      `s3://${bucket}`,
      '--endpoint-url',
      server.endpoint,
      '--region',
      'us-east-1',
      '--start',
      new Date(at(2) * 1000 - 300_000).toISOString(),
      '--end',
      new Date(at(3) * 1000 - 300_000).toISOString(),
      '--accounts',
      ACCOUNT,
      '--regions',
      'us-east-1',
      '--format',
      'ndjson',
      '--fields',
      'srcport,start',
    ]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const rows = parseNdjson(run.stdout);
    expect(rows).toHaveLength(5);
    expect(new Set(rows.map((r) => r.srcport))).toEqual(new Set([40001]));
    const none = await runFlowlens([
      'print',
      `s3://${bucket}`,
      '--endpoint-url',
      server.endpoint,
      '--accounts',
      '999999999999',
      '--format',
      'ndjson',
    ]);
    expect(none.stdout).toBe('');
  });

  it('takes credentials from --profile over the environment', async () => {
    await putObjects(1);
    const credentials = join(folder, 'credentials');
    await writeFile(
      credentials,
      '[flowlens-demo]\naws_access_key_id = S3RVER\naws_secret_access_key = S3RVER\n',
    );
    await writeFile(join(folder, 'config'), '[profile flowlens-demo]\nregion = eu-west-1\n');
    const saved = { ...process.env };
    Object.assign(process.env, {
      AWS_ACCESS_KEY_ID: 'WRONG',
      AWS_SECRET_ACCESS_KEY: 'WRONG',
      AWS_SHARED_CREDENTIALS_FILE: credentials,
      AWS_CONFIG_FILE: join(folder, 'config'),
    });
    try {
      const argv = ['print', `s3://${bucket}`, '--endpoint-url', server.endpoint, '--format', 'ndjson'];
      const wrong = await runFlowlens(argv);
      expect(wrong.code).toBe(1);
      expect(wrong.stderr).toContain('InvalidAccessKeyId');
      const right = await runFlowlens([...argv, '--profile', 'flowlens-demo']);
      expect(right.stderr).toBe('');
      expect(parseNdjson(right.stdout)).toHaveLength(5);
    } finally {
      for (const name of [
        'AWS_ACCESS_KEY_ID',
        'AWS_SECRET_ACCESS_KEY',
        'AWS_SHARED_CREDENTIALS_FILE',
        'AWS_CONFIG_FILE',
      ])
        process.env[name] = saved[name];
    }
  });

  it('reports a missing bucket as a clear error', async () => {
    const run = await runFlowlens(['print', 's3://no-such-bucket-here', '--endpoint-url', server.endpoint]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('error: cannot list s3://no-such-bucket-here/: NoSuchBucket');
    expect(run.stderr).toContain('hint: check the bucket name');
  });
});
