import { cidrRange, parseIPv4, QueryError } from '../records/index.js';
import { PRIVATE_CIDRS, quoteIdentifier, sqlLiteral } from '../sql/index.js';
import { mapCapturingGroups } from '../query/regex-groups.js';
import type { FlowRollups } from '../store/rollups.js';

/** The SQL engines flowlens writes queries for. */
export type EngineName = 'duckdb' | 'athena' | 'clickhouse';

/** Every engine name, for option choices. */
export const ENGINE_NAMES: readonly EngineName[] = ['duckdb', 'athena', 'clickhouse'];

/** The engines a report or Insights query can be written for (`trino` is another name for `athena`). */
export type QueryEngine = EngineName | 'trino';

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


// Lambda parameter names of mapMatches/mapSplit (underscored so they cannot shadow a column).
export const LAMBDA_PART = '__part';
export const LAMBDA_INDEX = '__index';

/** A JSONPath for a key/index path: `$."b"."c"`, `$."items"[0]` (keys quoted, so any character works). */
export function jsonPath(path: readonly (string | number)[]): string {
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

export abstract class BaseDialect implements SqlDialect {
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


/** The pattern with every capturing group but number `group` made non-capturing (`(` → `(?:`), so it becomes group 1. */
export function onlyCapturingGroup(pattern: string, group: number): string {
  return mapCapturingGroups(pattern, (opening) => (opening.number === group ? '(' : '(?:'));
}
