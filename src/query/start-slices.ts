import type { Store } from '../store/database.js';
import { readRollups } from '../store/rollups.js';
import { capMemoryLimit } from '../store/settings.js';
import { storedFlowsSql } from './flow-queries.js';

/** Where the start values of the rows to read lie, and about how many rows there are (for sizing slices only). */
export interface StartSpan {
  /** The least start (or less), undefined when no row has one. */
  low: bigint | undefined;
  /** The greatest start (or more). */
  high: bigint | undefined;
  /** About how many rows have a start. */
  rows: number;
}

/** How start-ordered reading cuts its rows: the rows of the first slice, and the most rows of any later one. */
export interface StartSliceOptions {
  /** About how many rows the first slice holds, so that the first lines come out at once (default 16,384). */
  firstRows?: number;
  /** About how many rows later slices hold at most; each slice is sorted on its own (default 262,144). */
  maxRows?: number;
}

/** How much one slice's width may change from the one before. */
const MAX_GROWTH = 16;

/**
 * Cuts rows into slices in start order: yields conditions on `"start"` whose ranges follow each other without gap
 * or overlap, from below the span's low to above its high, then `"start" IS NULL` (the rows `ORDER BY "start"`
 * puts last). Sorting each slice on its own and printing them one after the other gives the order of one sort of all
 * rows, but the first lines come out after sorting the first slice only, and no sort holds more than a slice.
 * The first slice's width comes from the span's density; the caller passes row counts to `next()` (as the
 * generator's `yield` result), each the count of the oldest slice not counted yet, so a caller that runs the next
 * slice before the one before has ended passes `undefined` then and the count later. The next width follows the
 * density last seen, growing towards `maxRows`. Counts only size slices: the ranges alone decide which rows each holds.
 */
export async function* startSlices(span: StartSpan, options: StartSliceOptions = {}): AsyncGenerator<string, void, number | undefined> {
  const maxRows = Math.max(1, options.maxRows ?? 1 << 18);
  let target = Math.min(maxRows, Math.max(1, options.firstRows ?? 1 << 14));
  if (span.low !== undefined && span.high !== undefined) {
    const extent = Number(span.high - span.low) + 1;
    let width = widthOf((target * extent) / Math.max(1, span.rows));
    // The widths of the slices yielded and not counted yet, oldest first.
    const uncounted: bigint[] = [];
    let lower: bigint | undefined;
    let upper = span.low + width;
    while (upper <= span.high) {
      uncounted.push(width);
      const rows = yield startRangeSql(lower, upper);
      target = Math.min(maxRows, target * 4);
      const counted = rows === undefined ? undefined : uncounted.shift();
      // No count given: grow as the targets do. None found: a gap in time, crossed in wider steps.
      const wanted =
        rows === undefined || counted === undefined ? Number(width) * 4 : rows === 0 ? Number(width) * MAX_GROWTH : (target * Number(counted)) / rows;
      lower = upper;
      width = widthOf(Math.min(Number(width) * MAX_GROWTH, Math.max(Number(width) / MAX_GROWTH, wanted)));
      upper = lower + width;
    }
    yield startRangeSql(lower, undefined);
  } else {
    yield '"start" IS NOT NULL';
  }
  yield '"start" IS NULL';
}

/** Rows counted per fixed-width window of start (e.g. the rollups' hours), for countedStartSlices. */
export interface StartCount {
  /** The window's first start value; the window is [start, start + width). */
  start: bigint;
  rows: number;
}

/**
 * Cuts rows into slices in start order, as startSlices does, from known counts per window of start (in window order;
 * windows without rows may be left out): each slice holds about `firstRows`, then up to four times the slice before,
 * at most `maxRows` as the counts tell, whatever the density, and once that size is reached the remaining rows are
 * shared by an even number of equal slices; a window with more rows is cut into equal parts of its width. Counts may
 * exceed the rows a condition selects (a time window, a filter); they only size slices.
 */
export async function* countedStartSlices(counts: readonly StartCount[], width: bigint, options: StartSliceOptions = {}): SliceQueries {
  const maxRows = Math.max(1, options.maxRows ?? 1 << 18);
  let target = Math.min(maxRows, Math.max(1, options.firstRows ?? 1 << 14));
  let left = counts.reduce((sum, { rows }) => sum + Math.max(0, rows), 0);
  let shared = false;
  const cuts: bigint[] = [];
  const cut = (at: bigint, rows: number): void => {
    if (cuts.length > 0 && (cuts[cuts.length - 1] as bigint) >= at) return;
    cuts.push(at);
    left -= rows;
    if (shared) return;
    target = Math.min(maxRows, target * 4);
    // At full size, the rest is shared by an even number of equal slices: slices are read two at a time, and a last
    // slice bigger than the others would be read alone at the end.
    if (target === maxRows) {
      target = Math.max(1, Math.ceil(left / (2 * Math.ceil(left / (2 * maxRows)))));
      shared = true;
    }
  };
  let held = 0;
  for (const { start, rows } of counts) {
    if (rows <= 0) continue;
    if (held > 0 && held + rows > target) {
      cut(start, held);
      held = 0;
    }
    if (rows <= target) {
      held += rows;
      continue;
    }
    // A window of more rows than a slice: equal parts of its width, each about `target` rows as it stands now.
    const parts = BigInt(Math.min(Math.ceil(rows / target), Number(width)));
    const part = Math.ceil(rows / Number(parts));
    for (let i = 1n; i < parts; i++) cut(start + (width * i) / parts, part);
    held = part;
  }
  let lower: bigint | undefined;
  for (const upper of cuts) {
    yield startRangeSql(lower, upper);
    lower = upper;
  }
  yield startRangeSql(lower, undefined);
  yield '"start" IS NULL';
}

/** The SQL condition of start values in [lower, upper); an open end when undefined (never NULL starts). */
export function startRangeSql(lower: bigint | undefined, upper: bigint | undefined): string {
  const parts = [lower === undefined ? undefined : `"start" >= ${lower}`, upper === undefined ? undefined : `"start" < ${upper}`].filter((p) => p !== undefined);
  return parts.length > 0 ? parts.join(' AND ') : '"start" IS NOT NULL';
}

/** The StartSpan of the rows of `from` (a table, view or derived table with a `start` column), counted exactly. */
export async function readStartSpan(store: Store, from: string): Promise<StartSpan> {
  const row = (await store.query(`SELECT min("start") AS low, max("start") AS high, count("start") AS n FROM ${from} AS f`)).rows[0] ?? {};
  const bound = (value: unknown): bigint | undefined => (value === null || value === undefined ? undefined : BigInt(value as number | bigint));
  return { low: bound(row.low), high: bound(row.high), rows: Number(row.n ?? 0) };
}

/**
 * The StartSpan of every stored record read from the whole-store rollups (a few thousand rows, where counting the
 * records scans all of them), or undefined when they are not current. Its bounds may be wider than the records'
 * (last_end for the greatest start): bounds only size the slices, whose first and last ranges are open.
 */
export async function rollupStartSpan(store: Store): Promise<StartSpan | undefined> {
  const pairs = (await readRollups(store))?.wholeStore?.pairs;
  if (pairs === undefined) return undefined;
  const row = (await store.query(`SELECT min(first_start) AS low, greatest(max(last_end), max(first_start)) AS high, sum(flows) AS n FROM ${pairs}`)).rows[0] ?? {};
  if (row.low === null || row.low === undefined) return undefined;
  return { low: BigInt(row.low as number | bigint), high: BigInt(row.high as number | bigint), rows: Number(row.n ?? 0) };
}

/**
 * Runs a sequence of queries whose rows follow each other (one query, or startSlices' conditions made into queries
 * by `sql`), each after the one before has been run by `run`, which resolves to the rows it gave.
 */
export async function runSlices(queries: string | SliceQueries, run: (sql: string) => Promise<number>): Promise<void> {
  if (typeof queries === 'string') {
    await run(queries);
    return;
  }
  let rows: number | undefined;
  for (;;) {
    const step = await queries.next(rows);
    if (step.done) return;
    rows = await run(step.value);
  }
}

/** Queries of a sliced read (see runSlices): each `next()` takes the rows the query before gave. */
export type SliceQueries = AsyncGenerator<string, void, number | undefined>;

/** startSlices' conditions made into queries. */
export async function* sliceQueries(slices: SliceQueries, sql: (condition: string) => string): SliceQueries {
  let rows: number | undefined;
  for (;;) {
    const step = await slices.next(rows);
    if (step.done) return;
    rows = yield sql(step.value);
  }
}

function widthOf(value: number): bigint {
  return Number.isFinite(value) && value >= 1 ? BigInt(Math.min(Math.round(value), Number.MAX_SAFE_INTEGER)) : 1n;
}

/** The memory_limit a sliced read runs under: each sort holds one slice, and a single pass gains nothing from a big cache. */
export const SLICED_READ_MEMORY = 128 * 1024 * 1024;

/**
 * Lowers the store's memory_limit to SLICED_READ_MEMORY while a sliced read prints (never raises it); DuckDB would
 * otherwise keep up to the whole limit of blocks it has read cached. Returns the function that puts the limit back.
 */
export function capSlicedReadMemory(store: Store): Promise<() => Promise<void>> {
  return capMemoryLimit(store, SLICED_READ_MEMORY);
}

/** The statements that read `columns` of the flows matching `where` in start order: one query keeping the first `limit` rows, or one per start slice. */
export async function startOrderedFlowQueries(store: Store, columns: readonly string[], where: string, limit: number): Promise<string | SliceQueries> {
  if (Number.isFinite(limit)) return storedFlowsSql(columns, where, limit);
  const span = (where === 'TRUE' ? await rollupStartSpan(store) : undefined) ?? (await readStartSpan(store, `(SELECT "start" FROM flows WHERE ${where})`));
  return sliceQueries(startSlices(span), (slice) => storedFlowsSql(columns, `(${where}) AND ${slice}`));
}
