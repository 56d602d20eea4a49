import { addressInRangesSql, addressRangeSql } from '../sql/addresses.js';
import { quoteIdentifier, sqlLiteral } from '../sql/index.js';
import type { FindipPruning, FindipSide } from './findip-pruning.js';

/** SQL for the unique addresses (source or destination) of the selected records, in numeric order. */
export function ipsetSql(where: string): string {
  return `SELECT address FROM (
  SELECT srcaddr AS address, src_ip AS ip FROM flows WHERE (${where}) AND srcaddr IS NOT NULL
  UNION
  SELECT dstaddr, dst_ip FROM flows WHERE (${where}) AND dstaddr IS NOT NULL
) ORDER BY ip, address`;
}

/** SQL condition: source or destination inside any of the 128-bit ranges. */
export function findipSql(ranges: readonly { low: bigint; high: bigint }[]): string {
  const tests = ranges.map(({ low, high }) => `${addressRangeSql('src_ip', low, high)} OR ${addressRangeSql('dst_ip', low, high)}`);
  return tests.join(' OR ') || 'FALSE';
}

/**
 * A derived table of the flows selected by `where` whose source or destination is inside any of the ranges (the
 * rows findipSql selects). One scan per side: DuckDB pushes a range test on one column into the scan and reads the
 * other columns only for matching rows, while an OR over src_ip and dst_ip makes it read every column of every row.
 * With `pruning` (readFindipPruning, from the rollups) each side reads only the units that hold its addresses; a side
 * no unit holds is left out.
 */
export function findipFlowsSql(where: string, ranges: readonly { low: bigint; high: bigint }[], pruning?: FindipPruning): string {
  const inRanges = (column: string): string => addressInRangesSql(column, ranges);
  const test = (ip: string, side: FindipSide | undefined): string => {
    if (!side) return inRanges(ip);
    const units = `${quoteIdentifier('unit_id')} IN (${side.units.map((u) => sqlLiteral(u)).join(', ')})`;
    // The numbers, not the texts: the flows view makes address texts from the stored numbers. Ingest writes rows
    // ordered by source address, so a source range is a narrow band of row groups whose zone maps on src_ip skip the rest.
    return `${units} AND (${inRanges(ip)})`;
  };
  const branches: string[] = [];
  if (!pruning || pruning.src.units.length > 0) branches.push(`SELECT * FROM flows WHERE (${where}) AND ${test('src_ip', pruning?.src)}`);
  if (!pruning || pruning.dst.units.length > 0) {
    branches.push(`SELECT * FROM flows WHERE (${where}) AND ${test('dst_ip', pruning?.dst)} AND NOT coalesce(${inRanges('src_ip')}, FALSE)`);
  }
  return `(${branches.length > 0 ? branches.join('\n  UNION ALL\n  ') : 'SELECT * FROM flows WHERE FALSE'})`;
}

/** Where aggregateSql reads and what it leaves out: another relation with the flows' columns, unordered groups. */
export interface AggregateSqlOptions {
  /** A table or table function with the columns of flows it reads (default flows). */
  from?: string;
  /** Leave the groups unordered (unless a limit keeps the first ones). */
  unordered?: boolean;
}

/** SQL grouping flows by the key columns with count, packets and bytes statistics, first start and last end; most bytes first. */
export function aggregateSql(keys: readonly string[], where: string, limit?: number, options: AggregateSqlOptions = {}): string {
  const keyList = keys.map(quoteIdentifier).join(', ');
  const order = options.unordered && limit === undefined ? '' : `\n${aggregateOrderSql(keys, limit)}`;
  return `SELECT ${keyList},
  count(*) AS flows,
  sum(packets) AS packets_sum, min(packets) AS packets_min, max(packets) AS packets_max,
  sum(bytes) AS bytes_sum, min(bytes) AS bytes_min, max(bytes) AS bytes_max,
  count(*) FILTER (WHERE action = 'ACCEPT') AS accepted,
  count(*) FILTER (WHERE action = 'REJECT') AS rejected,
  min("start") AS first_start, max("end") AS last_end
FROM ${options.from ?? 'flows'} WHERE (${where}) AND log_status IS DISTINCT FROM 'NODATA' AND log_status IS DISTINCT FROM 'SKIPDATA'
GROUP BY ${keyList}${order}`;
}

/** The columns of flows aggregateSql reads besides the keys. */
export const AGGREGATE_INPUT_COLUMNS: readonly string[] = ['packets', 'bytes', 'action', 'start', 'end', 'log_status'];

/**
 * SQL of the columns aggregateSql reads from the flows selected by `where`, with `part`: the hash partition (of
 * `count`) of the record's keys. An address text is hashed by its number, which ingest derives from the text (one
 * text, one number), so equal texts share a partition without hashing the texts.
 */
export function aggregateInputSql(keys: readonly string[], where: string, count: number): string {
  const columns = [...new Set([...keys, ...AGGREGATE_INPUT_COLUMNS])].map(quoteIdentifier).join(', ');
  return `SELECT ${columns}, hash(${keys.map(hashedKey).join(', ')}) % ${Math.trunc(count)} AS part FROM flows WHERE (${where})`;
}

/** What a group key is hashed by: an address text by its number (see aggregateInputSql), any other key itself. */
export function hashedKey(key: string): string {
  return key === 'srcaddr' ? 'src_ip' : key === 'dstaddr' ? 'dst_ip' : quoteIdentifier(key);
}

/** The ORDER BY (and LIMIT) of aggregateSql's rows: most bytes first, then most flows, then the keys. */
export function aggregateOrderSql(keys: readonly string[], limit?: number): string {
  return `ORDER BY bytes_sum DESC NULLS LAST, flows DESC, ${keys.map(quoteIdentifier).join(', ')}${limit === undefined ? '' : `\nLIMIT ${Math.trunc(limit)}`}`;
}

/** SQL of the stored flows selected by `where`: the columns in start order, at most `limit` rows when finite. */
export function storedFlowsSql(columns: readonly string[], where: string, limit = Infinity): string {
  return `SELECT ${columns.map(quoteIdentifier).join(', ')} FROM flows WHERE ${where} ORDER BY "start", unit_id${Number.isFinite(limit) ? ` LIMIT ${limit}` : ''}`;
}
