import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalSource } from '../../src/sources/index.js';
import { flowLines } from '../sources/helpers/flow-data.js';
import { parseByteSize } from '../../src/store/settings.js';
import { capSlicedReadMemory, countedStartSlices, readStartSpan, rollupStartSpan, runSlices, SLICED_READ_MEMORY, sliceQueries, startRangeSql, startSlices } from '../../src/query/start-slices.js';
import type { StartSliceOptions } from '../../src/query/start-slices.js';
import { ingestSources, refreshRollups, Store } from '../../src/store/index.js';

let store: Store;

beforeAll(async () => {
  store = await Store.memory();
});
afterAll(() => store.close());

/** Loads rows (start, unit_id, n) into table t; n numbers the rows so each is told apart. */
async function load(rows: readonly (readonly [number | null, number])[]): Promise<void> {
  await store.run('CREATE OR REPLACE TABLE t ("start" BIGINT, unit_id INTEGER, n INTEGER)');
  if (rows.length === 0) return;
  const values = rows.map(([start, unit], n) => `(${start === null ? 'NULL' : start}, ${unit}, ${n})`).join(', ');
  await store.run(`INSERT INTO t VALUES ${values}`);
}

/** The rows of t read slice by slice (each sorted on its own, counts passed back) and the slice count. */
async function readSliced(options: StartSliceOptions): Promise<{ keys: string[]; rows: number[]; slices: number }> {
  const keys: string[] = [];
  const rows: number[] = [];
  let slices = 0;
  const queries = sliceQueries(startSlices(await readStartSpan(store, 't'), options), (condition) => `SELECT "start", unit_id, n FROM t WHERE ${condition} ORDER BY "start", unit_id`);
  await runSlices(queries, async (sql) => {
    slices++;
    const result = await store.query(sql);
    for (const row of result.rows) {
      keys.push(`${String(row.start)}/${String(row.unit_id)}`);
      rows.push(Number(row.n));
    }
    return result.rows.length;
  });
  return { keys, rows, slices };
}

/** The (start, unit) keys of one sort of all rows: the order the slices must give. */
async function sortedKeys(): Promise<string[]> {
  const result = await store.query('SELECT "start", unit_id FROM t ORDER BY "start", unit_id');
  return result.rows.map((row) => `${String(row.start)}/${String(row.unit_id)}`);
}

describe('startSlices', () => {
  it('reads every row once, in the order of one sort, whatever the starts and slice sizes (property)', async () => {
    const start = fc.oneof(fc.constant(null), fc.integer({ min: -50, max: 50 }), fc.integer({ min: 1_714_521_600, max: 1_714_607_999 }), fc.constant(0));
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(start, fc.integer({ min: 1, max: 4 })), { maxLength: 300 }),
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 200 }),
        async (rows, firstRows, maxRows) => {
          await load(rows);
          const read = await readSliced({ firstRows, maxRows });
          expect(read.keys).toEqual(await sortedKeys());
          expect([...read.rows].sort((a, b) => a - b)).toEqual(rows.map((_, i) => i));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('cuts many rows into slices that grow from the first one', async () => {
    await load(Array.from({ length: 5000 }, (_, i) => [1_714_521_600 + ((i * 7919) % 86_400), 1 + (i % 3)] as const));
    const read = await readSliced({ firstRows: 100, maxRows: 1000 });
    expect(read.keys).toEqual(await sortedKeys());
    // Slices of about 100, 400, 1000, 1000, … rows, then the open end and the rows without a start.
    expect(read.slices).toBeGreaterThan(5);
    expect(read.slices).toBeLessThan(20);
  });

  it('sizes slices from counts that come one slice late, as when two slices are read at once', async () => {
    await load(Array.from({ length: 5000 }, (_, i) => [1_714_521_600 + ((i * 7919) % 86_400), 1 + (i % 3)] as const));
    const slices = startSlices(await readStartSpan(store, 't'), { firstRows: 100, maxRows: 1000 });
    const read = async (step: IteratorResult<string, void>): Promise<number[] | undefined> =>
      step.done ? undefined : (await store.query(`SELECT n FROM t WHERE ${step.value} ORDER BY "start", unit_id`)).rows.map((row) => Number(row.n));
    // The second slice is asked for before the first is counted; each count then follows one slice late.
    const running = [await read(await slices.next(undefined)), await read(await slices.next(undefined))];
    const sizes: number[] = [];
    const rows: number[] = [];
    for (let oldest = running.shift(); oldest; oldest = running.shift()) {
      sizes.push(oldest.length);
      rows.push(...oldest);
      running.push(await read(await slices.next(oldest.length)));
    }
    expect([...rows].sort((a, b) => a - b)).toEqual(Array.from({ length: 5000 }, (_, i) => i));
    // About 100 rows, then growing towards 1,000 and staying near it: a count is never taken for a later slice's width.
    expect(sizes[0]).toBeLessThan(200);
    expect(Math.max(...sizes)).toBeLessThan(1600);
    expect(sizes.length).toBeLessThan(20);
  });

  it('gives the open range and the rows without a start when no row has a start', async () => {
    await load([
      [null, 1],
      [null, 2],
    ]);
    const read = await readSliced({});
    expect(read.keys).toEqual(['null/1', 'null/2']);
  });

  it('writes ranges as conditions on "start"', () => {
    expect(startRangeSql(undefined, 10n)).toBe('"start" < 10');
    expect(startRangeSql(-5n, 10n)).toBe('"start" >= -5 AND "start" < 10');
    expect(startRangeSql(10n, undefined)).toBe('"start" >= 10');
    expect(startRangeSql(undefined, undefined)).toBe('"start" IS NOT NULL');
  });
});

describe('countedStartSlices', () => {
  const HOUR = 3600;
  /** Counts of t's rows per hour of start, as the rollups keep them. */
  async function hourCounts(): Promise<{ start: bigint; rows: number }[]> {
    const result = await store.query(`SELECT "start" - (("start" % ${HOUR}) + ${HOUR}) % ${HOUR} AS h, count(*) AS n FROM t WHERE "start" IS NOT NULL GROUP BY h ORDER BY h`);
    return result.rows.map((row) => ({ start: BigInt(row.h as number), rows: Number(row.n) }));
  }
  /** The rows of each slice of t cut from the hour counts, in slice order. */
  async function readCounted(options: StartSliceOptions): Promise<{ keys: string[]; sizes: number[] }> {
    const keys: string[] = [];
    const sizes: number[] = [];
    const queries = sliceQueries(countedStartSlices(await hourCounts(), BigInt(HOUR), options), (condition) => `SELECT "start", unit_id FROM t WHERE ${condition} ORDER BY "start", unit_id`);
    await runSlices(queries, async (sql) => {
      const result = await store.query(sql);
      for (const row of result.rows) keys.push(`${String(row.start)}/${String(row.unit_id)}`);
      sizes.push(result.rows.length);
      return result.rows.length;
    });
    return { keys, sizes };
  }

  it('reads every row once, in the order of one sort, whatever the starts (property)', async () => {
    const start = fc.oneof(fc.constant(null), fc.integer({ min: -7200, max: 7200 }), fc.integer({ min: 1_714_521_600, max: 1_714_607_999 }));
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(start, fc.integer({ min: 1, max: 4 })), { maxLength: 300 }), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 200 }), async (rows, firstRows, maxRows) => {
        await load(rows);
        expect((await readCounted({ firstRows, maxRows })).keys).toEqual(await sortedKeys());
      }),
      { numRuns: 60 },
    );
  });

  it('keeps every slice near its size however uneven the traffic, cutting a busy hour into parts', async () => {
    // A quiet day with one hour of 3,000 rows spread over the hour, and another hour of 2,000 rows in its first minute.
    const quiet = Array.from({ length: 2400 }, (_, i) => [1_714_521_600 + ((i * 36) % 86_400), 1] as const);
    const busy = Array.from({ length: 3000 }, (_, i) => [1_714_550_400 + (i % 3600), 2] as const);
    const burst = Array.from({ length: 2000 }, (_, i) => [1_714_564_800 + (i % 60), 3] as const);
    await load([...quiet, ...busy, ...burst]);
    const read = await readCounted({ firstRows: 100, maxRows: 500 });
    expect(read.keys).toEqual(await sortedKeys());
    expect(read.sizes[0]).toBeLessThanOrEqual(100);
    // The burst is uneven within its hour: its parts are cut by time, so one holds it all (at most 60 s of rows).
    const over = read.sizes.filter((n) => n > 600);
    expect(over).toHaveLength(1);
    expect(over[0]).toBeGreaterThanOrEqual(2000);
    // The busy hour (3,000 rows and the quiet day's 100) comes in parts of about 500.
    expect(read.sizes.filter((n) => n > 450 && n <= 600).length).toBeGreaterThanOrEqual(5);
  });
});

describe('countedStartSlices at full size', () => {
  it('shares the rest among equal slices, so the last one is never the biggest (slices are read two at a time)', async () => {
    // An address's day as the SSH attacker's: quiet hours around four busy ones (the benchmark's, one hundredth).
    const hours = [...Array<number>(9).fill(57), 1285, 1899, 1899, 1777, ...Array<number>(11).fill(57)];
    const rows = hours.flatMap((n, hour) => Array.from({ length: n }, (_, k) => [1_714_521_600 + hour * 3600 + ((k * 37) % 3600), 1] as const));
    await load(rows);
    const counts = hours.map((n, hour) => ({ start: BigInt(1_714_521_600 + hour * 3600), rows: n }));
    const sizes: number[] = [];
    const queries = sliceQueries(countedStartSlices(counts, 3600n, { firstRows: 164, maxRows: 2621 }), (condition) => `SELECT count(*) AS n FROM t WHERE ${condition}`);
    await runSlices(queries, async (sql) => {
      const n = Number((await store.query(sql)).rows[0]?.n);
      sizes.push(n);
      return n;
    });
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(rows.length);
    const ranged = sizes.slice(0, -1); // the last query is the rows without a start
    const last = ranged[ranged.length - 1] as number;
    expect(last).toBeLessThan(Math.max(...ranged.slice(2, -1)));
    expect(Math.max(...ranged)).toBeLessThanOrEqual(2621);
  });
});

describe('parseByteSize', () => {
  it.each([
    ['256.0 MiB', 256 * 1024 * 1024],
    ['2GB', 2e9],
    ['1.5 GiB', 1.5 * 1024 ** 3],
    ['512 bytes', 512],
    ['lots', undefined],
  ])('reads %s', (text, bytes) => {
    expect(parseByteSize(text)).toBe(bytes);
  });
});

describe('capSlicedReadMemory', () => {
  it('lowers a bigger memory_limit while reading and puts it back, and never raises a smaller one', async () => {
    const limit = async (): Promise<number | undefined> => parseByteSize(String(await store.scalar("SELECT current_setting('memory_limit')")));
    await store.run("SET memory_limit = '1GiB'");
    const restore = await capSlicedReadMemory(store);
    expect(await limit()).toBe(SLICED_READ_MEMORY);
    await restore();
    expect(await limit()).toBe(1024 ** 3);
    await store.run("SET memory_limit = '64MiB'");
    await (await capSlicedReadMemory(store))();
    expect(await limit()).toBe(64 * 1024 ** 2);
  });
});

describe('rollupStartSpan', () => {
  it('bounds the stored starts from the whole-store rollups, and is undefined without current rollups', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flowlens-span-'));
    const flows = await Store.memory();
    try {
      writeFileSync(join(dir, 'a.log'), `${flowLines(30, { start: 1_704_189_600, seed: 3 }).join('\n')}\n`);
      writeFileSync(join(dir, 'b.log'), `${flowLines(20, { start: 1_704_200_000, seed: 4 }).join('\n')}\n`);
      await ingestSources(flows, [createLocalSource(dir)]);
      expect(await rollupStartSpan(flows)).toBeUndefined();
      await refreshRollups(flows);
      const exact = await readStartSpan(flows, 'flows');
      const span = await rollupStartSpan(flows);
      expect(span?.low).toBe(exact.low);
      expect(span?.high).toBeGreaterThanOrEqual(exact.high as bigint);
      expect(span?.rows).toBe(50);
    } finally {
      await flows.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
