import { UsageError } from '../../records/index.js';
import { CLOUDTRAIL_LOG_TYPE } from '../cloudtrail/fields.js';
import { S3_ACCESS_LOG_TYPE } from '../s3-access/fields.js';
import { LOG_TYPE_NAMES } from './types.js';
import type { LogTableType, LogTypeChoice, LogTypeName, LogValue } from './types.js';

/** The log types stored in tables of their own (flow logs use the `flows` table and its own machinery). */
export const LOG_TABLE_TYPES: readonly LogTableType[] = [S3_ACCESS_LOG_TYPE, CLOUDTRAIL_LOG_TYPE];

/** The table type of a log type name; undefined for `vpc`. */
export function findLogTableType(name: LogTypeName): LogTableType | undefined {
  return LOG_TABLE_TYPES.find((type) => type.name === name);
}

/** Parses a --log-type value (`vpc`, `s3-access`, `cloudtrail` or `auto`); throws UsageError otherwise. */
export function parseLogTypeChoice(text: string | undefined): LogTypeChoice {
  if (text === undefined || text === 'auto') return 'auto';
  const name = text.trim().toLowerCase();
  const aliases: Record<string, LogTypeName> = { flow: 'vpc', flowlogs: 'vpc', s3: 's3-access', s3access: 's3-access', 's3_access': 's3-access' };
  const found = (LOG_TYPE_NAMES as readonly string[]).includes(name) ? (name as LogTypeName) : aliases[name];
  if (!found) throw new UsageError(`--log-type "${text}" is not one of ${LOG_TYPE_NAMES.join(', ')}`, { hint: 'leave --log-type out to detect the type from the content' });
  return found;
}

/** The names of the columns that are fields of the record itself (what `print` shows), in DDL order. */
export function recordColumnNames(type: LogTableType): string[] {
  return type.columns.filter((c) => c.record).map((c) => c.name);
}

/** Builds a plain object from decoded values: the record fields, or every column when `all` is set. */
export function toLogRecord(type: LogTableType, values: readonly LogValue[], all = false): Record<string, LogValue> {
  const record: Record<string, LogValue> = {};
  type.columns.forEach((column, i) => {
    if (all || column.record) record[column.name] = values[i] ?? null;
  });
  return record;
}
