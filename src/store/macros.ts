/**
 * SQL helper macros available in every query: address tests and Presto/Athena-compatible functions.
 * Each statement starts with `CREATE MACRO`; the store creates them as temporary macros per connection.
 */
export function macroStatements(): string[] {
  return [
    // IPv4 text → integer; NULL for IPv6 or non-addresses.
    `CREATE MACRO ipv4_to_int(a) AS CASE WHEN regexp_full_match(a, '\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}') THEN
      (split_part(a, '.', 1)::UBIGINT << 24) + (split_part(a, '.', 2)::UBIGINT << 16) +
      (split_part(a, '.', 3)::UBIGINT << 8) + split_part(a, '.', 4)::UBIGINT END`,
  ];
}
