import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FLOW_ROLLUPS, readRollups, Store, WHOLE_STORE_ROLLUPS } from '../../src/store/index.js';
import { parseNdjson, runFlowlens } from '../helpers/cli.js';
import { fixturePath } from '../query/fixture-store.js';

let folder: string;
beforeAll(() => {
  folder = mkdtempSync(join(tmpdir(), 'flowlens-ingest-rollups-'));
});
afterAll(() => rmSync(folder, { recursive: true, force: true }));

async function rollupsOf(db: string): Promise<unknown> {
  const store = await Store.open(db);
  try {
    return await readRollups(store);
  } finally {
    store.close();
  }
}

describe('flowlens ingest keeps the query rollups up to date', () => {
  it('brings them up to date after the load, and top-talkers gives the same rows either way', async () => {
    const withRollups = join(folder, 'with.duckdb');
    const without = join(folder, 'without.duckdb');
    const run = await runFlowlens(['ingest', fixturePath('queries/flows-mixed.log'), '--db', withRollups, '--format', 'json']);
    expect(run.code).toBe(0);
    const summary = parseNdjson(run.stdout)[0] ?? {};
    expect((summary.rollups as { units: number }).units).toBe(1);
    expect(await rollupsOf(withRollups)).toEqual({ ...FLOW_ROLLUPS, wholeStore: WHOLE_STORE_ROLLUPS });

    expect((await runFlowlens(['ingest', fixturePath('queries/flows-mixed.log'), '--db', without, '--no-rollups'])).code).toBe(0);
    expect(await rollupsOf(without)).toBeUndefined();

    const report = async (db: string) => (await runFlowlens(['report', 'top-talkers', '--db', db, '--format', 'json'])).stdout;
    const fromRollups = await report(withRollups);
    expect(JSON.parse(fromRollups)).not.toHaveLength(0);
    expect(fromRollups).toBe(await report(without));
  });

  it('catches up on a later ingest of new units, and re-ingesting adds nothing', async () => {
    const db = join(folder, 'later.duckdb');
    expect((await runFlowlens(['ingest', fixturePath('queries/flows-mixed.log'), '--db', db, '--no-rollups'])).code).toBe(0);
    const again = await runFlowlens(['ingest', fixturePath('queries/flows-mixed.log'), '--db', db, '--format', 'json']);
    expect((parseNdjson(again.stdout)[0]?.rollups as { units: number }).units).toBe(1);
    const third = await runFlowlens(['ingest', fixturePath('queries/flows-mixed.log'), '--db', db, '--format', 'json']);
    expect((parseNdjson(third.stdout)[0]?.rollups as { units: number }).units).toBe(0);
    expect(await rollupsOf(db)).toEqual({ ...FLOW_ROLLUPS, wholeStore: WHOLE_STORE_ROLLUPS });
  });
});
