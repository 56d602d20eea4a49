import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalSource } from '../../src/sources/index.js';
import { FLOW_ROLLUPS, ingestSources, readRollups, refreshRollups, Store, WHOLE_STORE_ROLLUPS } from '../../src/store/index.js';
import { flowLines } from '../sources/helpers/flow-data.js';

// Units ingested into a store whose whole-store level is current are added to that level (not merged again from
// every hourly row); the result must equal the level rebuilt from scratch.
let dir: string;
const SENTINEL_PORT = 65_001;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'flowlens-rollup-additive-'));
  for (const part of ['first', 'second']) mkdirSync(join(dir, part));
  for (let i = 0; i < 3; i++) {
    const start = 1_704_189_600 + i * 1800;
    writeFileSync(join(dir, 'first', `unit-${i}.log`), `${flowLines(40, { start, seed: i + 1 }).join('\n')}\n`);
    // The same keys two hours later (their whole-store rows are added to), and keys of their own (new rows).
    const again = [...flowLines(40, { start: start + 7200, seed: i + 1 }), ...flowLines(10, { start, seed: i + 20 })];
    writeFileSync(join(dir, 'second', `unit-${i}.log`), `${again.join('\n')}\n`);
  }
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const TABLES = [FLOW_ROLLUPS.ports, FLOW_ROLLUPS.pairs, WHOLE_STORE_ROLLUPS.ports, WHOLE_STORE_ROLLUPS.pairs];

async function dump(store: Store): Promise<string[]> {
  const dumps: string[] = [];
  for (const table of TABLES) {
    // Unit ids depend on how the units were ingested (one run or two), the sums do not.
    const columns = table === FLOW_ROLLUPS.ports || table === FLOW_ROLLUPS.pairs ? '* EXCLUDE (unit_id)' : '*';
    const rows = await store.query(`SELECT ${columns} FROM ${table} WHERE src_ip IS DISTINCT FROM 1 ORDER BY ALL`);
    dumps.push(JSON.stringify(rows.rows, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value)));
  }
  return dumps;
}

async function sentinelRows(store: Store): Promise<number> {
  return Number(await store.scalar(`SELECT count(*) FROM ${WHOLE_STORE_ROLLUPS.ports}_rows WHERE dstport = ${SENTINEL_PORT}`));
}

describe('adding units to a current whole-store level', () => {
  it('gives the rollups a rebuild gives, without merging the summed units again', async () => {
    const rebuilt = await Store.memory();
    const added = await Store.memory();
    try {
      await ingestSources(rebuilt, [createLocalSource(dir)]);
      expect(await refreshRollups(rebuilt)).toBe(6);
      const expected = await dump(rebuilt);
      expect(expected[2]).not.toBe('[]');

      await ingestSources(added, [createLocalSource(join(dir, 'first'))]);
      expect(await refreshRollups(added)).toBe(3);
      // A row no unit holds: a rebuild drops it, adding units leaves it (so it shows which way the level was made).
      await added.run(`INSERT INTO ${WHOLE_STORE_ROLLUPS.ports}_rows (src_ip, dst_ip, dstport, protocol, action_code, log_status_code, flows, packets, bytes, first_start, last_end)
VALUES (1, 2, ${SENTINEL_PORT}, 6, 0, 0, 1, 1, 1, 0, 0)`);
      await ingestSources(added, [createLocalSource(join(dir, 'second'))]);
      expect(await refreshRollups(added)).toBe(3);
      expect(await sentinelRows(added)).toBe(1);
      expect((await readRollups(added))?.wholeStore).toBeDefined();
      expect(await dump(added)).toEqual(expected);

      // More new hourly rows than one merge statement takes: the level is rebuilt instead.
      const more = join(dir, 'third');
      mkdirSync(more);
      writeFileSync(join(more, 'unit.log'), `${flowLines(40, { start: 1_704_300_000, seed: 99 }).join('\n')}\n`);
      await ingestSources(added, [createLocalSource(more)]);
      await ingestSources(rebuilt, [createLocalSource(more)]);
      expect(await refreshRollups(added, { rowsPerMerge: 5 })).toBe(1);
      expect(await refreshRollups(rebuilt)).toBe(1);
      expect(await sentinelRows(added)).toBe(0);
      expect(await dump(added)).toEqual(await dump(rebuilt));
    } finally {
      added.close();
      rebuilt.close();
    }
  });
});
