import type { FieldValue } from '../records/index.js';
import type { LogFormat, RowMeta } from '../parse/index.js';
import { quoteIdentifier, sqlLiteral } from '../sql/index.js';

/** A record selection: time window on `start` (epoch seconds, start inclusive, end exclusive) and action. */
export interface RecordSelection {
  start?: number | undefined;
  end?: number | undefined;
  action?: 'ACCEPT' | 'REJECT' | undefined;
  filterPattern?: string | undefined;
}

/** The SQL condition (for the flows table) selecting the records of a selection; `TRUE` when it selects all. */
export async function selectionToSql(selection: RecordSelection): Promise<string> {
  const parts: string[] = [];
  if (selection.start !== undefined) parts.push(`${quoteIdentifier('start')} >= ${sqlLiteral(selection.start)}`);
  if (selection.end !== undefined) parts.push(`${quoteIdentifier('start')} < ${sqlLiteral(selection.end)}`);
  if (selection.action !== undefined) parts.push(`action = ${sqlLiteral(selection.action)}`);
  if (selection.filterPattern !== undefined) {
    const { filterPatternToFlowSql } = await import('./filter-pattern-hook.js');
    parts.push(`(${filterPatternToFlowSql(selection.filterPattern)})`);
  }
  return parts.length ? parts.join(' AND ') : 'TRUE';
}

/** A JS predicate with the same meaning as selectionToSql, for rows streamed straight from a source. */
export async function selectionToPredicate(
  selection: RecordSelection,
): Promise<((format: LogFormat, values: readonly FieldValue[], meta: RowMeta) => boolean) | undefined> {
  const { start, end, action } = selection;
  let matchLine: ((line: string) => boolean) | undefined;
  if (selection.filterPattern !== undefined) {
    const { filterPatternToLineMatcher } = await import('./filter-pattern-hook.js');
    matchLine = filterPatternToLineMatcher(selection.filterPattern);
  }
  if (start === undefined && end === undefined && action === undefined && !matchLine) return undefined;
  const indexCache = new WeakMap<LogFormat, { start: number; action: number }>();
  return (format, values, meta) => {
    let index = indexCache.get(format);
    if (!index) {
      index = { start: format.columns.indexOf('start'), action: format.columns.indexOf('action') };
      indexCache.set(format, index);
    }
    if (start !== undefined || end !== undefined) {
      const time = index.start >= 0 ? values[index.start] : null;
      if (typeof time !== 'number') return false;
      if (start !== undefined && time < start) return false;
      if (end !== undefined && time >= end) return false;
    }
    if (action !== undefined && (index.action < 0 || values[index.action] !== action)) return false;
    if (matchLine && !matchLine(meta.text)) return false;
    return true;
  };
}
