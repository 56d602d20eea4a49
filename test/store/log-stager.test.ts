import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CLOUDTRAIL_LOG_TYPE, CloudTrailDecoder, S3_ACCESS_LOG_TYPE } from '../../src/parse/index.js';
import type { LogTableType, LogValue } from '../../src/parse/index.js';
import { IngestQueue } from '../../src/store/ingest-queue.js';
import { deleteLogUnitRows, LogStager, Store } from '../../src/store/index.js';

let dir: string;
let store: Store;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'flowlens-stager-'));
  store = await Store.open(join(dir, 'test.duckdb'));
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

// A row of the type with only its identifying column and time set (the rest NULL).
function rowOf(type: LogTableType, id: string, time: number): LogValue[] {
  const values: LogValue[] = type.columns.map(() => null);
  const idColumn = type === S3_ACCESS_LOG_TYPE ? 'requestid' : 'eventid';
  values[type.columns.findIndex((c) => c.name === idColumn)] = id;
  values[type.columns.findIndex((c) => c.name === type.timeColumn)] = time;
  return values;
}

async function ids(table: string, column: string): Promise<string[]> {
  const result = await store.query(`SELECT ${column} AS id, unit_id FROM ${table} ORDER BY id`);
  return result.rows.map((row) => `${String(row.unit_id)}:${String(row.id)}`).sort();
}

describe('LogStager', () => {
  it('moves every row exactly once across many hand-overs of both staging tables, with a unit removed on the way', async () => {
    const queue = new IngestQueue(store);
    const stager = new LogStager(store, (task) => queue.submit(task), { flushRows: 7 });
    const expected = { s3: [] as string[], trail: [] as string[] };
    for (let unit = 1; unit <= 30; unit++) {
      for (let i = 0; i < 5; i++) {
        const id = `u${String(unit).padStart(2, '0')}-${i}`;
        stager.row(S3_ACCESS_LOG_TYPE, unit, rowOf(S3_ACCESS_LOG_TYPE, id, 1_700_000_000_000 + unit * 1000 + i));
        if (unit !== 13) expected.s3.push(`${unit}:${id}`);
        if (i % 2 === 0) {
          stager.row(CLOUDTRAIL_LOG_TYPE, unit, rowOf(CLOUDTRAIL_LOG_TYPE, id, 1_700_000_000_000 + i));
          if (unit !== 13) expected.trail.push(`${unit}:${id}`);
        }
        if (stager.needsSettle) {
          await queue.exclusive();
          await stager.settle();
        }
      }
      // Unit 13 fails: its rows, staged or moved, are removed by a queued task, as ingest does.
      if (unit === 13) {
        queue.submit(async () => {
          await stager.flush();
          await deleteLogUnitRows(store, 13);
        });
      }
    }
    await queue.exclusive();
    await stager.handOver();
    await queue.finish();
    await stager.close();
    expect(await ids('s3_access', 'requestid')).toEqual(expected.s3.sort());
    expect(await ids('cloudtrail', 'eventid')).toEqual(expected.trail.sort());
    expect(Number(await store.scalar("SELECT count(*) FROM duckdb_tables() WHERE table_name LIKE 'flowlens_log_staging_%'"))).toBe(0);
  });

  it('moves rows at once without a submit function', async () => {
    const stager = new LogStager(store, undefined, { flushRows: 3 });
    for (let i = 0; i < 10; i++) {
      stager.row(S3_ACCESS_LOG_TYPE, 1, rowOf(S3_ACCESS_LOG_TYPE, `r${i}`, 1_700_000_000_000));
      if (stager.needsSettle) await stager.settle();
    }
    await stager.handOver();
    await stager.close();
    expect(Number(await store.scalar('SELECT count(*) FROM s3_access'))).toBe(10);
  });

  it('stores every value as given: quotes, backslashes, control characters, emoji, numbers, structs; a lone surrogate as U+FFFD', async () => {
    const stager = new LogStager(store);
    const texts = ['a "quoted" \\ back\\slash', 'tab\there\nnewline\u0000nul', 'emoji 😀 é ü 中', '\\ud800 is text here', 'lone \ud800 high', 'lone \udfff low', '\\\ud83d after a backslash'];
    const s3 = S3_ACCESS_LOG_TYPE.columns;
    const at = (type: LogTableType, name: string): number => type.columns.findIndex((c) => c.name === name);
    texts.forEach((text, i) => {
      const values = rowOf(S3_ACCESS_LOG_TYPE, `id${i}`, 1_700_000_000_123);
      values[at(S3_ACCESS_LOG_TYPE, 'useragent')] = text;
      values[at(S3_ACCESS_LOG_TYPE, 'httpstatus')] = 200 + i;
      values[at(S3_ACCESS_LOG_TYPE, 'bytessent')] = 2 ** 53 - 1 - i;
      values[at(S3_ACCESS_LOG_TYPE, 'objectsize')] = BigInt(i) * 1000n;
      stager.row(S3_ACCESS_LOG_TYPE, 1, values);
    });
    const event = {
      eventTime: '2024-05-01T10:00:00Z',
      eventName: 'GetObject',
      eventID: 'ev',
      userIdentity: { type: 'IAMUser', arn: 'arn:aws:iam::1:user/"x"', sessionContext: { attributes: { mfaAuthenticated: 'true' } } },
      resources: [{ ARN: 'a1', accountId: '1', type: 'T' }, { ARN: 'a2' }],
      requestParameters: { bucketName: 'b', key: 'k \ud800' },
    };
    new CloudTrailDecoder({ row: (type, values) => stager.row(type, 2, values), issue: () => undefined }, 'trail.json').pushText(JSON.stringify({ Records: [event] }));
    await stager.flush();
    await stager.close();
    expect(s3.length).toBeGreaterThan(20);
    const rows = await store.query("SELECT requestid, useragent, httpstatus, bytessent, objectsize, epoch_ms(request_time) AS ms, unit_id FROM s3_access ORDER BY requestid");
    expect(rows.rows.map((r) => r.useragent)).toEqual(texts.map((t) => t.replace(/[\ud800-\udfff](?![\udc00-\udfff])/g, (c, i: number, all: string) => (i > 0 && /[\ud800-\udbff]/.test(all[i - 1] as string) ? c : '\ufffd'))));
    expect(rows.rows.map((r) => Number(r.httpstatus))).toEqual(texts.map((_, i) => 200 + i));
    expect(rows.rows.map((r) => BigInt(r.bytessent as bigint))).toEqual(texts.map((_, i) => BigInt(2 ** 53 - 1 - i)));
    expect(rows.rows.map((r) => Number(r.objectsize))).toEqual(texts.map((_, i) => i * 1000));
    expect(rows.rows.every((r) => Number(r.ms) === 1_700_000_000_123 && Number(r.unit_id) === 1)).toBe(true);
    const stored = await store.query("SELECT useridentity.type AS type, useridentity.arn AS arn, useridentity.sessioncontext.attributes.mfaauthenticated AS mfa, useridentity.username AS username, resources[2].arn AS second, len(resources) AS n, \"key\" AS k, unit_id FROM cloudtrail");
    expect(stored.rows).toEqual([{ type: 'IAMUser', arn: 'arn:aws:iam::1:user/"x"', mfa: 'true', username: null, second: 'a2', n: 2, k: 'k \ufffd', unit_id: 2 }]);
  });
});
