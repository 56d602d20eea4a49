import { UsageError } from '../records/index.js';
import { sqlLiteral } from '../sql/index.js';
import type { RecordSelection } from './selection.js';

/** The Athena table's layout: Parquet export (year/month/day), AWS text with account/region/day partitions, or text with year/month/day ones. */
export type TableFormat = 'parquet' | 'text' | 'text-ymd';

/** Account and region values for the text table's aws_account/aws_region partitions (--accounts, --regions). */
export interface PartitionValues {
  accounts?: readonly string[] | undefined;
  regions?: readonly string[] | undefined;
}

/** The table a report or Insights query reads on each engine when none is named: the store's, the Athena DDL's, the ClickHouse schema's. */
export function defaultTableFor(engine: string | undefined, tableFormat: TableFormat = 'parquet'): string {
  if (engine === 'athena' || engine === 'trino') return tableFormat === 'parquet' ? 'vpc_flow_logs_parquet' : 'vpc_flow_logs';
  return 'flows';
}

/**
 * The selection as SQL every engine runs (no DuckDB macros, no TRUE literal, which old ClickHouse lacks). On Athena
 * the time window also constrains the partition columns, so only the days it covers are read (and paid for); on the
 * text table the account and region partitions are always named (an injected partition accepts only equality
 * predicates, and at least one must be present).
 */
export function remoteSelectionSql(engine: string, selection: RecordSelection, tableFormat: TableFormat = 'parquet', partitions: PartitionValues = {}): string {
  if (selection.filterPattern !== undefined) {
    throw new UsageError(`--filter-pattern runs on the local store only, not with --engine ${engine}`, {
      hint: 'filter with the report parameters, --start/--end/--action, or an Insights `filter` instead',
    });
  }
  const parts: string[] = [];
  if (selection.start !== undefined) parts.push(`"start" >= ${Math.trunc(selection.start)}`);
  if (selection.end !== undefined) parts.push(`"start" < ${Math.trunc(selection.end)}`);
  if (selection.action !== undefined) parts.push(`"action" = '${selection.action === 'REJECT' ? 'REJECT' : 'ACCEPT'}'`);
  const athena = engine === 'athena' || engine === 'trino';
  if (athena && tableFormat === 'text') parts.push(...accountRegionCondition(partitions));
  if (athena && (selection.start !== undefined || selection.end !== undefined)) {
    parts.push(partitionCondition(selection, tableFormat));
  }
  return parts.length > 0 ? parts.join(' AND ') : '1 = 1';
}

function accountRegionCondition(partitions: PartitionValues): string[] {
  const { accounts, regions } = partitions;
  if (!accounts?.length || !regions?.length) {
    throw new UsageError('--table-format text needs --accounts and --regions: the table is partitioned by account and region', {
      hint: 'name them (Athena reads only their folders; an injected partition must be named), or use a table made with `athena ddl --partition-layout year-month-day` and --table-format text-ymd',
    });
  }
  const list = (values: readonly string[]): string => values.map((v) => sqlLiteral(v)).join(', ');
  return [`"aws_account" IN (${list(accounts)})`, `"aws_region" IN (${list(regions)})`];
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
