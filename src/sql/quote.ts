/** Quotes an SQL identifier (table or column name) for DuckDB, Trino and ClickHouse-compatible dialects. */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Quotes an identifier with backquotes, as Hive DDL (Athena) and ClickHouse write them. */
export function backquoteIdentifier(name: string): string {
  return `\`${name.replaceAll('`', '``')}\``;
}

/** A single-quoted string literal with backslash escapes, as Hive DDL (Athena) and ClickHouse read them. */
export function backslashStringLiteral(value: string): string {
  return `'${value.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
}

/** Renders a JS value as an SQL literal: strings quoted and escaped, numbers and bigints as is, null as NULL. */
export function sqlLiteral(value: string | number | bigint | boolean | null): string {
  if (value === null) return 'NULL';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`cannot write ${value} as an SQL literal`);
    return String(value);
  }
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  return `'${value.replaceAll("'", "''")}'`;
}
