import type { ParseIssue } from '../issues.js';

/** The kinds of AWS logs flowlens reads: VPC flow logs, S3 server access logs and CloudTrail logs. */
export type LogTypeName = 'vpc' | 's3-access' | 'cloudtrail';

/** Every log type name, in the order help texts list them. */
export const LOG_TYPE_NAMES: readonly LogTypeName[] = ['vpc', 's3-access', 'cloudtrail'];

/** A --log-type choice: one type, or `auto` to detect it from each unit's content. */
export type LogTypeChoice = LogTypeName | 'auto';

/**
 * How a column's value is held: `string`, `int32`/`int64` numbers, `timestamp` (epoch milliseconds in JS, a
 * TIMESTAMP in the store) and `struct` (a plain JS object or array, stored with the column's `sqlType`).
 */
export type LogColumnKind = 'string' | 'int32' | 'int64' | 'timestamp' | 'struct';

/** One column of a non-flow log table: its name as in AWS's Athena DDL, kind, DuckDB type and meaning. */
export interface LogColumn {
  readonly name: string;
  readonly kind: LogColumnKind;
  /** The DuckDB type the store uses (STRUCT/LIST types spelled out for `struct` columns). */
  readonly sqlType: string;
  /** True for the fields of the record itself (printed by `flowlens print`); false for derived columns. */
  readonly record: boolean;
  readonly description: string;
}

/** A value of a log column: text, a number, a nested object/array (struct columns) or null for missing. */
export type LogValue = string | number | bigint | null | LogStruct | LogStruct[];

/** A nested value of a struct column, keyed like the Athena DDL (lowercase). */
export interface LogStruct {
  [key: string]: LogValue;
}

/** A non-flow log type: the table it is stored in and its columns in DDL order. */
export interface LogTableType {
  readonly name: Exclude<LogTypeName, 'vpc'>;
  readonly table: string;
  readonly columns: readonly LogColumn[];
  /** The column holding the record time (a `timestamp` column), for --start/--end and ordering. */
  readonly timeColumn: string;
}

/** Where a decoded log row came from. */
export interface LogRowMeta {
  line: number;
}

/** Receives decoded S3 access / CloudTrail rows (`values` follow `type.columns`; copy what you keep) and bad input. */
export interface LogRowSink {
  row(type: LogTableType, values: readonly LogValue[], meta: LogRowMeta): void;
  issue(issue: ParseIssue): void;
}
