import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CLOUDTRAIL_LOG_TYPE, S3_ACCESS_LOG_TYPE } from '../../src/parse/index.js';
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
});
