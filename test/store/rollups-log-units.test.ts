import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRollups, Store, WHOLE_STORE_UNITS_TABLE } from '../../src/store/index.js';
import { runFlowlens } from '../helpers/cli.js';

// A real account's store holds S3 access logs and CloudTrail next to the flow logs: their units must not make the
// flow rollups look stale (reports would then read every record), nor cost a rebuild of the whole-store level.
const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));
let dir: string;
let db: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'flowlens-rollup-logs-'));
  db = join(dir, 'store.duckdb');
  const generated = join(dir, 'vpc');
  expect((await runFlowlens(['generate', '--records', '2000', '--out', generated])).code).toBe(0);
  expect((await runFlowlens(['ingest', generated, '--db', db])).code).toBe(0);
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function wholeStoreRowIds(): Promise<string> {
  const store = await Store.open(db, { readOnly: true });
  try {
    const rollups = await readRollups(store);
    expect(rollups?.wholeStore).toBeDefined();
    const ledger = await store.query(`SELECT count(*) AS n FROM ${WHOLE_STORE_UNITS_TABLE}`);
    const units = await store.query('SELECT count(*) AS n FROM ingest_units');
    expect(Number(ledger.rows[0]?.n)).toBe(Number(units.rows[0]?.n));
    // rowid values change when the level is rebuilt (its rows are deleted and written again).
    const rows = await store.query(`SELECT min(rowid) AS lo, max(rowid) AS hi, count(*) AS n FROM ${rollups?.wholeStore?.ports}_rows`);
    return JSON.stringify(rows.rows[0]);
  } finally {
    await store.close();
  }
}

describe('rollups of a store that also holds S3 access logs and CloudTrail', () => {
  it('stay current after those logs are ingested, without rebuilding the whole-store level', async () => {
    const before = await wholeStoreRowIds();
    const s3 = await runFlowlens(['ingest', join(FIXTURES, 's3-access'), '--log-type', 's3-access', '--db', db, '--format', 'json']);
    expect(s3.code, s3.stderr).toBe(0);
    const trail = await runFlowlens(['ingest', join(FIXTURES, 'cloudtrail'), '--log-type', 'cloudtrail', '--db', db, '--format', 'json']);
    expect(trail.code, trail.stderr).toBe(0);
    expect(JSON.parse(trail.stdout).rollups).toMatchObject({ units: 0 });
    expect(await wholeStoreRowIds()).toBe(before);
  });
});
