import { cpSync, mkdtempSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LogTypeName } from '../../src/parse/index.js';
import { createLocalSource } from '../../src/sources/index.js';
import { ingestSources, Store } from '../../src/store/index.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));
const S3_DIR = join(FIXTURES, 's3-access');
const TRAIL_DIR = join(FIXTURES, 'cloudtrail');

let dir: string;
let store: Store;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'flowlens-logs-'));
  store = await Store.open(join(dir, 'test.duckdb'));
});
afterEach(() => store.close());

const count = async (table: string): Promise<number> => Number(await store.scalar(`SELECT count(*) FROM ${table}`));

describe('ingestSources with S3 access and CloudTrail logs', () => {
  it('detects each file type and stores the rows in s3_access and cloudtrail, flows in flows', async () => {
    const types: [LogTypeName, string][] = [];
    const flowFile = join(FIXTURES, 'aws-docs', 'default-v2.log');
    const summary = await ingestSources(store, [createLocalSource(S3_DIR), createLocalSource(TRAIL_DIR), createLocalSource(flowFile)], {
      logType: 'auto',
      onLogType: (type, unit) => types.push([type, unit.key.slice(FIXTURES.length)]),
    });
    expect(summary).toMatchObject({ units: 8, records: 18 + 10 + 3 + (await count('flows')), badLines: 0 });
    expect(await count('s3_access')).toBe(18);
    expect(await count('cloudtrail')).toBe(13);
    expect(types.filter(([type]) => type === 's3-access')).toHaveLength(3);
    expect(types.filter(([type]) => type === 'cloudtrail')).toHaveLength(4);
    expect(types.at(-1)).toEqual(['vpc', join('aws-docs', 'default-v2.log')]);
  });

  it('stores numbers as numbers, `-` as NULL, structs that SQL can navigate, and UTC times', async () => {
    await ingestSources(store, [createLocalSource(join(S3_DIR, 'aws-docs-current.log')), createLocalSource(TRAIL_DIR)], { logType: 'auto' });
    const s3 = await store.query(`SELECT httpstatus, bytessent, objectsize, key, referrer, sourceregion, request_time, typeof(bytessent) AS t FROM s3_access ORDER BY requestid LIMIT 1`);
    expect(s3.rows[0]).toEqual({ httpstatus: 200, bytessent: 113, objectsize: null, key: null, referrer: null, sourceregion: 'us-east-1', request_time: '2019-02-06T00:00:38.000Z', t: 'BIGINT' });
    const trail = await store.query(
      `SELECT useridentity.sessioncontext.sessionissuer.arn AS issuer, resources[1].type AS first_type, tlsdetails.tlsversion AS tls, readonly, region, year, month, day, event_time
       FROM cloudtrail WHERE eventname = 'PutObject'`,
    );
    expect(trail.rows).toEqual([
      { issuer: 'arn:aws-cn:iam::111122223333:role/etl-role', first_type: 'AWS::S3::Object', tls: 'TLSv1.2', readonly: 'false', region: 'cn-north-1', year: '2021', month: '12', day: '05', event_time: '2021-12-05T02:10:00.000Z' },
    ]);
  });

  it('adds nothing when the same log files are ingested again', async () => {
    const sources = [createLocalSource(S3_DIR), createLocalSource(TRAIL_DIR)];
    await ingestSources(store, sources, { logType: 'auto' });
    const again = await ingestSources(store, sources, { logType: 'auto' });
    expect(again).toMatchObject({ units: 0, skippedUnits: 7, records: 0 });
    expect([await count('s3_access'), await count('cloudtrail')]).toEqual([18, 13]);
  });

  it('replaces the rows of a log file that changed since it was ingested', async () => {
    const path = join(dir, 'access.log');
    const lines = readFileSync(join(S3_DIR, 'downloads-2021-12.log'), 'utf8').trim().split('\n');
    writeFileSync(path, `${lines.slice(0, 3).join('\n')}\n`);
    await ingestSources(store, [createLocalSource(path)], { logType: 'auto' });
    writeFileSync(path, `${lines.slice(0, 5).join('\n')}\n`);
    utimesSync(path, new Date(), new Date(Date.now() + 5000));
    const summary = await ingestSources(store, [createLocalSource(path)], { logType: 'auto' });
    expect(summary).toMatchObject({ units: 1, records: 5 });
    expect(await count('s3_access')).toBe(5);
    expect(await count('ingest_units')).toBe(1);
  });

  it('keeps bad lines and bad records aside in the rejects table with file, line and reason', async () => {
    const good = readFileSync(join(S3_DIR, 'aws-docs-2019.log'), 'utf8').trim().split('\n');
    writeFileSync(join(dir, 'access.log'), [good[0], 'garbage line', good[1], `${good[2]?.replace(' 404 ', ' four-oh-four ')}`].join('\n'));
    writeFileSync(join(dir, 'trail.json'), JSON.stringify({ Records: [{ eventVersion: '1.08', eventTime: '2021-12-05T01:02:03Z', eventSource: 's3.amazonaws.com', eventName: 'GetObject' }, 42] }));
    const summary = await ingestSources(store, [createLocalSource(join(dir, 'access.log')), createLocalSource(join(dir, 'trail.json'))], { logType: 'auto' });
    expect(summary).toMatchObject({ records: 3, badLines: 3 });
    const rejects = await store.query('SELECT source, line, code, field FROM rejects ORDER BY source, line');
    expect(rejects.rows).toEqual([
      { source: join(dir, 'access.log'), line: 2, code: 'field-count', field: null },
      { source: join(dir, 'access.log'), line: 4, code: 'bad-integer', field: 'httpstatus' },
      { source: join(dir, 'trail.json'), line: 1, code: 'bad-json', field: null },
    ]);
  });

  it('keeps only the rows of the time window', async () => {
    const summary = await ingestSources(store, [createLocalSource(join(S3_DIR, 'downloads-2021-12.log'))], {
      logType: 's3-access',
      logFilter: (type, values) => {
        const time = values[type.columns.findIndex((c) => c.name === type.timeColumn)];
        return typeof time === 'number' && time >= Date.UTC(2021, 11, 4) && time < Date.UTC(2021, 11, 5);
      },
    });
    expect(summary).toMatchObject({ records: 3, filteredOut: 8 });
  });

  it('reads a folder laid out like a CloudTrail bucket, digest files included', async () => {
    const copy = join(dir, 'bucket');
    cpSync(TRAIL_DIR, copy, { recursive: true });
    const summary = await ingestSources(store, [createLocalSource(copy)], { logType: 'cloudtrail' });
    expect(summary).toMatchObject({ units: 4, records: 13, badLines: 0 });
    const days = await store.query('SELECT region, year, month, day, count(*) AS n FROM cloudtrail GROUP BY ALL ORDER BY ALL');
    expect(days.rows).toEqual([
      { region: 'cn-north-1', year: '2021', month: '12', day: '05', n: 7 },
      { region: 'cn-north-1', year: '2021', month: '12', day: '06', n: 3 },
      { region: 'us-west-2', year: '2019', month: '02', day: '01', n: 3 },
    ]);
  });

  it('leaves flow-log ingest as it was when no log type is given', async () => {
    const summary = await ingestSources(store, [createLocalSource(join(S3_DIR, 'aws-docs-2019.log'))]);
    expect(summary).toMatchObject({ records: 0, badLines: 5 });
    expect(await count('s3_access')).toBe(0);
  });
});
