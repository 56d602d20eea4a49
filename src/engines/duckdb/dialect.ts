import { addressRangeSql } from '../../sql/index.js';
import type { FlowRollups } from '../../store/rollups.js';
import { BaseDialect, jsonPath, LAMBDA_INDEX, LAMBDA_PART } from '../dialect.js';
import type { AddressFamily } from '../dialect.js';

// The flows address columns and the numeric (UHUGEINT) columns the store keeps beside them.
const NUMERIC_COLUMNS: Record<string, string> = { srcaddr: 'src_ip', dstaddr: 'dst_ip' };

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


/** The DuckDB dialect without rollups: the plain flows table. */
export const duckdbDialect: DuckDbDialect = new DuckDbDialect();
