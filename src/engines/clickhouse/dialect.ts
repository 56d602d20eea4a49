import { QueryError } from '../../records/index.js';
import { backslashStringLiteral, sqlLiteral } from '../../sql/index.js';
import { BaseDialect, LAMBDA_INDEX, LAMBDA_PART, onlyCapturingGroup } from '../dialect.js';
import type { AddressFamily, FirstRowPerKey, SqlValue } from '../dialect.js';

/**
 * ClickHouse. Keeps to functions old releases have (Debian's clickhouse-server): IPv4StringToNum,
 * IPv6StringToNum, replaceRegexpOne, match, position, argMin/argMax, quantile.
 */
export class ClickHouseDialect extends BaseDialect {
  readonly name = 'clickhouse' as const;

  override literal(value: SqlValue): string {
    // ClickHouse string literals treat backslash as an escape character, so it is doubled (regexes keep `\d`).
    if (typeof value === 'string') return backslashStringLiteral(value);
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


/** The ClickHouse dialect. */
export const clickhouseDialect: ClickHouseDialect = new ClickHouseDialect();
