import { ALL_COLUMNS } from '../records/index.js';
import type { Store } from '../store/database.js';
import { readStoredColumns } from '../store/flow-columns.js';
import { applySettings } from '../store/settings.js';
import { quoteIdentifier } from '../store/sql-text.js';
import { readFindipPruning } from './findip-pruning.js';
import { findipFlowsSql } from './flow-queries.js';
import { readPresentColumns } from './present-columns.js';
import { ROLLUP_SECONDS } from '../store/rollups.js';
import { countedStartSlices, readStartSpan, sliceQueries, startSlices } from './start-slices.js';
import type { SliceQueries } from './start-slices.js';

/** Memory allowed per expected row while findip gathers its rows (a row of 14-18 columns, with room to spare). */
const GATHER_BYTES_PER_ROW = 512;
const GATHER_MIN_BYTES = 64 * 1024 * 1024;
/** Up to this many expected rows findip gathers them in a temporary table first (see planFindip). */
const GATHER_MAX_ROWS = 100_000;
let gatherTables = 0;

/** A planned findip: the columns to show, the SQL of the found rows in start order, and the cleanup of its temporary table. */
export interface FindipPlan {
  /** The requested fields, else the stored columns with a value among the found rows. */
  columns: string[];
  /** SQL selecting `names` of the found rows ordered by start (and unit), with the plan's limit. */
  select(names: readonly string[]): string;
  /**
   * The same rows as `select`, as queries whose rows follow each other: many found rows are read in slices of start
   * (startSlices; pass each query's row count to `next()`), so the first come out after sorting a few; a few rows, or
   * a limit, make one query.
   */
  slices(names: readonly string[]): SliceQueries;
  /** Drops the temporary table the plan gathered its rows into, if any. */
  close(): Promise<void>;
}

/**
 * Plans findip over the flows selected by `where` whose source or destination is in the ranges. The rollups (when up
 * to date) narrow the scan to the units and address texts that hold the ranges, and tell how many rows there are. A
 * few rows, scattered over the whole table as an ordinary address's are, go into a temporary table in one pass, from
 * which the columns with values, a table's widths and the lines come; meanwhile DuckDB runs on one thread with its
 * memory capped near what the rows need, so that it reuses the buffers of blocks it has read instead of taking fresh
 * memory for each (a page fault per 4 KiB). Many rows are read straight from the flows table in slices of start
 * (`slices`), cut from the rollups' count per hour so that no slice holds more rows than its sort and lines should
 * (however the address's traffic varies over the day); with a limit DuckDB keeps only the first rows of its sort.
 * Call `close()` when done with the plan's SQL.
 */
export async function planFindip(
  store: Store,
  where: string,
  ranges: readonly { low: bigint; high: bigint }[],
  options: { fields?: readonly string[] | undefined; limit?: number | undefined } = {},
): Promise<FindipPlan> {
  const pruning = await readFindipPruning(store, ranges);
  const stored = await readStoredColumns(store);
  const wanted = options.fields ? [...options.fields] : ALL_COLUMNS.filter((c) => stored.has(c));
  let found = findipFlowsSql(where, ranges, pruning);
  const expected = pruning ? pruning.src.flows + pruning.dst.flows : undefined;
  // Each plan has its own table, so that plans open at the same time on one connection do not share rows.
  const gathered = options.limit === undefined && expected !== undefined && expected <= GATHER_MAX_ROWS ? `findip_rows_${++gatherTables}` : undefined;
  if (gathered && expected !== undefined) {
    const kept = [...new Set([...wanted, 'start', 'unit_id'])].map(quoteIdentifier).join(', ');
    const capped = store.path !== ':memory:';
    const gather = `CREATE OR REPLACE TEMP TABLE ${gathered} AS SELECT ${kept} FROM ${found} AS f`;
    // One thread pins half the blocks at a time, which keeps the scan within the cap; more threads overflow it,
    // and the pass then runs twice.
    const settings = capped ? { memory_limit: `${Math.ceil(Math.max(GATHER_MIN_BYTES, expected * GATHER_BYTES_PER_ROW) / 1048576)}MB`, threads: '1' } : {};
    const restore = await applySettings(store, settings);
    try {
      await store.run(gather);
    } catch (error) {
      // The cap is a speed setting, not a limit the user asked for: when the scan needs more, it runs without it.
      if (!capped || !/Out of Memory/i.test((error as Error).message)) throw error;
      await restore();
      await store.run(gather);
    } finally {
      await restore();
    }
    found = gathered;
  }
  const close = async (): Promise<void> => {
    if (gathered) await store.run(`DROP TABLE IF EXISTS ${gathered}`);
  };
  try {
    // Columns with values among all found rows, as presentFieldColumns (a field the table lacks is NULL everywhere).
    let columns = options.fields ? [...options.fields] : undefined;
    if (!columns) {
      const present = await readPresentColumns(store, found, wanted);
      columns = present.length > 0 ? present : ALL_COLUMNS.slice(0, 14);
    }
    const from = found;
    // Rows of equal start and unit (a request and its response) would follow each other in scan order; the whole
    // read orders them by the printed columns too, so that every run prints the same lines.
    const ordered = (names: readonly string[], condition: string, ties = false): string => {
      const keys = ['"start"', 'unit_id', ...(ties ? names.filter((n) => n !== 'start' && n !== 'unit_id').map(quoteIdentifier) : [])];
      return `SELECT ${names.map(quoteIdentifier).join(', ')} FROM ${from} AS f${condition === 'TRUE' ? '' : ` WHERE ${condition}`} ORDER BY ${keys.join(', ')}${options.limit === undefined ? '' : ` LIMIT ${options.limit}`}`;
    };
    const select = (names: readonly string[]): string => ordered(names, 'TRUE', true);
    const whole = gathered !== undefined || options.limit !== undefined;
    async function* slices(names: readonly string[]): SliceQueries {
      if (whole) {
        yield select(names);
        return;
      }
      const maxRows = sliceRows(names.length);
      if (pruning) {
        // The rollups count the found rows per hour: slices of the sizes wanted, however the traffic varies.
        const counts = pruning.hours.map(({ hour, rows }) => ({ start: hour, rows }));
        yield* sliceQueries(countedStartSlices(counts, BigInt(ROLLUP_SECONDS), { maxRows }), (slice) => ordered(names, slice));
        return;
      }
      // The span of all selected flows (from the column statistics when nothing is selected), sized by the rollups' count.
      const span = await readStartSpan(store, `(SELECT "start" FROM flows WHERE ${where})`);
      yield* sliceQueries(startSlices({ ...span, rows: expected ?? span.rows }, { maxRows }), (slice) => ordered(names, slice));
    }
    return { columns, select, slices, close };
  } catch (error) {
    await close();
    throw error;
  }
}

// Rows of one slice: DuckDB sorts a slice and, writing lines, holds them until they are in order, so wide rows make
// smaller slices (262,144 rows of up to 16 columns).
function sliceRows(columns: number): number {
  return Math.max(1 << 12, Math.min(1 << 18, Math.floor((1 << 22) / Math.max(1, columns))));
}
