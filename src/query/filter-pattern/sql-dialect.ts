import { quoteIdentifier, sqlLiteral } from '../../sql/index.js';

/**
 * What the filter-pattern SQL generator needs from an SQL engine: everything else it writes (`=`, `<>`, `AND`,
 * `OR`, `NOT`, `CASE`, `COALESCE`) is SQL every target shares. Arguments named `expr` are SQL text; `needle`
 * and `pattern` are plain strings the dialect writes as literals itself. The method names and signatures
 * are a subset of the query layer's engine dialects, so any of those (DuckDB, Trino/Athena, ClickHouse) can be
 * passed where this is expected.
 */
export interface FilterPatternDialect {
  /** Quotes a column name (`"end"` is reserved). */
  quoteIdentifier(name: string): string;
  /** Writes a string or number as an SQL literal. */
  literal(value: string | number): string;
  /** The expression as text (numbers in decimal). */
  toText(expr: string): string;
  /** The expression as a double. */
  toDouble(expr: string): string;
  /** True when the text contains `needle` (case-sensitive, literal). */
  contains(expr: string, needle: string): string;
  /** True when the regular expression (the syntax JavaScript and RE2 share) matches somewhere in the text. */
  regexMatch(expr: string, pattern: string): string;
  /** Concatenation of text expressions. */
  concat(parts: readonly string[]): string;
}

/** DuckDB, the local store: `contains` and RE2's `regexp_matches`. */
export const duckdbFilterDialect: FilterPatternDialect = {
  quoteIdentifier,
  literal: sqlLiteral,
  toText: (expr) => `CAST(${expr} AS VARCHAR)`,
  toDouble: (expr) => `CAST(${expr} AS DOUBLE)`,
  contains: (expr, needle) => `contains(${expr}, ${sqlLiteral(needle)})`,
  regexMatch: (expr, pattern) => `regexp_matches(${expr}, ${sqlLiteral(pattern)})`,
  concat: (parts) => `concat(${parts.join(', ')})`,
};
