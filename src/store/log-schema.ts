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

/** SQL creating the S3 access log and CloudTrail tables when missing (run with the flows schema). */
export function logSchemaStatements(): string[] {
  return LOG_TABLE_TYPES.map(logTableStatement);
}
