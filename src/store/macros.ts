import { isPrivateNumberSql } from '../sql/addresses.js';
import { IPV4_MAPPED_BASE as IPV4_MAPPED_BASE_BIGINT } from '../sql/ipv4-mapped.js';

/**
 * SQL helper macros available in every query: address tests and Presto/Athena-compatible functions.
 * Each statement starts with `CREATE MACRO` (after one `SET TimeZone`); the store creates them as temporary macros per connection,
 * so they also exist on a database opened read-only. Macros are listed before the macros that use them.
 */
export function macroStatements(): string[] {
  // Times without a zone are UTC, as on Athena, whatever the machine's zone is.
  return ["SET TimeZone = 'UTC'", ...ADDRESS_MACROS, ...PRESTO_MACROS, ...viewStatements()];
}

/** The Athena-style view names and the columns they add to the flows columns (seed 004's table, AWS docs' table). */
export const ATHENA_VIEW = 'vpc_flow_logs';

/** Column aliases the vpc_flow_logs view adds: the seed's Athena table names → flows columns. */
export const ATHENA_ALIASES: readonly [alias: string, column: string][] = [
  ['account', 'account_id'],
  ['interfaceid', 'interface_id'],
  ['sourceaddress', 'srcaddr'],
  ['destinationaddress', 'dstaddr'],
  ['sourceport', 'srcport'],
  ['destinationport', 'dstport'],
  ['numpackets', 'packets'],
  ['numbytes', 'bytes'],
  ['starttime', 'start'],
  ['endtime', 'end'],
  ['logstatus', 'log_status'],
];

/**
 * TEMP views created on every open (so they exist on read-only databases too): `vpc_flow_logs` has every flows
 * column (the AWS docs' Athena names: srcaddr, dstaddr, account_id, …), the seed's names (sourceaddress,
 * destinationport, numbytes, …) and the partition columns dt ('YYYY-MM-DD'), year, month, day, hour (text, UTC,
 * of the record's start).
 */
export function viewStatements(): string[] {
  const aliases = ATHENA_ALIASES.map(([alias, column]) => `"${column}" AS "${alias}"`).join(', ');
  const part = (format: string): string => `strftime(make_timestamp(CAST("start" AS BIGINT) * 1000000), '${format}')`;
  return [
    `CREATE OR REPLACE TEMP VIEW ${ATHENA_VIEW} AS SELECT *, ${aliases},
      ${part('%Y-%m-%d')} AS dt, ${part('%Y')} AS "year", ${part('%m')} AS "month", ${part('%d')} AS "day", ${part('%H')} AS "hour"
    FROM flows`,
  ];
}

/** Names and one-line descriptions of the helper macros, for documentation and tests. */
export const MACRO_DOCS: readonly { name: string; signature: string; description: string }[] = [
  { name: 'ip_in_cidr', signature: 'ip_in_cidr(addr_text, cidr)', description: 'true when the IPv4 or IPv6 address lies in the CIDR (false for `-`/null or another family)' },
  { name: 'is_private_ip', signature: 'is_private_ip(addr_text)', description: 'RFC 1918, loopback, link-local, CGNAT (100.64/10), IPv6 ULA (fc00::/7), link-local and ::1' },
  { name: 'is_public_ip', signature: 'is_public_ip(addr_text)', description: 'a valid address that is not private' },
  { name: 'is_ipv4', signature: 'is_ipv4(addr_text)', description: 'valid dotted-quad IPv4 text' },
  { name: 'is_ipv6', signature: 'is_ipv6(addr_text)', description: 'valid IPv6 text (`::` compression and embedded IPv4 accepted)' },
  { name: 'ip_to_number', signature: 'ip_to_number(addr_text)', description: 'the address as UHUGEINT, IPv4 mapped into ::ffff:0:0/96 (the encoding of src_ip/dst_ip)' },
  { name: 'ipv4_to_int', signature: 'ipv4_to_int(addr_text)', description: 'IPv4 text as a 32-bit number, null otherwise' },
  { name: 'cidr_low / cidr_high', signature: 'cidr_low(cidr), cidr_high(cidr)', description: 'first and last address of a CIDR as UHUGEINT, for `src_ip BETWEEN cidr_low(c) AND cidr_high(c)`' },
  { name: 'day_of_week', signature: 'day_of_week(ts) / dow(ts)', description: 'Presto: ISO day of week, 1 = Monday … 7 = Sunday' },
  { name: 'day_of_year', signature: 'day_of_year(ts) / doy(ts)', description: 'Presto: day of the year' },
  { name: 'from_iso8601_timestamp', signature: 'from_iso8601_timestamp(text)', description: 'Presto: ISO 8601 text (date, date-time, with offset) → TIMESTAMP WITH TIME ZONE' },
  { name: 'from_iso8601_date', signature: 'from_iso8601_date(text)', description: 'Presto: ISO 8601 date text → DATE' },
  { name: 'to_iso8601', signature: 'to_iso8601(ts)', description: 'Presto: timestamp → ISO 8601 text' },
  { name: 'from_unixtime', signature: 'from_unixtime(seconds)', description: 'Presto: epoch seconds → TIMESTAMP WITH TIME ZONE (UTC)' },
  { name: 'to_unixtime', signature: 'to_unixtime(ts)', description: 'Presto: timestamp → epoch seconds (DOUBLE)' },
  { name: 'parse_datetime', signature: 'parse_datetime(text, joda_format)', description: 'Presto: parse with a Joda-Time format (yyyy yy MMMM MMM MM dd HH hh mm ss SSS EEEE EEE Z ZZ a, quoted literals)' },
  { name: 'format_datetime', signature: 'format_datetime(ts, joda_format)', description: 'Presto: format with the same Joda-Time subset' },
  { name: 'date_parse', signature: 'date_parse(text, mysql_format)', description: 'Presto: parse with a MySQL format (%Y %y %m %c %d %e %H %k %h %I %i %s %S %f %p %b %M %a %W %j %T %%)' },
  { name: 'date_format', signature: 'date_format(ts, mysql_format)', description: 'Presto: format with the same MySQL subset' },
  { name: 'json_extract_scalar', signature: 'json_extract_scalar(json, path)', description: 'Presto: the scalar at a JSONPath as text, null for objects and arrays' },
  { name: 'regexp_like', signature: 'regexp_like(text, pattern)', description: 'Presto: regular-expression search' },
  { name: 'approx_distinct', signature: 'approx_distinct(x)', description: 'Presto: approximate count of distinct values' },
  { name: 'approx_percentile', signature: 'approx_percentile(x, fraction)', description: 'Presto: approximate percentile' },
  { name: 'cardinality', signature: 'cardinality(list)', description: 'Presto: number of elements of a list' },
];

const IPV4_MAPPED_BASE = String(IPV4_MAPPED_BASE_BIGINT);

const ADDRESS_MACROS: readonly string[] = [
  // IPv4 text → integer; NULL for IPv6 or non-addresses.
  `CREATE MACRO ipv4_to_int(a) AS CASE WHEN regexp_full_match(a, '(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}') THEN
      (split_part(a, '.', 1)::UBIGINT << 24) + (split_part(a, '.', 2)::UBIGINT << 16) +
      (split_part(a, '.', 3)::UBIGINT << 8) + split_part(a, '.', 4)::UBIGINT END`,
  // IPv6 with an embedded IPv4 tail (::ffff:1.2.3.4) → the tail rewritten as two hex groups.
  `CREATE MACRO ipv6_expand_v4(s) AS CASE WHEN s LIKE '%.%' THEN
      regexp_replace(s, '[^:]*$', '') || printf('%x:%x', ipv4_to_int(regexp_extract(s, '[^:]*$')) // 65536, ipv4_to_int(regexp_extract(s, '[^:]*$')) % 65536)
      ELSE s END`,
  `CREATE MACRO ipv6_side(part) AS CASE WHEN part = '' THEN CAST([] AS VARCHAR[]) ELSE string_split(part, ':') END`,
  // The eight 16-bit groups of IPv6 text, '::' expanded; any other length means invalid text. Lambdas over a
  // one-element list bind a value once: macros expand textually, so repeating an argument would grow exponentially.
  `CREATE MACRO ipv6_groups(s) AS list_transform([[ipv6_side(split_part(s, '::', 1)), ipv6_side(split_part(s, '::', 2))]], ht ->
      CASE WHEN s NOT LIKE '%::%' THEN string_split(s, ':')
        WHEN s LIKE '%::%::%' OR len(ht[1]) + len(ht[2]) > 7 THEN NULL
        ELSE list_concat(ht[1], list_resize(CAST([] AS VARCHAR[]), 8 - len(ht[1]) - len(ht[2]), '0'), ht[2]) END)[1]`,
  `CREATE MACRO ipv6_groups_number(groups) AS list_transform([groups], g ->
      CASE WHEN len(g) = 8 AND list_bool_and(list_transform(g, x -> regexp_full_match(x, '[0-9a-f]{1,4}'))) THEN
      list_reduce(list_transform(g, x -> CAST(CAST('0x' || x AS INTEGER) AS UHUGEINT)), (acc, x) -> acc * 65536 + x) END)[1]`,
  // IPv6 text → UHUGEINT; NULL for IPv4 text and non-addresses. A zone id (%eth0) is ignored.
  `CREATE MACRO ipv6_to_number(a) AS CASE WHEN contains(a, ':') THEN
      list_transform([ipv6_expand_v4(lower(split_part(a, '%', 1)))], s -> ipv6_groups_number(ipv6_groups(s)))[1] END`,
  // Any address text → UHUGEINT, IPv4 mapped into ::ffff:0:0/96 exactly like the src_ip/dst_ip columns.
  `CREATE MACRO ip_to_number(a) AS CASE WHEN contains(a, ':') THEN ipv6_to_number(a)
      ELSE CAST(ipv4_to_int(a) AS UHUGEINT) + ${IPV4_MAPPED_BASE}::UHUGEINT END`,
  `CREATE MACRO is_ipv4(a) AS coalesce(ipv4_to_int(a) IS NOT NULL, FALSE)`,
  `CREATE MACRO is_ipv6(a) AS coalesce(ipv6_to_number(a) IS NOT NULL, FALSE)`,
  `CREATE MACRO cidr_host_bits(c) AS list_transform([contains(c, ':')], v6 ->
      (CASE WHEN v6 THEN 128 ELSE 32 END) - coalesce(TRY_CAST(nullif(split_part(c, '/', 2), '') AS INTEGER), CASE WHEN v6 THEN 128 ELSE 32 END))[1]`,
  // [first, last] address of a CIDR as UHUGEINT; the base address is parsed once (macro binding cost grows with nesting).
  `CREATE MACRO cidr_range(c) AS list_transform([struct_pack(n := ip_to_number(split_part(c, '/', 1)), b := TRY_CAST(cidr_host_bits(c) AS UHUGEINT))], x ->
      CASE WHEN x.b < 128 THEN [(x.n >> x.b) << x.b, ((x.n >> x.b) << x.b) + ((1::UHUGEINT << x.b) - 1::UHUGEINT)]
      WHEN x.b = 128 THEN [0::UHUGEINT, 340282366920938463463374607431768211455::UHUGEINT] END)[1]`,
  `CREATE MACRO cidr_low(c) AS cidr_range(c)[1]`,
  `CREATE MACRO cidr_high(c) AS cidr_range(c)[2]`,
  // An IPv4 CIDR only matches IPv4 text and an IPv6 CIDR only IPv6 text (::ffff:0:0/96 is the IPv4 encoding).
  `CREATE MACRO ip_in_cidr(a, c) AS coalesce(contains(a, ':') = contains(c, ':') AND
      list_transform([cidr_range(c)], r -> ip_to_number(a) BETWEEN r[1] AND r[2])[1], FALSE)`,
  // The same ranges as isPrivateAddress and every other private test (src/sql/addresses.ts).
  `CREATE MACRO is_private_ip(a) AS coalesce(list_transform([ip_to_number(a)], n -> ${isPrivateNumberSql('n')})[1], FALSE)`,
  `CREATE MACRO is_public_ip(a) AS ip_to_number(a) IS NOT NULL AND NOT is_private_ip(a)`,
];

const PRESTO_MACROS: readonly string[] = [
  `CREATE MACRO day_of_week(t) AS isodow(t)`,
  `CREATE MACRO dow(t) AS isodow(t)`,
  `CREATE MACRO day_of_year(t) AS dayofyear(t)`,
  `CREATE MACRO doy(t) AS dayofyear(t)`,
  `CREATE MACRO from_iso8601_timestamp(s) AS CAST(s AS TIMESTAMPTZ)`,
  `CREATE MACRO from_iso8601_date(s) AS CAST(s AS DATE)`,
  `CREATE MACRO to_iso8601(t) AS strftime(CAST(t AS TIMESTAMPTZ) AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S.%gZ')`,
  `CREATE MACRO from_unixtime(x) AS make_timestamptz(CAST(CAST(x AS DOUBLE) * 1000000 AS BIGINT))`,
  `CREATE MACRO to_unixtime(t) AS epoch(t)`,
  // These four take a strftime format: `flowlens query` rewrites the Joda-Time / MySQL format literal of a
  // Presto call first (src/engines/duckdb/presto-formats.ts), because DuckDB needs a constant strptime format.
  `CREATE MACRO parse_datetime(s, f) AS CAST(strptime(s, f) AS TIMESTAMPTZ)`,
  `CREATE MACRO format_datetime(t, f) AS strftime(t, f)`,
  `CREATE MACRO date_parse(s, f) AS strptime(s, f)`,
  `CREATE MACRO date_format(t, f) AS strftime(t, f)`,
  `CREATE MACRO json_extract_scalar(j, p) AS CASE WHEN json_type(json_extract(CAST(j AS JSON), p)) IN ('OBJECT', 'ARRAY') THEN NULL
      ELSE json_extract_string(CAST(j AS JSON), p) END`,
  `CREATE MACRO regexp_like(s, p) AS regexp_matches(s, p)`,
  `CREATE MACRO approx_distinct(x) AS approx_count_distinct(x)`,
  `CREATE MACRO approx_percentile(x, p) AS approx_quantile(x, p)`,
  `CREATE MACRO cardinality(l) AS len(l)`,
];
