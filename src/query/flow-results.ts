import { cidrRange, findField, QueryError, toColumnName } from '../records/index.js';
import type { FlowRecord } from '../records/index.js';
import type { RowStream, Store } from '../store/database.js';
import { capMemoryLimit, parseByteSize } from '../store/settings.js';
import { AGGREGATE_PASS_MEMORY_BYTES, aggregatePassCount, isOutOfMemory, readAggregateGroupBound, streamAggregatePasses } from './aggregate-passes.js';
import { quoteIdentifier } from '../sql/index.js';
import { planFindip } from './findip.js';
import { aggregateSql, ipsetSql } from './flow-queries.js';
import { presentFieldColumns } from './present-columns.js';
import { runGeneratedSql } from '../engines/index.js';
import type { TableResult } from '../engines/index.js';
import { selectionToSql } from './selection.js';
import type { RecordSelection } from './selection.js';

/** Which stored records to read and how many: the selection, the fields (hyphenated or snake_case; default those with values), a limit. */
export interface RecordQueryOptions {
  selection?: RecordSelection | undefined;
  fields?: readonly string[] | undefined;
  limit?: number | undefined;
}

/** The stored flow records of a selection (time window, action, filter pattern) in start order, streamed in batches from DuckDB. */
export async function* queryRecords(store: Store, options: RecordQueryOptions = {}): AsyncGenerator<FlowRecord> {
  const where = await selectionToSql(options.selection ?? {});
  yield* streamOrdered(store, 'flows', where, options);
}

/** The stored flows from or to any of the addresses or CIDRs (IPv4 or IPv6), in start order; reads only the units that hold them when the rollups are up to date. */
export async function* findip(store: Store, addresses: string | readonly string[], options: RecordQueryOptions = {}): AsyncGenerator<FlowRecord> {
  const ranges = (typeof addresses === 'string' ? [addresses] : addresses).map((address) => {
    try {
      return cidrRange(address);
    } catch (error) {
      throw new QueryError('syntax', `findip: ${(error as Error).message}`, { hint: 'give addresses like 10.0.1.5, 2001:db8::1 or CIDRs like 10.0.1.0/24' });
    }
  });
  const where = await selectionToSql(options.selection ?? {});
  const limit = options.limit === undefined ? undefined : Math.max(0, Math.trunc(options.limit));
  const plan = await planFindip(store, where, ranges, { fields: columnNames(options.fields), limit });
  try {
    const slices = plan.slices(plan.columns);
    let rows: number | undefined;
    for (let step = await slices.next(rows); !step.done; step = await slices.next(rows)) {
      rows = 0;
      for await (const batch of store.stream(step.value)) {
        rows += batch.length;
        yield* batch as FlowRecord[];
      }
    }
  } finally {
    await plan.close();
  }
}

/** The unique source and destination addresses of the selected stored records, in numeric order (flowlogs_reader's ipset). */
export async function ipset(store: Store, options: { selection?: RecordSelection | undefined } = {}): Promise<string[]> {
  const result = await store.query(ipsetSql(await selectionToSql(options.selection ?? {})));
  return result.rows.map((row) => String(row.address));
}

/** Flows grouped by key fields (default the 5-tuple) with count, packets and bytes statistics, first start and last end; most bytes first. */
export async function aggregate(store: Store, options: { by?: readonly string[] | undefined; selection?: RecordSelection | undefined; limit?: number | undefined } = {}): Promise<TableResult> {
  const keys = columnNames(options.by) ?? ['srcaddr', 'dstaddr', 'srcport', 'dstport', 'protocol'];
  const restore = await capMemoryLimit(store, AGGREGATE_MEMORY_BYTES);
  try {
    return await runGeneratedSql(store, aggregateSql(keys, await selectionToSql(options.selection ?? {}), options.limit));
  } finally {
    await restore();
  }
}

/**
 * DuckDB's memory_limit while an aggregate runs. Its hash table and sort spill beyond the limit, but the process also
 * holds a fixed part outside it (about 170 MB with the node runtime), so a month of groups stays under 512 MB.
 */
export const AGGREGATE_MEMORY_BYTES = 160 * 1024 * 1024;

/** The most groups (as readAggregateGroupBound bounds them) one statement sorts and streams, unless a limit keeps fewer. */
export const SINGLE_STATEMENT_GROUPS = 1 << 18;

/**
 * The rows of aggregateSql as DuckDB produces them, under AGGREGATE_MEMORY_BYTES (or the store's lower limit) until
 * the stream ends. More stored records than one statement can group under that limit are grouped in passes over
 * hash partitions of the keys (streamAggregatePasses); so is an aggregate that runs out of memory in one statement,
 * and one of more than SINGLE_STATEMENT_GROUPS groups (a single pass then), whose slices are read and counted.
 */
export async function streamAggregate(
  store: Store,
  keys: readonly string[],
  where: string,
  limit?: number,
  prepare: (sql: string) => Promise<string> = async (sql) => sql,
): Promise<RowStream> {
  const restore = await capMemoryLimit(store, AGGREGATE_MEMORY_BYTES);
  let stream: RowStream;
  try {
    const memory = parseByteSize(String(await store.scalar("SELECT current_setting('memory_limit')"))) ?? AGGREGATE_MEMORY_BYTES;
    const bound = await readAggregateGroupBound(store, keys);
    // Many groups (without a small limit) are grouped into a scratch table and read in counted, ordered slices even
    // when one statement could group them: the scan of one statement's sorted groups can fail part way, unseen.
    if (aggregatePassCount(bound, memory) > 1 || (bound > SINGLE_STATEMENT_GROUPS && (limit ?? Infinity) > SINGLE_STATEMENT_GROUPS)) {
      stream = await streamAggregatePasses(store, keys, where, aggregatePassCount(bound, Math.min(memory, AGGREGATE_PASS_MEMORY_BYTES)), limit);
    } else {
      try {
        stream = await store.streamRows(await prepare(aggregateSql(keys, where, limit)));
      } catch (error) {
        // Nothing was printed yet: the groups go through passes instead (records read in place have no count).
        if (!isOutOfMemory(error) || (await readAggregateGroupBound(store)) === 0) throw error;
        stream = await streamAggregatePasses(store, keys, where, 4, limit);
      }
    }
  } catch (error) {
    await restore();
    throw error;
  }
  return {
    columns: stream.columns,
    types: stream.types,
    async *[Symbol.asyncIterator]() {
      try {
        yield* stream;
      } finally {
        await restore();
      }
    },
  };
}

async function* streamOrdered(store: Store, from: string, where: string, options: RecordQueryOptions): AsyncGenerator<FlowRecord> {
  const columns = columnNames(options.fields) ?? (await presentFieldColumns(store, where, from));
  const limit = options.limit === undefined ? '' : ` LIMIT ${Math.max(0, Math.trunc(options.limit))}`;
  const sql = `SELECT ${columns.map(quoteIdentifier).join(', ')} FROM ${from} AS f WHERE ${where} ORDER BY "start", unit_id${limit}`;
  for await (const batch of store.stream(sql)) yield* batch as FlowRecord[];
}

function columnNames(fields: readonly string[] | undefined): string[] | undefined {
  return fields?.map((name) => {
    const field = findField(name.trim());
    if (!field) throw new QueryError('syntax', `unknown field "${name.trim()}"`, { hint: 'field names as AWS documents them, e.g. srcaddr, dst-port or log_status' });
    return toColumnName(field.name);
  });
}
