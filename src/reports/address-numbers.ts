import { DEFAULT_LIMIT } from '../query/insights/index.js';
import { rollupTablesFor } from '../store/rollups.js';
import type { ReportContext } from './types.js';

/**
 * Flows of a report's selection grouped by address numbers (`src_ip`, `dst_ip`) instead of address texts, for a
 * store with current rollups: making the text of every record's address is most of what a GROUP BY srcaddr costs.
 * The rollups' pairs table names every stored number (`address_names`: its text and how many spellings it has); a
 * number with exactly one spelling stands for its text, so a group of such numbers is the group of their texts and
 * takes that text after grouping. Records of a number with several spellings (an IPv4 address also written with
 * leading zeros or as IPv6) are grouped by their texts, as the report over `flows` does.
 */
interface NumberedFlows {
  /** The WITH items `address_names (ip, text, spellings)` and `unclean_addresses (ip)`: numbers without exactly one spelling. */
  readonly names: string;
  /** The selected records: `"flows"`, or a subquery of it with the selection. */
  readonly records: string;
}

/** Grouping by numbers for a report context, or undefined when the store's rollups cannot name them. */
function numberedFlows(ctx: ReportContext): NumberedFlows | undefined {
  const rollups = ctx.dialect.rollups;
  if (!rollups || ctx.table !== 'flows') return undefined;
  // Every stored key is in either level, whatever the selection: the whole-store one is smaller.
  const pairs = ctx.dialect.quoteIdentifier(rollupTablesFor(rollups, 'TRUE').pairs);
  const names = `address_names AS (
  SELECT ip, any_value(text) AS text, count(DISTINCT text) + max(CASE WHEN text IS NULL THEN 1 ELSE 0 END) AS spellings
  FROM (SELECT src_ip AS ip, srcaddr AS text FROM ${pairs} UNION ALL SELECT dst_ip, dstaddr FROM ${pairs})
  GROUP BY ip),
unclean_addresses AS (SELECT ip FROM address_names WHERE spellings <> 1)`;
  const flows = ctx.dialect.quoteIdentifier(ctx.table);
  const records = ctx.where.trim() === 'TRUE' ? flows : `(SELECT * FROM ${flows} WHERE (${ctx.where}))`;
  return { names, records };
}

/** Parameters of the port-scans report. */
export interface PortScanOptions {
  /** Window width in seconds. */
  window: number;
  minPorts: number;
  minHosts: number;
  limit: number;
}

/**
 * The port-scans report grouped by source numbers (see NumberedFlows), or undefined when the store cannot: the same
 * rows as the SQL over `flows`. Windows holding a record of an unclean source or destination are grouped by texts.
 */
export function portScansByNumbers(ctx: ReportContext, options: PortScanOptions): string | undefined {
  const numbered = numberedFlows(ctx);
  if (!numbered) return undefined;
  const d = ctx.dialect;
  const { names, records } = numbered;
  const bucket = d.timeBucket(d.quoteIdentifier('start'), options.window);
  const measures = (dstaddr: string) => `count(DISTINCT dstport) AS ports, count(DISTINCT ${dstaddr}) AS hosts, count(*) AS flows,
    count(CASE WHEN "action" = 'REJECT' THEN 1 END) AS rejected`;
  const tainted = (side: string) => `SELECT ${bucket} AS window_start, src_ip FROM ${records} AS f SEMI JOIN unclean_addresses AS u ON f.${side} IS NOT DISTINCT FROM u.ip`;
  return `WITH ${names},
scan_tainted AS (${tainted('src_ip')}
  UNION ${tainted('dst_ip')}),
scan_numbers AS (
  SELECT ${bucket} AS window_start, src_ip, ${measures('dst_ip')}
  FROM ${records} GROUP BY ALL),
scan_texts AS (
  SELECT window_start, srcaddr, ${measures('dstaddr')}
  FROM (SELECT *, ${bucket} AS window_start FROM ${records}) AS f
  SEMI JOIN scan_tainted AS t ON f.window_start = t.window_start AND f.src_ip IS NOT DISTINCT FROM t.src_ip
  WHERE srcaddr IS NOT NULL GROUP BY ALL),
scan_groups AS (
  SELECT g.window_start, n.text AS srcaddr, g.ports, g.hosts, g.flows, g.rejected FROM scan_numbers AS g
  JOIN address_names AS n ON g.src_ip IS NOT DISTINCT FROM n.ip AND n.spellings = 1 AND n.text IS NOT NULL
  ANTI JOIN scan_tainted AS t ON g.window_start = t.window_start AND g.src_ip IS NOT DISTINCT FROM t.src_ip
  UNION ALL SELECT * FROM scan_texts)
SELECT ${d.formatEpochMillis('window_start * 1000')} AS "window", srcaddr, ports, hosts, flows, rejected
FROM scan_groups
WHERE ports >= ${options.minPorts} OR hosts >= ${options.minHosts}
ORDER BY ports DESC, hosts DESC, window_start, srcaddr
${d.limit(options.limit)}`;
}

/**
 * The byte-stats report (Insights `stats avg(bytes), min(bytes), max(bytes) by srcAddr, dstAddr`) grouped by address
 * numbers, or undefined when the store cannot: the rows and columns its Insights query gives over `flows`.
 */
export function byteStatsByNumbers(ctx: ReportContext): string | undefined {
  const numbered = numberedFlows(ctx);
  if (!numbered) return undefined;
  const { names, records } = numbered;
  const stats = (a: string, b: string, c: string) => `${a} AS "avg(bytes)", ${b} AS "min(bytes)", ${c} AS "max(bytes)"`;
  const unclean = (side: string) => `SELECT * FROM ${records} AS f SEMI JOIN unclean_addresses AS u ON f.${side} IS NOT DISTINCT FROM u.ip`;
  const name = (alias: string, side: string) => `JOIN address_names AS ${alias} ON g.${side} IS NOT DISTINCT FROM ${alias}.ip AND ${alias}.spellings = 1`;
  return `WITH ${names},
byte_numbers AS (
  SELECT src_ip, dst_ip, avg("bytes") AS avg_bytes, min("bytes") AS min_bytes, max("bytes") AS max_bytes
  FROM ${records} GROUP BY ALL),
byte_texts AS (
  SELECT srcaddr AS "srcAddr", dstaddr AS "dstAddr", ${stats('avg("bytes")', 'min("bytes")', 'max("bytes")')}
  FROM (${unclean('src_ip')}
    UNION ALL ${unclean('dst_ip')} ANTI JOIN unclean_addresses AS v ON f.src_ip IS NOT DISTINCT FROM v.ip)
  GROUP BY ALL)
SELECT * FROM (
  SELECT s.text AS "srcAddr", d.text AS "dstAddr", ${stats('g.avg_bytes', 'g.min_bytes', 'g.max_bytes')}
  FROM byte_numbers AS g ${name('s', 'src_ip')} ${name('d', 'dst_ip')}
  UNION ALL SELECT * FROM byte_texts)
ORDER BY "srcAddr" ASC NULLS LAST, "dstAddr" ASC NULLS LAST
${ctx.dialect.limit(ctx.limit ?? DEFAULT_LIMIT)}`;
}
