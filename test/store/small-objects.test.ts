import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeAwsLogs, writeFlowLogs } from '../../src/generate/index.js';
import { createLocalSource } from '../../src/sources/index.js';
import type { Source, SourceUnit } from '../../src/sources/index.js';
import { ingestSources, Store } from '../../src/store/index.js';
import { parseNdjson, runFlowlens } from '../helpers/cli.js';
import { startS3Server, useTestAwsEnv } from '../sources/helpers/s3-server.js';
import type { TestS3Server } from '../sources/helpers/s3-server.js';

const OBJECTS = 300;
const START = Date.UTC(2024, 4, 1) / 1000;

interface Kind {
  name: 'vpc' | 's3-access' | 'cloudtrail';
  table: string;
  /** Where under the folder the objects are (the S3 prefix too). */
  prefix: string;
  records: number;
}

let folder: string;
const kinds: Kind[] = [];

// A few hundred objects of a few records each, one per hour, of every log type (generated, so counts are known).
beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'flowlens-small-objects-'));
  const vpc = await writeFlowLogs({ records: OBJECTS * 12, hours: OBJECTS, seed: 7, start: START, out: join(folder, 'vpc') });
  kinds.push({ name: 'vpc', table: 'flows', prefix: 'vpc', records: vpc.records });
  for (const kind of ['s3-access', 'cloudtrail'] as const) {
    const written = await writeAwsLogs({ kind, records: OBJECTS * 6, seed: 7, start: START, hours: OBJECTS, out: join(folder, kind) });
    kinds.push({ name: kind, table: kind === 's3-access' ? 's3_access' : 'cloudtrail', prefix: kind, records: written.records });
  }
}, 60_000);
afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

async function files(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await files(path)));
    else out.push(path);
  }
  return out.sort();
}

async function counts(db: string, table: string): Promise<{ rows: number; units: number; ledger: number; mismatched: number }> {
  const sql = `SELECT (SELECT count(*) FROM ${table}) AS rows, (SELECT count(DISTINCT unit_id) FROM ${table}) AS units,
    (SELECT sum(records) FROM ingest_units) AS ledger,
    (SELECT count(*) FROM ingest_units u WHERE records <> (SELECT count(*) FROM ${table} t WHERE t.unit_id = u.unit_id)) AS mismatched`;
  const run = await runFlowlens(['query', sql, '--db', db, '--format', 'ndjson']);
  const row = parseNdjson(run.stdout)[0] ?? {};
  return { rows: Number(row.rows), units: Number(row.units), ledger: Number(row.ledger), mismatched: Number(row.mismatched) };
}

describe('ingest of many small objects from a folder', () => {
  it.each(['vpc', 's3-access', 'cloudtrail'])('stores every record of %s exactly once, one ledger entry per object, and a re-run adds nothing', async (name) => {
    const kind = kinds.find((k) => k.name === name) as Kind;
    const objects = (await files(join(folder, kind.prefix))).length;
    expect(objects).toBeGreaterThanOrEqual(OBJECTS - 20);
    const db = join(folder, `${name}-folder.duckdb`);
    const argv = ['ingest', join(folder, kind.prefix), '--db', db, '--format', 'json'];
    const first = await runFlowlens(argv);
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ units: objects, records: kind.records, badLines: 0, failedUnits: 0 });
    expect(await counts(db, kind.table)).toEqual({ rows: kind.records, units: objects, ledger: kind.records, mismatched: 0 });
    const again = await runFlowlens(argv);
    expect(JSON.parse(again.stdout)).toMatchObject({ units: 0, skippedUnits: objects, records: 0 });
    expect((await counts(db, kind.table)).rows).toBe(kind.records);
  }, 60_000);

  it.each(['vpc', 's3-access', 'cloudtrail'])('resumes %s exactly after a run that stopped part way through the listing', async (name) => {
    const kind = kinds.find((k) => k.name === name) as Kind;
    const path = join(folder, `${name}-resume.duckdb`);
    const local = createLocalSource(join(folder, kind.prefix));
    // Listing stops with an error after 137 objects: the units before it are whole, the rest comes on the re-run.
    const broken: Source = {
      name: local.name,
      async *units(options) {
        let n = 0;
        for await (const unit of local.units(options)) {
          if (++n > 137) throw new Error('listing interrupted');
          yield unit;
        }
      },
    };
    const store = await Store.open(path);
    try {
      await expect(ingestSources(store, [broken], { logType: 'auto' })).rejects.toThrow('listing interrupted');
      const ledger = await store.query('SELECT count(*) AS units, sum(records) AS records FROM ingest_units');
      expect(Number(ledger.rows[0]?.units)).toBe(137);
      expect(Number(await store.scalar(`SELECT count(*) FROM ${kind.table}`))).toBe(Number(ledger.rows[0]?.records));
      const rest = await ingestSources(store, [local], { logType: 'auto' });
      expect(rest.skippedUnits).toBe(137);
      expect(Number(await store.scalar(`SELECT count(*) FROM ${kind.table}`))).toBe(kind.records);
      expect(Number(await store.scalar(`SELECT count(*) FROM (SELECT unit_key FROM ingest_units GROUP BY unit_key HAVING count(*) > 1)`))).toBe(0);
    } finally {
      store.close();
    }
  }, 60_000);

  it('drops only the rows of an object that fails part way, among small S3 access log objects', async () => {
    const kind = kinds.find((k) => k.name === 's3-access') as Kind;
    const path = join(folder, 'fail-midway.duckdb');
    const local = createLocalSource(join(folder, kind.prefix));
    let failedKey = '';
    let n = 0;
    const flaky: Source = {
      name: local.name,
      async *units(options) {
        for await (const unit of local.units(options)) {
          if (++n !== 50) {
            yield unit;
            continue;
          }
          failedKey = unit.key;
          // The object's first lines arrive, then the transfer fails.
          const failing: SourceUnit = {
            ...unit,
            open: async () => {
              const { Readable } = await import('node:stream');
              const text = (await readFile(unit.key, 'utf8')).split('\n').slice(0, 2).join('\n');
              const { SourceError } = await import('../../src/records/index.js');
              return Readable.from(
                (async function* () {
                  yield Buffer.from(`${text}\n`);
                  throw new SourceError('transfer', 'simulated transfer failure');
                })(),
              );
            },
          };
          yield failing;
        }
      },
    };
    const store = await Store.open(path);
    try {
      const failed: string[] = [];
      const summary = await ingestSources(store, [flaky], { logType: 'auto', onUnitError: (unit) => failed.push(unit.key) });
      expect(failed).toEqual([failedKey]);
      expect(summary.failedUnits).toBe(1);
      const stored = Number(await store.scalar('SELECT count(*) FROM s3_access'));
      expect(stored).toBe(Number(await store.scalar('SELECT sum(records) FROM ingest_units')));
      expect(Number(await store.scalar('SELECT count(*) FROM s3_access WHERE unit_id NOT IN (SELECT unit_id FROM ingest_units)'))).toBe(0);
      const rest = await ingestSources(store, [local], { logType: 'auto' });
      expect(rest.units).toBe(1);
      expect(Number(await store.scalar('SELECT count(*) FROM s3_access'))).toBe(kind.records);
    } finally {
      store.close();
    }
  }, 60_000);
});

describe('ingest of more S3 access log rows than one staging batch', () => {
  it('moves every row in batches and stores each exactly once', async () => {
    // 130,000 rows over 40 objects cross the staging table's batch (20,000 rows) many times, inside units and between them.
    const out = join(folder, 'many-rows');
    const written = await writeAwsLogs({ kind: 's3-access', records: 130_000, seed: 9, start: START, hours: 40, out });
    const db = join(folder, 'many-rows.duckdb');
    const run = await runFlowlens(['ingest', out, '--db', db, '--format', 'json']);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ units: written.objects.length, records: 130_000, badLines: 0 });
    expect(await counts(db, 's3_access')).toEqual({ rows: 130_000, units: written.objects.length, ledger: 130_000, mismatched: 0 });
  }, 120_000);
});

describe('ingest of many small objects from S3 (test S3 server)', () => {
  let server: TestS3Server;
  let restoreEnv: () => void;
  beforeAll(async () => {
    restoreEnv = useTestAwsEnv();
    server = await startS3Server();
    await server.createBucket('small');
    for (const kind of kinds) {
      for (const path of await files(join(folder, kind.prefix))) {
        const key = relative(join(folder, kind.prefix), path).replaceAll('\\', '/');
        await server.put('small', `${kind.prefix}/${key}`, await readFile(path));
      }
    }
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
    restoreEnv?.();
  });

  it('counts what a prefix holds (objects and bytes) for the progress totals, like the folder', async () => {
    const { createS3Source } = await import('../../src/sources/s3/index.js');
    const paths = await files(join(folder, 'vpc'));
    const bytes = (await Promise.all(paths.map(async (path) => (await stat(path)).size))).reduce((a, b) => a + b, 0);
    expect(await createLocalSource(join(folder, 'vpc')).total?.({})).toEqual({ units: paths.length, bytes });
    const source = await createS3Source('s3://small/vpc/', { endpointUrl: server.endpoint });
    expect(await source.total?.({})).toEqual({ units: paths.length, bytes });
  });

  it.each(['vpc', 's3-access', 'cloudtrail'])('stores every record of %s exactly once with --concurrency 8', async (name) => {
    const kind = kinds.find((k) => k.name === name) as Kind;
    const objects = (await files(join(folder, kind.prefix))).length;
    const db = join(folder, `${name}-s3.duckdb`);
    const logType = name === 'vpc' ? [] : ['--log-type', name];
    const argv = ['ingest', `s3://small/${kind.prefix}/`, ...logType, '--concurrency', '8', '--endpoint-url', server.endpoint, '--db', db, '--format', 'json'];
    const first = await runFlowlens(argv);
    expect(first.stderr).toBe('');
    expect(JSON.parse(first.stdout)).toMatchObject({ units: objects, records: kind.records, badLines: 0, failedUnits: 0 });
    expect(await counts(db, kind.table)).toEqual({ rows: kind.records, units: objects, ledger: kind.records, mismatched: 0 });
    const again = await runFlowlens(argv);
    expect(JSON.parse(again.stdout)).toMatchObject({ units: 0, skippedUnits: objects, records: 0 });
  }, 120_000);
});
