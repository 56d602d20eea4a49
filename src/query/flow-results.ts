import { cidrRange, findField, QueryError, toColumnName } from '../records/index.js';
import type { FlowRecord } from '../records/index.js';
import type { Store } from '../store/database.js';
import { quoteIdentifier } from '../store/sql-text.js';
import { planFindip } from './findip.js';
import { aggregateSql, ipsetSql } from './flow-queries.js';
import { presentFieldColumns } from './present-columns.js';
import { runGeneratedSql } from './run-sql.js';
import type { TableResult } from './run-sql.js';
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
  return runGeneratedSql(store, aggregateSql(keys, await selectionToSql(options.selection ?? {}), options.limit));
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
