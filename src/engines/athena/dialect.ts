import { BaseDialect, jsonPath, LAMBDA_INDEX, LAMBDA_PART } from '../dialect.js';
import type { AddressFamily } from '../dialect.js';

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


/** The Trino dialect Athena queries are written in. */
export const athenaDialect: TrinoDialect = new TrinoDialect();
