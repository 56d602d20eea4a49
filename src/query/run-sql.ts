import type { Store } from '../store/database.js';

/** The rows of a report, an Insights query or SQL: column names and types, rows keyed by column, the SQL that ran. */
export interface TableResult {
  columns: string[];
  types: string[];
  rows: Record<string, unknown>[];
  /** True when `maxRows` cut the result short. */
  truncated: boolean;
  sql: string;
}

/** The engines a report or Insights query can be written for. */
export type QueryEngine = 'duckdb' | 'athena' | 'trino' | 'clickhouse';

/** Runs generated SQL on the store, reading at most `maxRows` rows when given. */
export async function runGeneratedSql(store: Store, sql: string, maxRows?: number): Promise<TableResult> {
  if (maxRows === undefined) {
    const result = await store.query(sql);
    return { ...result, truncated: false, sql };
  }
  const capped = await store.queryCapped(sql, maxRows);
  const rows = capped.rows.map((values) => Object.fromEntries(capped.columns.map((name, i) => [name, values[i]])));
  return { columns: capped.columns, types: capped.types, rows, truncated: capped.truncated, sql };
}
