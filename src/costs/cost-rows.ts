import type { Store } from '../store/index.js';
import { readPresentColumns } from '../query/present-columns.js';
import { readRollups, rollupCondition, rollupTablesFor } from '../store/rollups.js';
import { quoteIdentifier } from '../store/sql-text.js';
import { isPrivateNumberSql } from '../sql/addresses.js';
import type { CostGrouping } from './cost-types.js';

/** The temporary table of billable traffic the cost report classifies (see prepareCostRows). */
export const COST_ROWS_TABLE = 'cost_rows';

/** What the cost report needs besides the billable rows: the time span and the counts of what it cannot attribute. */
export interface CostFacts {
  first: number;
  last: number;
  noAz: { records: number; bytes: number };
  noDirection: { records: number; bytes: number };
  skipped: number;
  /** Where the span and counts came from: the hourly or whole-store rollups, or the records. */
  source: 'rollups' | 'records';
  /** The records carry pkt-srcaddr or pkt-dstaddr. */
  pktAddresses: boolean;
}

/** The columns the classification reads, with their types (absent columns become typed NULLs). */
const COST_COLUMNS: readonly (readonly [string, string])[] = [
  ['interface_id', 'VARCHAR'], ['pkt_srcaddr', 'VARCHAR'], ['pkt_dstaddr', 'VARCHAR'], ['flow_direction', 'VARCHAR'], ['traffic_path', 'INTEGER'],
  ['az_id', 'VARCHAR'], ['subnet_id', 'VARCHAR'], ['instance_id', 'VARCHAR'], ['pkt_src_aws_service', 'VARCHAR'], ['pkt_dst_aws_service', 'VARCHAR'],
];

/** What decides where the rows come from: the grouping and whether NAT interfaces are given. */
export interface CostRowOptions {
  groupBy: CostGrouping;
  /** A NAT gateway interface list is given (NAT legs are found by interface). */
  hasNat: boolean;
}

/**
 * Fills the temporary table `cost_rows` with the accepted, recorded bytes of the selection summed per distinct
 * combination of the columns the classification reads and the address pair (a few thousand rows where there are
 * millions of records), with the addresses as numbers (`src_ip`, `dst_ip`) and whether they are private
 * (`src_private`, `dst_private`) or public (`dst_public`); reads the report's span and unattributed counts. The
 * address-pair rollups answer when they hold every column the question needs (no NAT interface list, grouping by
 * subnet or service, a default-format store) and the selection is on whole hours; otherwise one pass over the
 * records does.
 */
export async function prepareCostRows(store: Store, where: string, options: CostRowOptions): Promise<CostFacts> {
  const present = new Set(await readPresentColumns(store, 'flows', COST_COLUMNS.map(([name]) => name)));
  const rollups = await readRollups(store);
  const condition = rollupCondition(where);
  const wholeHours = rollups !== undefined && condition !== undefined;
  const fits = wholeHours && !options.hasNat && (options.groupBy === 'subnet' || options.groupBy === 'service')
    && [...present].every((c) => c === 'interface_id');
  const columns = COST_COLUMNS.map(([name, type]) => (!fits && present.has(name) ? quoteIdentifier(name) : `NULL::${type} AS ${quoteIdentifier(name)}`));
  const keys = COST_COLUMNS.map(([name]) => name).filter((name) => !fits && present.has(name)).map(quoteIdentifier);
  const billable = `"action" = 'ACCEPT' AND log_status = 'OK' AND bytes IS NOT NULL`;
  const from = fits ? quoteIdentifier(rollupTablesFor(rollups, condition).pairs) : 'flows';
  // Grouping by the address text is several times faster than by the 128-bit numbers (or with them as values); the
  // numbers are computed again from the text, once per distinct address.
  await store.run(`CREATE OR REPLACE TEMP TABLE ${COST_ROWS_TABLE} AS
WITH grouped AS (SELECT ${columns.join(', ')}, srcaddr, dstaddr, sum(bytes)::HUGEINT AS bytes
  FROM ${from} WHERE (${fits ? condition : where}) AND ${billable} GROUP BY ${[...keys, 'srcaddr', 'dstaddr'].join(', ')}),
addresses AS (SELECT address, ip_to_number(address) AS ip FROM (SELECT srcaddr AS address FROM grouped UNION SELECT dstaddr FROM grouped)),
numbered AS (SELECT g.* EXCLUDE (srcaddr, dstaddr), s.ip AS src_ip, d.ip AS dst_ip
  FROM grouped g LEFT JOIN addresses s ON s.address = g.srcaddr LEFT JOIN addresses d ON d.address = g.dstaddr)
SELECT *, coalesce(${isPrivateNumberSql('src_ip')}, FALSE) AS src_private, coalesce(${isPrivateNumberSql('dst_ip')}, FALSE) AS dst_private,
  dst_ip IS NOT NULL AND NOT coalesce(${isPrivateNumberSql('dst_ip')}, FALSE) AS dst_public
FROM numbered`);
  const pktAddresses = present.has('pkt_srcaddr') || present.has('pkt_dstaddr');
  // Without az-id and flow-direction columns the whole-hour rollups count what cannot be attributed.
  const facts = wholeHours && !present.has('az_id') && !present.has('flow_direction')
    ? await rollupFacts(store, quoteIdentifier(rollupTablesFor(rollups, condition).pairs), condition)
    : await recordFacts(store, where);
  return { ...facts, pktAddresses };
}

async function rollupFacts(store: Store, table: string, condition: string): Promise<Omit<CostFacts, 'pktAddresses'>> {
  const facts = await store.query(`SELECT min(first_start) AS first, max(last_end) AS last,
  coalesce(sum(flows) FILTER (WHERE "action" = 'ACCEPT' OR log_status IN ('NODATA', 'SKIPDATA')), 0)::DOUBLE AS unattributed,
  coalesce(sum(bytes) FILTER (WHERE "action" = 'ACCEPT' OR log_status IN ('NODATA', 'SKIPDATA')), 0)::DOUBLE AS unattributed_bytes,
  coalesce(sum(flows) FILTER (WHERE log_status IN ('NODATA', 'SKIPDATA')), 0)::DOUBLE AS skipped
FROM ${table} WHERE ${condition}`);
  const row = facts.rows[0] ?? {};
  const missing = { records: Number(row.unattributed), bytes: Number(row.unattributed_bytes) };
  return { first: Number(row.first ?? 0), last: Number(row.last ?? 0), noAz: missing, noDirection: missing, skipped: Number(row.skipped), source: 'rollups' };
}

async function recordFacts(store: Store, where: string): Promise<Omit<CostFacts, 'pktAddresses'>> {
  const unattributed = `("action" = 'ACCEPT' OR log_status IN ('NODATA', 'SKIPDATA'))`;
  const facts = await store.query(`SELECT min("start") AS first, max("end") AS last,
  count(*) FILTER (WHERE az_id IS NULL AND ${unattributed}) AS no_az, coalesce(sum(bytes) FILTER (WHERE az_id IS NULL AND ${unattributed}), 0)::DOUBLE AS no_az_bytes,
  count(*) FILTER (WHERE flow_direction IS NULL AND ${unattributed}) AS no_dir, coalesce(sum(bytes) FILTER (WHERE flow_direction IS NULL AND ${unattributed}), 0)::DOUBLE AS no_dir_bytes,
  count(*) FILTER (WHERE log_status IN ('NODATA', 'SKIPDATA')) AS skipped
FROM flows WHERE ${where}`);
  const row = facts.rows[0] ?? {};
  return {
    first: Number(row.first ?? 0),
    last: Number(row.last ?? 0),
    noAz: { records: Number(row.no_az), bytes: Number(row.no_az_bytes) },
    noDirection: { records: Number(row.no_dir), bytes: Number(row.no_dir_bytes) },
    skipped: Number(row.skipped),
    source: 'records',
  };
}
