import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalSource } from '../../src/sources/index.js';
import { FLOW_ROLLUPS, ingestSources, readRollups, refreshRollups, Store, WHOLE_STORE_ROLLUPS } from '../../src/store/index.js';
import { flowLines } from '../sources/helpers/flow-data.js';

// A large store is rolled up a few million records per statement and its whole-store level merged in hash
// partitions of the keys; with tiny sizes here, the rollups must equal those made in one statement each.
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'flowlens-rollup-batches-'));
  for (let i = 0; i < 6; i++) {
    const lines = flowLines(40, { start: 1_704_189_600 + i * 1800, seed: i + 1 });
    writeFileSync(join(dir, `unit-${i}.log`), `${lines.join('\n')}\n`);
  }
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function rolledUp(sizes: Parameters<typeof refreshRollups>[1]): Promise<string[]> {
  const store = await Store.memory();
  try {
    await ingestSources(store, [createLocalSource(dir)]);
    expect(await refreshRollups(store, sizes)).toBe(6);
    expect((await readRollups(store))?.wholeStore).toBeDefined();
    const tables = [FLOW_ROLLUPS.ports, FLOW_ROLLUPS.pairs, WHOLE_STORE_ROLLUPS.ports, WHOLE_STORE_ROLLUPS.pairs];
    const dumps: string[] = [];
    for (const table of tables) {
      const rows = await store.query(`SELECT * FROM ${table} ORDER BY ALL`);
      dumps.push(JSON.stringify(rows.rows, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value)));
    }
    return dumps;
  } finally {
    await store.close();
  }
}

describe('rolling up a store in batches', () => {
  it('gives the same rollups as one statement per level', async () => {
    const whole = await rolledUp({});
    expect(whole[0]).not.toBe('[]');
    expect(await rolledUp({ recordsPerAggregate: 50, rowsPerMerge: 30 })).toEqual(whole);
  });
});
