import { rollupCondition, rollupTablesFor, storedAddressPresentSql, storedAddressSql, WINDOW_SECONDS } from '../store/rollups.js';
import type { ReportContext } from './types.js';

/** The rollup table and condition answering a report's selection, when the dialect has rollups and they can. */
export function rollupSource(ctx: ReportContext, kind: 'pairs' | 'ports'): { table: string; where: string } | undefined {
  const rollups = ctx.dialect.rollups;
  const condition = rollups && ctx.table === 'flows' ? rollupCondition(ctx.where) : undefined;
  return rollups && condition !== undefined ? { table: rollupTablesFor(rollups, condition)[kind], where: condition } : undefined;
}

/** The port-scans parameters a rollup query needs: window width and the two thresholds. */
export interface PortScanParams {
  window: number;
  minPorts: number;
  minHosts: number;
  limit: number;
}

/**
 * port-scans from the windows rollup (one row per unit × 5-minute window × source × destination × dstport × action)
 * when the store's rollups are current, the window is a multiple of their width and the selection is one they
 * answer; else undefined (the report reads the records). Groups by the stored address keys and makes the source's
 * text only for the rows shown, so it returns exactly what the records give.
 */
export function portScansFromRollups(ctx: ReportContext, params: PortScanParams): string | undefined {
  const rollups = ctx.dialect.rollups;
  if (!rollups?.windows || ctx.table !== 'flows' || !Number.isSafeInteger(params.window) || params.window % WINDOW_SECONDS !== 0) return undefined;
  const condition = rollupCondition(ctx.where, { column: 'window_start', seconds: WINDOW_SECONDS });
  if (condition === undefined) return undefined;
  const d = ctx.dialect;
  // The window's start as an integer (the same value, order and text as the records' floor of start / window).
  const width = params.window;
  const window = width === WINDOW_SECONDS ? 'window_start' : `(window_start - ((window_start % ${width}) + ${width}) % ${width})`;
  // A source text is its side text, else the text of its IPv4 number: grouping by (number without side text, side text) groups by text.
  const conditions = [...(condition === 'TRUE' ? [] : [condition]), storedAddressPresentSql('src_ip', 'src_text')];
  // Distinct destination texts: the IPv4 numbers without side text and the side texts are never the same text.
  const hosts = `count(DISTINCT dst_ip) FILTER (WHERE dst_text IS NULL AND ${storedAddressPresentSql('dst_ip', 'NULL')}) + count(DISTINCT dst_text) FILTER (WHERE dst_text IS NOT NULL)`;
  return `SELECT ${d.formatEpochMillis('r.w * 1000')} AS "window", ${storedAddressSql('r.src_number', 'r.src_text')} AS "srcaddr", r.ports, r.hosts, r.flows, r.rejected
FROM (SELECT ${window} AS w, CASE WHEN src_text IS NULL THEN src_ip END AS src_number, src_text, count(DISTINCT dstport) AS ports, ${hosts} AS hosts,
  sum(flows)::BIGINT AS flows, coalesce(sum(flows) FILTER (WHERE "action" = 'REJECT'), 0)::BIGINT AS rejected
FROM ${d.quoteIdentifier(rollups.windows)}
WHERE ${conditions.join(' AND ')}
GROUP BY ALL
HAVING ports >= ${params.minPorts} OR hosts >= ${params.minHosts}) AS r
ORDER BY r.ports DESC, r.hosts DESC, r.w, "srcaddr"
${d.limit(params.limit)}`;
}

/**
 * byte-stats (`stats avg(bytes), min(bytes), max(bytes) by srcAddr, dstAddr`) from the pairs rollup's byte sums,
 * counts and extremes when the store's rollups are current and answer the selection; else undefined. The same
 * columns, rows and order as the Insights query compiled over the records, to the last bit of the average.
 */
export function byteStatsFromRollups(ctx: ReportContext, limit: number): string | undefined {
  const rollup = ctx.dialect.rollups?.byteStatistics ? rollupSource(ctx, 'pairs') : undefined;
  if (!rollup) return undefined;
  const d = ctx.dialect;
  const q = (name: string): string => d.quoteIdentifier(name);
  const grouped = `SELECT "srcaddr" AS "srcAddr", "dstaddr" AS "dstAddr", sum("bytes") AS byte_sum, sum(byte_flows) AS byte_count,
  min(min_bytes) AS ${q('min(bytes)')}, max(max_bytes) AS ${q('max(bytes)')}
FROM ${d.quoteIdentifier(rollup.table)}${rollup.where === 'TRUE' ? '' : `\nWHERE ${rollup.where}`}
GROUP BY "srcaddr", "dstaddr"`;
  return `SELECT r."srcAddr", r."dstAddr", r.avg_value AS ${q('avg(bytes)')}, r.${q('min(bytes)')}, r.${q('max(bytes)')}
FROM (${bigintAverageLayers(grouped, 'byte_sum', 'byte_count')}) AS r
ORDER BY r."srcAddr" ASC NULLS LAST, r."dstAddr" ASC NULLS LAST
${d.limit(limit)}`;
}

/**
 * Significand bits of the long double DuckDB divides in for avg() of BIGINT values (a HUGEINT sum divided by the
 * count, then rounded to a double): the x87 extended format on x86-64 Linux and macOS; where long double is a double
 * (Windows, Apple silicon) or a quad (Linux on ARM, which rounds twice the same as once for any count below 2^59) the
 * quotient is rounded once.
 */
const LONG_DOUBLE_BITS = (process.arch === 'x64' || process.arch === 'ia32') && process.platform !== 'win32' ? 64 : 53;

/**
 * Wraps a query having an integer sum and a count column in layers that add `avg_value`: the double DuckDB's
 * avg() returns for BIGINT values with that sum and count (null when the count is 0). Below `exactFrom` values (and
 * a sum under 2^53) sum / count in doubles is that double: the quotient then cannot round onto a midpoint between
 * two doubles at `bits` bits unless it is one. From there on the quotient is rounded in integers, first to `bits`
 * significant bits (ties to even), then to the 53 of a double, as the long double division and the cast do.
 */
export function bigintAverageLayers(inner: string, sum: string, count: string, bits = LONG_DOUBLE_BITS, exactFrom = 2 ** (bits - 53)): string {
  const a = 'avg_a';
  const c = 'avg_c';
  const extra = bits - 53;
  const layers: [string, string][] = [
    [a, `abs(${sum})::UHUGEINT`],
    [c, `CASE WHEN ${count} > 0 THEN ${count}::UHUGEINT END`],
    ['avg_plain', `${bits === 53 ? 'TRUE' : `${c} < ${exactFrom}`} AND ${a} < ${2n ** 53n}::UHUGEINT`],
    // The quotient's binary exponent: estimated from doubles, then made exact (q >= 2^e and q < 2^(e+1)) in integers.
    // Sums from 2^63 on (9.2 EB between two addresses) are left to a plain double division.
    ['avg_e0', `CASE WHEN NOT avg_plain AND ${a} > 0 AND ${a} < ${1n << 63n}::UHUGEINT THEN floor(log2(${a}::DOUBLE / ${c}::DOUBLE))::INTEGER END`],
    ['avg_e', `avg_e0 - (${a} << (63 - avg_e0)::UHUGEINT < ${c} << 63::UHUGEINT)::INTEGER + (${a} << greatest(62 - avg_e0, 0)::UHUGEINT >= ${c} << 63::UHUGEINT)::INTEGER`],
    // The first rounding: `bits` significant bits of a / c, ties to even (one 128-bit division: they are slow).
    ['avg_t', `${bits - 1} - avg_e`],
    ['avg_x', `${a} << avg_t::UHUGEINT`],
    ['avg_q', `avg_x // ${c}`],
    ['avg_r2', `2 * (avg_x - avg_q * ${c})`],
    ['avg_n', `avg_q + (avg_r2 > ${c} OR (avg_r2 = ${c} AND avg_q & 1::UHUGEINT = 1))::UHUGEINT`],
  ];
  if (extra > 0) {
    // The second rounding, to a double's 53 bits, ties to even.
    const half = 1n << BigInt(extra - 1);
    const low = `avg_n & ${(1n << BigInt(extra)) - 1n}::UHUGEINT`;
    const high = `(avg_n >> ${extra}::UHUGEINT)`;
    layers.push(['avg_m', `${high} + (${low} > ${half} OR (${low} = ${half} AND ${high} & 1::UHUGEINT = 1))::UHUGEINT`]);
  } else {
    layers.push(['avg_m', 'avg_n']);
  }
  const exact = `sign(${sum})::DOUBLE * (avg_m::DOUBLE * pow(2.0, ${extra} - avg_t))`;
  layers.push(['avg_value', `CASE WHEN ${c} IS NULL THEN NULL WHEN ${a} = 0 THEN 0.0 WHEN avg_e0 IS NULL THEN ${sum}::DOUBLE / ${count}::DOUBLE ELSE ${exact} END`]);
  return layers.reduce((sql, [name, expr]) => `SELECT *, ${expr} AS ${name} FROM (${sql})`, inner);
}
