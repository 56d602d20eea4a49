import { UsageError } from '../records/index.js';
import type { RecordSelection } from './selection.js';

/** How an Athena table of flow logs is laid out: flowlens's Parquet export or AWS's text delivery. */
export type TableFormat = 'parquet' | 'text';

/** The table a report or Insights query reads on each engine when none is named: the store's, the Athena DDL's, the ClickHouse schema's. */
export function defaultTableFor(engine: string | undefined, tableFormat: TableFormat = 'parquet'): string {
  if (engine === 'athena' || engine === 'trino') return tableFormat === 'text' ? 'vpc_flow_logs' : 'vpc_flow_logs_parquet';
  return 'flows';
}

/**
 * The selection as SQL every engine runs (no DuckDB macros, no TRUE literal, which old ClickHouse lacks). On Athena
 * the time window also constrains the partition columns, so only the days it covers are read (and paid for).
 */
export function remoteSelectionSql(engine: string, selection: RecordSelection, tableFormat: TableFormat = 'parquet'): string {
  if (selection.filterPattern !== undefined) {
    throw new UsageError(`--filter-pattern runs on the local store only, not with --engine ${engine}`, {
      hint: 'filter with the report parameters, --start/--end/--action, or an Insights `filter` instead',
    });
  }
  const parts: string[] = [];
  if (selection.start !== undefined) parts.push(`"start" >= ${Math.trunc(selection.start)}`);
  if (selection.end !== undefined) parts.push(`"start" < ${Math.trunc(selection.end)}`);
  if (selection.action !== undefined) parts.push(`"action" = '${selection.action === 'REJECT' ? 'REJECT' : 'ACCEPT'}'`);
  if ((engine === 'athena' || engine === 'trino') && (selection.start !== undefined || selection.end !== undefined)) {
    parts.push(partitionCondition(selection, tableFormat));
  }
  return parts.length > 0 ? parts.join(' AND ') : '1 = 1';
}

function partitionCondition(selection: RecordSelection, tableFormat: TableFormat): string {
  const day = (epoch: number, sep: string): string => new Date(epoch * 1000).toISOString().slice(0, 10).replaceAll('-', sep);
  // Partition values are zero-padded text, so comparing them as strings orders them by time.
  const column = tableFormat === 'text' ? '"day"' : 'concat("year", "month", "day")';
  const sep = tableFormat === 'text' ? '/' : '';
  const parts: string[] = [];
  if (selection.start !== undefined) parts.push(`${column} >= '${day(selection.start, sep)}'`);
  if (selection.end !== undefined) parts.push(`${column} <= '${day(selection.end - 1, sep)}'`);
  return parts.join(' AND ');
}
