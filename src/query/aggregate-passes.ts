import { readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { RowStream, Store } from '../store/database.js';
import { QueryError } from '../records/index.js';
import { quoteIdentifier, sqlLiteral } from '../sql/index.js';
import { applySettings, capMemoryLimit } from '../store/settings.js';
import { readRollups, ROLLUP_KEYS } from '../store/rollups.js';
import { createAggregateFolder, removeIngestFolder } from '../store/temp-folders.js';
import { aggregateInputSql, aggregateOrderSql, aggregateSql, hashedKey } from './flow-queries.js';

/**
 * Groups one aggregate pass may hold under a 160 MiB memory limit. DuckDB spills a large aggregation in a number of
 * partitions that shrinks with the memory limit, and each partition must fit when it is finalized: 12.5M 5-tuples
 * passed under 160 MiB, 100M did not.
 */
export const GROUPS_PER_PASS = 8_000_000;
const REFERENCE_MEMORY_BYTES = 160 * 1024 * 1024;
/**
 * DuckDB's memory_limit while passes run (never raised): below the single statement's, since the passes' Parquet
 * reads and the final sort of every group hold memory outside the limit too.
 */
export const AGGREGATE_PASS_MEMORY_BYTES = 128 * 1024 * 1024;
/** DuckDB's memory_limit while the grouped passes are read in ordered slices (never raised). */
export const AGGREGATE_READ_MEMORY_BYTES = 64 * 1024 * 1024;
/** About how many groups one ordered slice of the final read sorts. */
const SLICE_GROUPS = 1 << 18;
/** The most passes an aggregate is split into (after retries). */
const MAX_PASSES = 4096;
let scratchDatabases = 0;

/**
 * Passes an aggregate over at most `groups` groups needs under `memoryBytes`: one when they fit, else enough that
 * each pass holds about GROUPS_PER_PASS groups (fewer under a lower limit: DuckDB's partitions shrink with it too).
 */
export function aggregatePassCount(groups: number, memoryBytes: number): number {
  const scale = Math.min(1, memoryBytes / REFERENCE_MEMORY_BYTES);
  const perPass = Math.max(1, Math.floor(GROUPS_PER_PASS * scale * scale));
  return Math.min(MAX_PASSES, Math.max(1, Math.ceil(groups / perPass)));
}

/**
 * At most how many groups an aggregate of the stored flows by `keys` can have: the stored records (a table's row
 * count, no scan), or fewer when the keys are among the whole-store ports rollup's and it is current (the rollup's
 * distinct keys, counted approximately with a margin; an aggregate that still runs out of memory goes through
 * passes). 0 when flows is not the stored table (SOURCE files read in place), whose aggregate runs in one statement.
 */
export async function readAggregateGroupBound(store: Store, keys: readonly string[] = []): Promise<number> {
  const found = await store.query("SELECT estimated_size AS n FROM duckdb_tables() WHERE table_name = 'flow_records' AND NOT temporary AND database_name = current_database()");
  const records = Number(found.rows[0]?.n ?? 0);
  if (keys.length === 0 || !keys.every((key) => ROLLUP_KEYS.ports.includes(key))) return records;
  const ports = (await readRollups(store))?.wholeStore?.ports;
  if (ports === undefined) return records;
  const distinct = Number(await store.scalar(`SELECT approx_count_distinct(hash(${keys.map(hashedKey).join(', ')})) FROM ${ports}`));
  return Math.min(records, Math.ceil(distinct * ROLLUP_COUNT_MARGIN) + 1);
}

/** Headroom over approx_count_distinct's estimate (a HyperLogLog, within a few percent). */
const ROLLUP_COUNT_MARGIN = 1.25;

/**
 * The rows of aggregateSql in `passes` hash partitions of the keys. One scan of the flows writes the columns the
 * aggregate reads to Parquet files, one folder per partition; each pass groups one folder into a table of a scratch
 * database (so DuckDB never holds more than a pass's groups), and one ordered read streams the groups. All of it
 * lives in a folder beside the store's temporary folder, removed when the stream ends. An out-of-memory pass starts
 * over with four times the passes. `sliceGroups`: about how many groups each ordered slice of the final read sorts.
 */
export async function streamAggregatePasses(store: Store, keys: readonly string[], where: string, passes: number, limit?: number, sliceGroups = SLICE_GROUPS): Promise<RowStream> {
  const catalog = `flowlens_aggregate_${process.pid}_${++scratchDatabases}`;
  const temp = String(await store.scalar("SELECT current_setting('temp_directory')"));
  // Beside DuckDB's own temporary folder (on the disk meant for spilling), named with this process id so that a
  // later run removes it if this one is killed.
  const folder = createAggregateFolder(temp ? dirname(temp) : tmpdir());
  const table = `${quoteIdentifier(catalog)}.groups`;
  const cleanup = async (): Promise<void> => {
    try {
      await store.run(`DETACH DATABASE IF EXISTS ${quoteIdentifier(catalog)}`);
    } finally {
      removeIngestFolder(folder);
    }
  };
  const restore = await capMemoryLimit(store, AGGREGATE_PASS_MEMORY_BYTES);
  let restoreRead = async (): Promise<void> => undefined;
  try {
    await store.run(`ATTACH ${sqlLiteral(join(folder, 'groups.duckdb'))} AS ${quoteIdentifier(catalog)} (READ_WRITE)`);
    await fillPasses(store, { folder, table, keys, where, limit }, passes);
    const slices = limit === undefined ? await orderedSlices(store, table, sliceGroups) : ['TRUE'];
    // Each slice sorts a few hundred thousand groups: a lower limit keeps DuckDB from caching more blocks than that.
    restoreRead = await capMemoryLimit(store, AGGREGATE_READ_MEMORY_BYTES);
    const shape = await store.streamRows(`SELECT * FROM ${table} LIMIT 0`);
    for await (const rows of shape) void rows;
    return {
      columns: shape.columns,
      types: shape.types,
      async *[Symbol.asyncIterator]() {
        try {
          for (const slice of slices) yield* readSlice(store, table, slice, keys, limit);
        } finally {
          await restoreRead();
          await restore();
          await cleanup();
        }
      },
    };
  } catch (error) {
    await restoreRead();
    await restore();
    await cleanup();
    throw error;
  }
}

interface PassTarget {
  folder: string;
  table: string;
  keys: readonly string[];
  where: string;
  limit: number | undefined;
}

// Groups every partition into the target table; with a limit each pass keeps only its own first `limit` groups (the
// first of all are among them).
async function fillPasses(store: Store, target: PassTarget, passes: number): Promise<void> {
  const { folder, table, keys, where, limit } = target;
  for (let count = passes; ; count = Math.min(MAX_PASSES, count * 4)) {
    const input = join(folder, `input-${count}`);
    try {
      await store.run(`DROP TABLE IF EXISTS ${table}`);
      // An empty table of the result's columns and types, whatever the partitions hold.
      await store.run(`CREATE TABLE ${table} AS ${aggregateSql(keys, 'FALSE', undefined, { unordered: true })}`);
      if (count === 1) {
        // One pass groups the flows straight into the table, in order (no Parquet copy).
        await store.run(`INSERT INTO ${table} ${aggregateSql(keys, where, limit)}`);
        return;
      }
      await writePartitions(store, input, keys, where, count);
      for (const part of readdirSync(input).filter((name) => name.startsWith('part='))) {
        const from = `read_parquet(${sqlLiteral(join(input, part, '*.parquet'))}, hive_partitioning = false)`;
        // Each pass's groups in order: the table is a few sorted runs, whose zone maps let a range of bytes_sum
        // (orderedSlices) skip the row groups of the others.
        await store.run(`INSERT INTO ${table} ${aggregateSql(keys, 'TRUE', limit, { from })}`);
        rmSync(join(input, part), { recursive: true, force: true });
      }
      return;
    } catch (error) {
      if (count >= MAX_PASSES || !isOutOfMemory(error)) throw error;
    } finally {
      rmSync(input, { recursive: true, force: true });
    }
  }
}

/**
 * The queries reading the grouped table in aggregateSql's order, one per range of bytes_sum (from approximate
 * quantiles; each sorted on its own, most bytes first, NULL last): no sort holds every group, which would keep
 * memory outside DuckDB's limit for each row.
 */
async function orderedSlices(store: Store, table: string, sliceGroups: number): Promise<string[]> {
  const rows = Number(await store.scalar(`SELECT count(*) FROM ${table}`));
  const slices = Math.ceil(rows / Math.max(1, sliceGroups));
  if (slices <= 1) return ['TRUE'];
  const fractions = Array.from({ length: slices - 1 }, (_, i) => (i + 1) / slices);
  const found = (await store.query(`SELECT approx_quantile(bytes_sum, [${fractions.join(', ')}])::VARCHAR[] AS q FROM ${table}`)).rows[0]?.q;
  const bounds = [...new Set(((found as string[] | null | undefined) ?? []).filter((v) => v !== null))].map((v) => BigInt(v)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const conditions: string[] = [];
  let upper: bigint | undefined;
  for (const lower of bounds.reverse()) {
    conditions.push(`bytes_sum > ${lower}${upper === undefined ? '' : ` AND bytes_sum <= ${upper}`}`);
    upper = lower;
  }
  conditions.push(upper === undefined ? 'bytes_sum IS NOT NULL' : `bytes_sum <= ${upper}`);
  conditions.push('bytes_sum IS NULL');
  return conditions;
}

/** How many times a slice whose result DuckDB ended early is read again from where it stopped. */
const SLICE_READS = 3;

/**
 * The groups of one slice (`condition` on the grouped table) in aggregateSql's order, checked against the slice's
 * count: a streamed DuckDB result that fails part way (e.g. out of memory) ends like a complete one, so a slice that
 * comes back short is read again from the row where it stopped (the order is total: the keys break every tie), and
 * fails with a QueryError when it stays short.
 */
async function* readSlice(store: Store, table: string, condition: string, keys: readonly string[], limit: number | undefined): AsyncGenerator<unknown[][]> {
  const rows = Number(await store.scalar(`SELECT count(*) FROM ${table} WHERE ${condition}`));
  const expected = limit === undefined ? rows : Math.min(rows, Math.max(0, Math.trunc(limit)));
  let read = 0;
  for (let attempt = 0; read < expected; attempt++) {
    if (attempt === SLICE_READS) {
      throw new QueryError('aggregate-short', `aggregate: DuckDB ended the groups' result after ${read} of ${expected} rows of a slice (${condition})`, {
        hint: 'DuckDB probably ran out of memory while reading; set FLOWLENS_MEMORY_LIMIT higher (e.g. 512MB) or give --limit',
      });
    }
    const order = aggregateOrderSql(keys, limit === undefined ? undefined : expected - read);
    const sql = `SELECT * FROM ${table} WHERE ${condition}\n${order}${read > 0 ? ` OFFSET ${read}` : ''}`;
    for await (const batch of await store.streamRows(sql)) {
      read += batch.length;
      yield batch;
    }
  }
}

/** Rows DuckDB buffers per thread, over all partitions, before writing them out. */
const PARTITION_BUFFER_ROWS = 1 << 18;

// One scan of the selected flows into Parquet files under `folder`, one subfolder per hash partition of the keys.
async function writePartitions(store: Store, folder: string, keys: readonly string[], where: string, count: number): Promise<void> {
  const flush = String(Math.max(2048, Math.floor(PARTITION_BUFFER_ROWS / count)));
  const restore = await applySettings(store, { partitioned_write_flush_threshold: flush, partitioned_write_max_open_files: String(Math.min(count, 256)) });
  try {
    await store.run(`COPY (${aggregateInputSql(keys, where, count)}) TO ${sqlLiteral(folder)} (FORMAT parquet, PARTITION_BY (part), ROW_GROUP_SIZE ${flush})`);
  } finally {
    await restore();
  }
}

/** Whether DuckDB failed for want of memory (a pass or statement to split further). */
export function isOutOfMemory(error: unknown): boolean {
  return /Out of Memory/i.test((error as Error | undefined)?.message ?? '');
}
