import { ALL_FIELDS, DEFAULT_FORMAT, findField, toColumnName } from '../records/index.js';
import type { FieldDefinition } from '../records/index.js';

/** The physical type AWS documents for a field in its Parquet flow logs ("Available fields", Parquet data type column). */
export type ParquetFieldType = 'INT_32' | 'INT_64' | 'STRING';

/** One column of a Parquet flow-log file, with the types each engine gives it. */
export interface ParquetColumn {
  /** snake_case, as in AWS's Parquet files and Athena tables (`log_status`). */
  name: string;
  field: FieldDefinition;
  parquetType: ParquetFieldType;
  /** Hive/Athena DDL type: int, bigint or string. */
  athenaType: 'int' | 'bigint' | 'string';
  /** The type DuckDB reads back: INTEGER, BIGINT or VARCHAR. */
  duckdbType: 'INTEGER' | 'BIGINT' | 'VARCHAR';
}

/** The Hive partition columns of an export, outermost first (all strings, zero-padded). */
export type PartitionGranularity = 'day' | 'hour';

/** The partition column names for a granularity. */
export function partitionColumns(granularity: PartitionGranularity): string[] {
  return granularity === 'hour' ? ['year', 'month', 'day', 'hour'] : ['year', 'month', 'day'];
}

/** The Parquet column for a field; address fields are strings, as in AWS's files. */
export function toParquetColumn(field: FieldDefinition): ParquetColumn {
  const name = toColumnName(field.name);
  switch (field.kind) {
    case 'int32':
      return { name, field, parquetType: 'INT_32', athenaType: 'int', duckdbType: 'INTEGER' };
    case 'int64':
      return { name, field, parquetType: 'INT_64', athenaType: 'bigint', duckdbType: 'BIGINT' };
    default:
      return { name, field, parquetType: 'STRING', athenaType: 'string', duckdbType: 'VARCHAR' };
  }
}

/** Parquet columns for field names (hyphenated or snake_case), in the given order. */
export function parquetColumnsFor(names: readonly string[]): ParquetColumn[] {
  return names.map((name) => {
    const field = findField(name);
    if (!field) throw new Error(`unknown flow-log field "${name}"`);
    return toParquetColumn(field);
  });
}

/** The columns of AWS's default (version 2) format. */
export const DEFAULT_PARQUET_COLUMNS: readonly ParquetColumn[] = parquetColumnsFor(DEFAULT_FORMAT);

/**
 * The columns of AWS's documented Athena table for Parquet flow logs (versions 2–5): the default of
 * `athena ddl --format parquet`, and always written by `export parquet`, so reports that name them run on Athena.
 */
export const AWS_PARQUET_TABLE_COLUMNS: readonly ParquetColumn[] = ALL_FIELDS.filter((f) => f.version <= 5).map(toParquetColumn);

/** The export's columns: AWS's documented v2–v5 columns plus any other field that holds a value, in AWS order. */
export function exportColumns(presentColumnNames: readonly string[]): ParquetColumn[] {
  const wanted = new Set([...AWS_PARQUET_TABLE_COLUMNS.map((c) => c.name), ...presentColumnNames]);
  return ALL_FIELDS.map(toParquetColumn).filter((c) => wanted.has(c.name));
}

/** Every field flowlens knows as a Parquet column. */
export const ALL_PARQUET_COLUMNS: readonly ParquetColumn[] = ALL_FIELDS.map(toParquetColumn);

/** The `${a} ${b}` log-format string of a column list (what `athena ddl --log-format` takes). */
export function toLogFormatString(columns: readonly ParquetColumn[]): string {
  return columns.map((c) => `\${${c.field.name}}`).join(' ');
}
