import type { LogTableType } from '../parse/index.js';
import { quoteIdentifier } from '../sql/index.js';

/** SQL condition selecting a log table's rows in a time window (seconds since the epoch; either end open). */
export function logWindowSql(type: LogTableType, window: { start?: number | undefined; end?: number | undefined }): string {
  const parts: string[] = [];
  const time = quoteIdentifier(type.timeColumn);
  if (window.start !== undefined) parts.push(`${time} >= epoch_ms(${Math.round(window.start * 1000)})`);
  if (window.end !== undefined) parts.push(`${time} < epoch_ms(${Math.round(window.end * 1000)})`);
  return parts.length ? parts.join(' AND ') : 'TRUE';
}

/** SQL of a stored log table's rows (S3 access, CloudTrail) in the window: the columns in time order, at most `limit` when finite. */
export function storedLogRowsSql(
  type: LogTableType,
  columns: readonly string[],
  window: { start?: number | undefined; end?: number | undefined },
  limit = Infinity,
): string {
  const order = `${quoteIdentifier(type.timeColumn)}, unit_id`;
  return `SELECT ${columns.map(quoteIdentifier).join(', ')} FROM ${quoteIdentifier(type.table)} WHERE ${logWindowSql(type, window)} ORDER BY ${order}${Number.isFinite(limit) ? ` LIMIT ${limit}` : ''}`;
}
