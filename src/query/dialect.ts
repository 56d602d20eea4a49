import { cidrRange, parseIPv4, QueryError } from '../records/index.js';
import { addressRangeSql, PRIVATE_CIDRS } from '../sql/addresses.js';
import { mapCapturingGroups } from './regex-groups.js';
import { quoteIdentifier, sqlLiteral } from '../store/sql-text.js';
import type { FlowRollups } from '../store/rollups.js';

/** The SQL engines flowlens writes queries for. */
export type EngineName = 'duckdb' | 'athena' | 'clickhouse';

/** Every engine name, for option choices. */
export const ENGINE_NAMES: readonly EngineName[] = ['duckdb', 'athena', 'clickhouse'];

/** A value that can be written as an SQL literal. */
export type SqlValue = string | number | bigint | boolean | null;

/** Address families for address tests. */
export type AddressFamily = 'any' | 'ipv4' | 'ipv6';

/**
 * What differs between the SQL engines flowlens targets. Everything else reports and compiled Insights queries
 * write is the SQL the three engines share (SELECT/WHERE/GROUP BY/ORDER BY, CASE, count/sum/min/max/avg, IN,
 * comparisons, `+ - *`, lower/upper, coalesce). Arguments named `expr` are SQL text; `cidr`, `pattern` and other
 * plain strings are values the dialect escapes itself.
 */
export interface SqlDialect {
  readonly name: EngineName;
  /**
   * The store's pre-aggregated flow tables when they are up to date (DuckDB only, see dialectForStore): reports,
   * Insights `stats` and the graph read them instead of the flows table when their grouping allows.
   */
  readonly rollups?: FlowRollups | undefined;
  /** Quotes a table or column name (`"end"` is reserved everywhere). */
  quoteIdentifier(name: string): string;
  /** Writes a JS value as a literal. */
  literal(value: SqlValue): string;
  /** The expression as text (numbers in decimal). */
  toText(expr: string): string;
  /** The expression as a double (so `/` divides exactly). */
  toDouble(expr: string): string;
  /** Exact division of two numeric expressions (Trino divides integers by truncation otherwise). */
  divide(left: string, right: string): string;
  /** `base` raised to `exponent`. */
  power(base: string, exponent: string): string;
  /** Natural logarithm. */
  ln(expr: string): string;
  /** Floors an integer epoch expression to a multiple of `size` (same unit), e.g. 5-minute buckets of seconds. */
  timeBucket(epochExpr: string, size: number): string;
  /** Epoch seconds (unit 's') or milliseconds ('ms') → a TIMESTAMP value (UTC). */
  epochToTimestamp(epochExpr: string, unit: 's' | 'ms'): string;
  /** Epoch milliseconds → text `YYYY-MM-DD HH:MM:SS.mmm` (UTC), the way Logs Insights prints timestamps. */
  formatEpochMillis(epochMsExpr: string): string;
  /** ISO day of week (1 = Monday … 7 = Sunday) of epoch seconds. */
  dayOfWeek(epochSecondsExpr: string): string;
  /** Current time in epoch seconds. */
  nowEpochSeconds(): string;
  /** True when the regular expression (RE2 syntax) matches somewhere in the text. */
  regexMatch(expr: string, pattern: string): string;
  /** Capture group `group` (1-based) of the first match, or NULL when the pattern does not match. */
  regexExtract(expr: string, pattern: string, group: number): string;
  /** Replaces every match of the pattern by a literal replacement (no group references). */
  regexReplace(expr: string, pattern: string, replacement: string): string;
  /** Replaces every match of the pattern; the replacement may refer to groups as `\\1` … `\\9` (other text is literal). */
  regexReplaceGroups(expr: string, pattern: string, replacement: string): string;
  /** Concatenates `body(part)` over every match of the pattern in the text, in order (`part` is SQL naming the match). */
  mapMatches(expr: string, pattern: string, body: (part: string) => string): string;
  /** Splits the text on a literal separator and concatenates `body(part, index)` over the parts (index 1-based). */
  mapSplit(expr: string, separator: string, body: (part: string, index: string) => string): string;
  /** The text as a double, or NULL when it is not a number. */
  toNumber(expr: string): string;
  /**
   * The value at a path of object keys (strings) and array indexes (0-based numbers) in JSON text, as text: strings
   * unquoted, numbers and booleans as written, objects and arrays as JSON; NULL when absent, JSON null or not JSON.
   */
  jsonValue(expr: string, path: readonly (string | number)[]): string;
  /** True when the text contains `needle` (case-sensitive, literal). */
  contains(expr: string, needle: string): string;
  /** Replaces every occurrence of a literal string. */
  replace(expr: string, search: string, replacement: string): string;
  /** Number of characters (code points). */
  strlen(expr: string): string;
  /** 1-based substring; `length` omitted means to the end. */
  substring(expr: string, start: string, length?: string): string;
  /** Concatenation where NULL parts count as empty text. */
  concat(parts: readonly string[]): string;
  /** Exact count of distinct non-null values. */
  countDistinct(expr: string): string;
  /** Percentile (fraction 0–1) of a numeric expression; may be approximate on Athena and ClickHouse. */
  percentile(expr: string, fraction: number): string;
  /** Sample standard deviation. */
  stddev(expr: string): string;
  /** The value of `valueExpr` on the row where `keyExpr` is smallest (`earliest`) or largest (`latest`). */
  argMin(valueExpr: string, keyExpr: string): string;
  argMax(valueExpr: string, keyExpr: string): string;
  /**
   * True when the address in `column` (a flows address column such as `srcaddr`) lies in the CIDR. Uses the
   * numeric `src_ip`/`dst_ip` columns where the engine's table has them.
   */
  addressInCidr(column: string, cidr: string, family?: AddressFamily): string;
  /** True when the address text in `expr` lies in the CIDR (any expression, slower than addressInCidr). */
  textInCidr(expr: string, cidr: string, family?: AddressFamily): string;
  /** True when the text is a valid address of the family. */
  isValidAddress(expr: string, family: AddressFamily): string;
  /** True when the address text is private (RFC 1918, loopback, link-local, CGNAT, IPv6 ULA/link-local). */
  isPrivateAddress(expr: string): string;
  /** The LIMIT clause (empty when `rows` is undefined). */
  limit(rows: number | undefined): string;
  /**
   * A SELECT keeping the first row per key (in `orderBy` order) of `from` filtered by `where`; rows with a null key
   * are all kept. `columns` are `expr AS "name"` items and `names` their names, in order.
   */
  firstRowPerKey(parts: FirstRowPerKey): string;
}

/** The parts of a first-row-per-key (dedup) query. */
export interface FirstRowPerKey {
  columns: readonly string[];
  names: readonly string[];
  from: string;
  where: string;
  keys: readonly string[];
  orderBy: string;
}

/** The private ranges isPrivateAddress tests (defined with the other SQL primitives in src/sql). */
export { PRIVATE_CIDRS };

const NUMERIC_COLUMNS: Record<string, string> = { srcaddr: 'src_ip', dstaddr: 'dst_ip' };

// Lambda parameter names of mapMatches/mapSplit (underscored so they cannot shadow a column).
const LAMBDA_PART = '__part';
const LAMBDA_INDEX = '__index';

/** A JSONPath for a key/index path: `$."b"."c"`, `$."items"[0]` (keys quoted, so any character works). */
function jsonPath(path: readonly (string | number)[]): string {
  return `$${path.map((p) => (typeof p === 'number' ? `[${p}]` : `."${p.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`)).join('')}`;
}

/** Parses a CIDR for an SQL address test, failing with a QueryError the user can act on. */
export function parseCidr(cidr: string): { low: bigint; high: bigint; family: 'ipv4' | 'ipv6'; prefix: number } {
  try {
    const { low, high } = cidrRange(cidr.trim());
    const address = cidr.trim().split('/')[0] ?? '';
    const family = parseIPv4(address) >= 0 ? 'ipv4' : 'ipv6';
    const width = family === 'ipv4' ? 32 : 128;
    const prefixText = cidr.includes('/') ? cidr.split('/')[1] : undefined;
    return { low, high, family, prefix: prefixText === undefined ? width : Number(prefixText) };
  } catch (error) {
    throw new QueryError('bad-cidr', (error as Error).message, { hint: 'write a CIDR such as 10.0.0.0/8 or 2001:db8::/32' });
  }
}

abstract class BaseDialect implements SqlDialect {
  abstract readonly name: EngineName;

  quoteIdentifier(name: string): string {
    return quoteIdentifier(name);
  }

  literal(value: SqlValue): string {
    return sqlLiteral(value);
  }

  abstract toText(expr: string): string;
  abstract toDouble(expr: string): string;

  divide(left: string, right: string): string {
    return `(${this.toDouble(left)} / ${right})`;
  }

  power(base: string, exponent: string): string {
    return `power(${base}, ${exponent})`;
  }

  ln(expr: string): string {
    return `ln(${expr})`;
  }

  timeBucket(epochExpr: string, size: number): string {
    const n = Math.trunc(size);
    return `(floor(${epochExpr} / ${n}) * ${n})`;
  }

  abstract epochToTimestamp(epochExpr: string, unit: 's' | 'ms'): string;
  abstract formatEpochMillis(epochMsExpr: string): string;
  abstract dayOfWeek(epochSecondsExpr: string): string;
  abstract nowEpochSeconds(): string;
  abstract regexMatch(expr: string, pattern: string): string;
  abstract regexExtract(expr: string, pattern: string, group: number): string;
  abstract regexReplace(expr: string, pattern: string, replacement: string): string;
  abstract regexReplaceGroups(expr: string, pattern: string, replacement: string): string;
  abstract mapMatches(expr: string, pattern: string, body: (part: string) => string): string;
  abstract mapSplit(expr: string, separator: string, body: (part: string, index: string) => string): string;
  abstract toNumber(expr: string): string;
  abstract jsonValue(expr: string, path: readonly (string | number)[]): string;
  abstract contains(expr: string, needle: string): string;

  replace(expr: string, search: string, replacement: string): string {
    return `replace(${expr}, ${this.literal(search)}, ${this.literal(replacement)})`;
  }

  strlen(expr: string): string {
    return `length(${expr})`;
  }

  substring(expr: string, start: string, length?: string): string {
    return length === undefined ? `substr(${expr}, ${start})` : `substr(${expr}, ${start}, ${length})`;
  }

  concat(parts: readonly string[]): string {
    if (parts.length === 0) return this.literal('');
    return `concat(${parts.map((p) => `coalesce(${this.toText(p)}, '')`).join(', ')})`;
  }

  countDistinct(expr: string): string {
    return `count(DISTINCT ${expr})`;
  }

  abstract percentile(expr: string, fraction: number): string;

  stddev(expr: string): string {
    return `stddev_samp(${expr})`;
  }

  abstract argMin(valueExpr: string, keyExpr: string): string;
  abstract argMax(valueExpr: string, keyExpr: string): string;

  addressInCidr(column: string, cidr: string, family: AddressFamily = 'any'): string {
    return this.textInCidr(this.quoteIdentifier(column), cidr, family);
  }

  abstract textInCidr(expr: string, cidr: string, family?: AddressFamily): string;
  abstract isValidAddress(expr: string, family: AddressFamily): string;

  isPrivateAddress(expr: string): string {
    return `(${PRIVATE_CIDRS.map((cidr) => this.textInCidr(expr, cidr)).join(' OR ')})`;
  }

  limit(rows: number | undefined): string {
    return rows === undefined ? '' : `LIMIT ${Math.max(0, Math.trunc(rows))}`;
  }

  firstRowPerKey(parts: FirstRowPerKey): string {
    const rank = this.quoteIdentifier('__rank');
    const nullKey = parts.keys.map((k) => `${k} IS NULL`).join(' OR ') || 'FALSE';
    const over = `PARTITION BY ${parts.keys.join(', ')}${parts.orderBy ? ` ORDER BY ${parts.orderBy}` : ''}`;
    const outer = parts.names.map((n) => `d.${this.quoteIdentifier(n)}`).join(', ');
    return `SELECT ${outer} FROM (
  SELECT ${parts.columns.join(', ')}, CASE WHEN ${nullKey} THEN 1 ELSE row_number() OVER (${over}) END AS ${rank}
  FROM ${parts.from} WHERE ${parts.where}
) AS d WHERE d.${rank} = 1`;
  }

  /** Rejects a CIDR whose family cannot match the requested family (isIpv4InSubnet with an IPv6 CIDR). */
  protected checkFamily(cidr: string, family: AddressFamily): ReturnType<typeof parseCidr> | undefined {
    const parsed = parseCidr(cidr);
    if (family !== 'any' && family !== parsed.family) return undefined;
    return parsed;
  }
}

/** DuckDB (the local store): uses the store's TEMP macros and the numeric src_ip/dst_ip columns. */
export class DuckDbDialect extends BaseDialect {
  readonly name = 'duckdb' as const;

  /** `rollups`: the store's up-to-date rollup tables, if any (dialectForStore passes them). */
  constructor(readonly rollups?: FlowRollups) {
    super();
  }

  toText(expr: string): string {
    return `CAST(${expr} AS VARCHAR)`;
  }

  toDouble(expr: string): string {
    return `CAST(${expr} AS DOUBLE)`;
  }

  epochToTimestamp(epochExpr: string, unit: 's' | 'ms'): string {
    return unit === 's' ? `make_timestamp(CAST(${epochExpr} AS BIGINT) * 1000000)` : `make_timestamp(CAST(${epochExpr} AS BIGINT) * 1000)`;
  }

  formatEpochMillis(epochMsExpr: string): string {
    return `strftime(make_timestamp(CAST(${epochMsExpr} AS BIGINT) * 1000), '%Y-%m-%d %H:%M:%S.%g')`;
  }

  dayOfWeek(epochSecondsExpr: string): string {
    return `isodow(${this.epochToTimestamp(epochSecondsExpr, 's')})`;
  }

  nowEpochSeconds(): string {
    return 'CAST(epoch(current_timestamp) AS BIGINT)';
  }

  regexMatch(expr: string, pattern: string): string {
    return `regexp_matches(${expr}, ${this.literal(pattern)})`;
  }

  regexExtract(expr: string, pattern: string, group: number): string {
    const p = this.literal(pattern);
    const g = Math.trunc(group);
    // regexp_extract takes group indexes 0-9 only; its struct form names any number of groups by position.
    const extract = g <= 9 ? `regexp_extract(${expr}, ${p}, ${g})` : `regexp_extract(${expr}, ${p}, [${Array.from({ length: g }, (_, i) => `'g${i + 1}'`).join(', ')}]).g${g}`;
    // regexp_extract returns '' when nothing matches; Insights (and Trino) give null.
    return `CASE WHEN regexp_matches(${expr}, ${p}) THEN ${extract} END`;
  }

  regexReplace(expr: string, pattern: string, replacement: string): string {
    return `regexp_replace(${expr}, ${this.literal(pattern)}, ${this.literal(replacement.replaceAll('\\', '\\\\'))}, 'g')`;
  }

  regexReplaceGroups(expr: string, pattern: string, replacement: string): string {
    return `regexp_replace(${expr}, ${this.literal(pattern)}, ${this.literal(replacement)}, 'g')`;
  }

  mapMatches(expr: string, pattern: string, body: (part: string) => string): string {
    return `array_to_string(list_transform(regexp_extract_all(${expr}, ${this.literal(pattern)}), lambda ${LAMBDA_PART}: ${body(LAMBDA_PART)}), '')`;
  }

  mapSplit(expr: string, separator: string, body: (part: string, index: string) => string): string {
    const parts = `string_split(${expr}, ${this.literal(separator)})`;
    return `array_to_string(list_transform(${parts}, lambda ${LAMBDA_PART}, ${LAMBDA_INDEX}: ${body(LAMBDA_PART, LAMBDA_INDEX)}), '')`;
  }

  toNumber(expr: string): string {
    return `TRY_CAST(${expr} AS DOUBLE)`;
  }

  jsonValue(expr: string, path: readonly (string | number)[]): string {
    // json_extract_string fails on text that is not JSON, so the CASE guards it.
    return `CASE WHEN json_valid(${expr}) THEN json_extract_string(${expr}, ${this.literal(jsonPath(path))}) END`;
  }

  contains(expr: string, needle: string): string {
    return `contains(${expr}, ${this.literal(needle)})`;
  }

  percentile(expr: string, fraction: number): string {
    return `quantile_cont(${expr}, ${fraction})`;
  }

  argMin(valueExpr: string, keyExpr: string): string {
    return `arg_min(${valueExpr}, ${keyExpr})`;
  }

  argMax(valueExpr: string, keyExpr: string): string {
    return `arg_max(${valueExpr}, ${keyExpr})`;
  }

  override addressInCidr(column: string, cidr: string, family: AddressFamily = 'any'): string {
    const numeric = NUMERIC_COLUMNS[column];
    if (!numeric) return this.textInCidr(this.quoteIdentifier(column), cidr, family);
    const parsed = this.checkFamily(cidr, family);
    if (!parsed) return 'FALSE';
    // IPv4 is stored mapped into ::ffff:0:0/96, so an IPv4 CIDR is a range of that block.
    return `(${addressRangeSql(this.quoteIdentifier(numeric), parsed.low, parsed.high)})`;
  }

  textInCidr(expr: string, cidr: string, family: AddressFamily = 'any'): string {
    const parsed = this.checkFamily(cidr, family);
    if (!parsed) return 'FALSE';
    return `coalesce(${addressRangeSql(`ip_to_number(${expr})`, parsed.low, parsed.high)}, FALSE)`;
  }

  isValidAddress(expr: string, family: AddressFamily): string {
    if (family === 'ipv4') return `coalesce(ipv4_to_int(${expr}) IS NOT NULL, FALSE)`;
    if (family === 'ipv6') return `coalesce(ipv6_to_number(${expr}) IS NOT NULL, FALSE)`;
    return `coalesce(ip_to_number(${expr}) IS NOT NULL, FALSE)`;
  }

  override isPrivateAddress(expr: string): string {
    return `coalesce(is_private_ip(${expr}), FALSE)`;
  }
}

/** Trino / Athena engine v3: IPADDRESS and IPPREFIX types for addresses, approx_percentile for percentiles. */
export class TrinoDialect extends BaseDialect {
  readonly name = 'athena' as const;

  toText(expr: string): string {
    return `CAST(${expr} AS VARCHAR)`;
  }

  toDouble(expr: string): string {
    return `CAST(${expr} AS DOUBLE)`;
  }

  override timeBucket(epochExpr: string, size: number): string {
    const n = Math.trunc(size);
    return `(CAST(floor(${this.toDouble(epochExpr)} / ${n}) AS BIGINT) * ${n})`;
  }

  epochToTimestamp(epochExpr: string, unit: 's' | 'ms'): string {
    return unit === 's' ? `from_unixtime(${epochExpr})` : `from_unixtime(${this.toDouble(epochExpr)} / 1000)`;
  }

  formatEpochMillis(epochMsExpr: string): string {
    return `format_datetime(from_unixtime(${this.toDouble(epochMsExpr)} / 1000, 'UTC'), 'yyyy-MM-dd HH:mm:ss.SSS')`;
  }

  dayOfWeek(epochSecondsExpr: string): string {
    return `day_of_week(from_unixtime(${epochSecondsExpr}, 'UTC'))`;
  }

  nowEpochSeconds(): string {
    return 'CAST(to_unixtime(current_timestamp) AS BIGINT)';
  }

  regexMatch(expr: string, pattern: string): string {
    return `regexp_like(${expr}, ${this.literal(pattern)})`;
  }

  regexExtract(expr: string, pattern: string, group: number): string {
    return `regexp_extract(${expr}, ${this.literal(pattern)}, ${Math.trunc(group)})`;
  }

  regexReplace(expr: string, pattern: string, replacement: string): string {
    return `regexp_replace(${expr}, ${this.literal(pattern)}, ${this.literal(replacement.replaceAll('$', '\\$'))})`;
  }

  regexReplaceGroups(expr: string, pattern: string, replacement: string): string {
    // Trino (Java regex) writes group references as $1.
    const java = replacement.replaceAll('$', '\\$').replace(/\\([1-9])/g, '$$$1');
    return `regexp_replace(${expr}, ${this.literal(pattern)}, ${this.literal(java)})`;
  }

  mapMatches(expr: string, pattern: string, body: (part: string) => string): string {
    return `array_join(transform(regexp_extract_all(${expr}, ${this.literal(pattern)}), ${LAMBDA_PART} -> ${body(LAMBDA_PART)}), '')`;
  }

  mapSplit(expr: string, separator: string, body: (part: string, index: string) => string): string {
    const parts = `split(${expr}, ${this.literal(separator)})`;
    return `array_join(zip_with(${parts}, sequence(1, cardinality(${parts})), (${LAMBDA_PART}, ${LAMBDA_INDEX}) -> ${body(LAMBDA_PART, LAMBDA_INDEX)}), '')`;
  }

  toNumber(expr: string): string {
    return `try_cast(${expr} AS DOUBLE)`;
  }

  jsonValue(expr: string, path: readonly (string | number)[]): string {
    // json_extract_scalar gives NULL for objects and arrays; json_format of json_extract keeps them as JSON text.
    const p = this.literal(jsonPath(path));
    return `try(coalesce(json_extract_scalar(${expr}, ${p}), json_format(json_extract(${expr}, ${p}))))`;
  }

  contains(expr: string, needle: string): string {
    return `(strpos(${expr}, ${this.literal(needle)}) > 0)`;
  }

  percentile(expr: string, fraction: number): string {
    return `approx_percentile(${expr}, ${fraction})`;
  }

  argMin(valueExpr: string, keyExpr: string): string {
    return `min_by(${valueExpr}, ${keyExpr})`;
  }

  argMax(valueExpr: string, keyExpr: string): string {
    return `max_by(${valueExpr}, ${keyExpr})`;
  }

  textInCidr(expr: string, cidr: string, family: AddressFamily = 'any'): string {
    const parsed = this.checkFamily(cidr, family);
    if (!parsed) return 'FALSE';
    const net = cidr.includes('/') ? cidr.trim() : `${cidr.trim()}/${parsed.family === 'ipv4' ? 32 : 128}`;
    // try() turns a non-address ('-', null) into null instead of failing the query.
    const address = `try(CAST(${expr} AS IPADDRESS))`;
    const familyTest = parsed.family === 'ipv4' ? ` AND strpos(${expr}, ':') = 0` : ` AND strpos(${expr}, ':') > 0`;
    return `coalesce(contains(${this.literal(net)}, ${address})${familyTest}, FALSE)`;
  }

  isValidAddress(expr: string, family: AddressFamily): string {
    const valid = `try(CAST(${expr} AS IPADDRESS)) IS NOT NULL`;
    if (family === 'ipv4') return `coalesce(${valid} AND strpos(${expr}, ':') = 0, FALSE)`;
    if (family === 'ipv6') return `coalesce(${valid} AND strpos(${expr}, ':') > 0, FALSE)`;
    return `coalesce(${valid}, FALSE)`;
  }
}

/**
 * ClickHouse. Keeps to functions old releases have (Debian's clickhouse-server): IPv4StringToNum,
 * IPv6StringToNum, replaceRegexpOne, match, position, argMin/argMax, quantile.
 */
export class ClickHouseDialect extends BaseDialect {
  readonly name = 'clickhouse' as const;

  override literal(value: SqlValue): string {
    // ClickHouse string literals treat backslash as an escape character, so it is doubled (regexes keep `\d`).
    if (typeof value === 'string') return `'${value.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
    // Old releases have no TRUE/FALSE keywords; booleans are UInt8.
    if (typeof value === 'boolean') return value ? '1' : '0';
    return sqlLiteral(value);
  }

  toText(expr: string): string {
    return `toString(${expr})`;
  }

  toDouble(expr: string): string {
    return `toFloat64(${expr})`;
  }

  override power(base: string, exponent: string): string {
    return `pow(${base}, ${exponent})`;
  }

  override ln(expr: string): string {
    return `log(${expr})`;
  }

  override timeBucket(epochExpr: string, size: number): string {
    const n = Math.trunc(size);
    return `(intDiv(toInt64(${epochExpr}), ${n}) * ${n})`;
  }

  epochToTimestamp(epochExpr: string, unit: 's' | 'ms'): string {
    return unit === 's' ? `toDateTime(toInt64(${epochExpr}), 'UTC')` : `toDateTime(intDiv(toInt64(${epochExpr}), 1000), 'UTC')`;
  }

  formatEpochMillis(epochMsExpr: string): string {
    const ms = `toInt64(${epochMsExpr})`;
    // No leftPad in old releases: 1000 + ms gives four digits, the last three are the milliseconds.
    return `concat(formatDateTime(toDateTime(intDiv(${ms}, 1000), 'UTC'), '%Y-%m-%d %H:%M:%S'), '.', substring(toString(1000 + ${ms} % 1000), 2, 3))`;
  }

  dayOfWeek(epochSecondsExpr: string): string {
    return `toDayOfWeek(${this.epochToTimestamp(epochSecondsExpr, 's')})`;
  }

  nowEpochSeconds(): string {
    return 'toUnixTimestamp(now())';
  }

  regexMatch(expr: string, pattern: string): string {
    return `match(${expr}, ${this.literal(pattern)})`;
  }

  regexExtract(expr: string, pattern: string, group: number): string {
    // replaceRegexpOne over the whole text keeps only the group; `(?s)` lets `.` cross newlines.
    const whole = this.literal(`(?s)^.*?(?:${pattern}).*$`);
    const g = Math.trunc(group);
    if (g < 1) throw new QueryError('unsupported', `ClickHouse SQL can extract capture groups from 1, not ${g}`);
    if (g > 9) {
      // replaceRegexpOne refers to groups \\1-\\9 only: make the wanted group the only capturing one.
      const only = this.literal(`(?s)^.*?(?:${onlyCapturingGroup(pattern, g)}).*$`);
      return `if(match(${expr}, ${this.literal(pattern)}), replaceRegexpOne(${expr}, ${only}, '\\\\1'), NULL)`;
    }
    return `if(match(${expr}, ${this.literal(pattern)}), replaceRegexpOne(${expr}, ${whole}, '\\\\${g}'), NULL)`;
  }

  regexReplace(expr: string, pattern: string, replacement: string): string {
    return `replaceRegexpAll(${expr}, ${this.literal(pattern)}, ${this.literal(replacement.replaceAll('\\', '\\\\'))})`;
  }

  regexReplaceGroups(expr: string, pattern: string, replacement: string): string {
    return `replaceRegexpAll(${expr}, ${this.literal(pattern)}, ${this.literal(replacement)})`;
  }

  mapMatches(expr: string, pattern: string, body: (part: string) => string): string {
    // Arrays cannot be Nullable: a NULL text maps as ''.
    return `arrayStringConcat(arrayMap(${LAMBDA_PART} -> ${body(LAMBDA_PART)}, extractAll(ifNull(${expr}, ''), ${this.literal(pattern)})))`;
  }

  mapSplit(expr: string, separator: string, body: (part: string, index: string) => string): string {
    const parts = `splitByString(${this.literal(separator)}, ifNull(${expr}, ''))`;
    return `arrayStringConcat(arrayMap((${LAMBDA_PART}, ${LAMBDA_INDEX}) -> ${body(LAMBDA_PART, LAMBDA_INDEX)}, ${parts}, arrayEnumerate(${parts})))`;
  }

  toNumber(expr: string): string {
    return `toFloat64OrNull(toString(${expr}))`;
  }

  jsonValue(expr: string, path: readonly (string | number)[]): string {
    // Old releases have only the visitParam functions: each key is looked up in the raw JSON of the level above
    // (so nested keys work); array indexes are not supported (NULL).
    if (path.length === 0 || path.some((p) => typeof p === 'number')) return 'NULL';
    const keys = path as readonly string[];
    const parent = keys.slice(0, -1).reduce((acc, key) => `visitParamExtractRaw(${acc}, ${this.literal(key)})`, expr);
    const last = this.literal(keys[keys.length - 1] as string);
    const raw = this.regexReplace(`visitParamExtractRaw(${parent}, ${last})`, '^\\s+|\\s+$', '');
    return `multiIf(${raw} IN ('', 'null'), NULL, substring(${raw}, 1, 1) = '"', visitParamExtractString(concat('{"v":', ${raw}, '}'), 'v'), ${raw})`;
  }

  contains(expr: string, needle: string): string {
    return `(position(${expr}, ${this.literal(needle)}) > 0)`;
  }

  override replace(expr: string, search: string, replacement: string): string {
    return `replaceAll(${expr}, ${this.literal(search)}, ${this.literal(replacement)})`;
  }

  override strlen(expr: string): string {
    return `lengthUTF8(${expr})`;
  }

  override substring(expr: string, start: string, length?: string): string {
    return length === undefined ? `substringUTF8(${expr}, ${start})` : `substringUTF8(${expr}, ${start}, ${length})`;
  }

  override countDistinct(expr: string): string {
    return `uniqExact(${expr})`;
  }

  percentile(expr: string, fraction: number): string {
    return `quantile(${fraction})(${expr})`;
  }

  override stddev(expr: string): string {
    return `stddevSamp(${expr})`;
  }

  argMin(valueExpr: string, keyExpr: string): string {
    return `argMin(${valueExpr}, ${keyExpr})`;
  }

  argMax(valueExpr: string, keyExpr: string): string {
    return `argMax(${valueExpr}, ${keyExpr})`;
  }

  textInCidr(expr: string, cidr: string, family: AddressFamily = 'any'): string {
    const parsed = this.checkFamily(cidr, family);
    if (!parsed) return '0';
    if (parsed.family === 'ipv4') {
      const low = Number(parsed.low & 0xffffffffn);
      const high = Number(parsed.high & 0xffffffffn);
      // IPv4StringToNum gives 0 for text that is not an IPv4 address; the regex excludes that case.
      return `(match(ifNull(${expr}, ''), '^[0-9]{1,3}(\\\\.[0-9]{1,3}){3}$') AND IPv4StringToNum(ifNull(${expr}, '')) BETWEEN ${low} AND ${high})`;
    }
    const bytes = (n: bigint): string => `unhex('${n.toString(16).padStart(32, '0')}')`;
    const address = `IPv6StringToNum(ifNull(${expr}, ''))`;
    return `(position(ifNull(${expr}, ''), ':') > 0 AND ${address} >= ${bytes(parsed.low)} AND ${address} <= ${bytes(parsed.high)})`;
  }

  override firstRowPerKey(parts: FirstRowPerKey): string {
    // Old ClickHouse releases have no window functions; LIMIT 1 BY keeps the first row per key.
    const order = parts.orderBy ? ` ORDER BY ${parts.orderBy}` : '';
    return `SELECT ${parts.columns.join(', ')} FROM ${parts.from} WHERE ${parts.where}${order} LIMIT 1 BY ${parts.keys.join(', ')}`;
  }

  isValidAddress(expr: string, family: AddressFamily): string {
    const v4 = `match(ifNull(${expr}, ''), '^((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\\\\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])$')`;
    const v6 = `(position(ifNull(${expr}, ''), ':') > 0 AND IPv6StringToNum(ifNull(${expr}, '')) != IPv6StringToNum('::') OR ifNull(${expr}, '') = '::')`;
    if (family === 'ipv4') return v4;
    if (family === 'ipv6') return `(${v6})`;
    return `(${v4} OR ${v6})`;
  }
}

const DIALECTS: Record<EngineName, SqlDialect> = {
  duckdb: new DuckDbDialect(),
  athena: new TrinoDialect(),
  clickhouse: new ClickHouseDialect(),
};

/** The dialect of an engine (`trino` is accepted for `athena`). */
export function getDialect(engine: EngineName | 'trino' = 'duckdb'): SqlDialect {
  return DIALECTS[engine === 'trino' ? 'athena' : engine];
}

/** The DuckDB dialect, used for the local store. */
export const duckdb: SqlDialect = DIALECTS.duckdb;

/** The pattern with every capturing group but number `group` made non-capturing (`(` → `(?:`), so it becomes group 1. */
export function onlyCapturingGroup(pattern: string, group: number): string {
  return mapCapturingGroups(pattern, (opening) => (opening.number === group ? '(' : '(?:'));
}
