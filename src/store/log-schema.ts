import { LOG_TABLE_TYPES } from '../parse/index.js';
import type { LogTableType } from '../parse/index.js';
import { quoteIdentifier } from './sql-text.js';

/** The log tables (`s3_access`, `cloudtrail`) whose rows ingest deletes when a unit is re-read. */
export const LOG_TABLES: readonly string[] = LOG_TABLE_TYPES.map((type) => type.table);

/** CREATE TABLE statement of one log type: its columns in DDL order, then `unit_id` (ingest_units.unit_id). */
export function logTableStatement(type: LogTableType): string {
  const columns = type.columns.map((c) => `${quoteIdentifier(c.name)} ${c.sqlType}`);
  columns.push('unit_id INTEGER');
  return `CREATE TABLE IF NOT EXISTS ${quoteIdentifier(type.table)} (\n  ${columns.join(',\n  ')}\n)`;
}

// Columns added after the first release of a log table: stores created before get them on open.
const ADDED_COLUMNS: Readonly<Record<string, readonly string[]>> = { cloudtrail: ['managementevent', 'insightdetails'] };

/** SQL creating the S3 access log and CloudTrail tables when missing (run with the flows schema), and adding later columns. */
export function logSchemaStatements(): string[] {
  return LOG_TABLE_TYPES.flatMap((type) => [
    logTableStatement(type),
    ...type.columns
      .filter((c) => ADDED_COLUMNS[type.table]?.includes(c.name))
      .map((c) => `ALTER TABLE ${quoteIdentifier(type.table)} ADD COLUMN IF NOT EXISTS ${quoteIdentifier(c.name)} ${c.sqlType}`),
  ]);
}
