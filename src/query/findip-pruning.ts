import type { Store } from '../store/database.js';
import { readRollups } from '../store/rollups.js';
import { sqlLiteral } from '../store/sql-text.js';

/** Where one side (source or destination) of findip can look: the units holding it, and its address texts when few. */
export interface FindipSide {
  /** The ingest units with at least one record whose address on this side is in a range. */
  units: readonly number[];
  /** Every address text on this side in the ranges (the writer derives src_ip/dst_ip from it), or undefined when many. */
  texts: readonly string[] | undefined;
  /** How many records have an address in the ranges on this side (the two sides overlap when both are in a range). */
  flows: number;
}

/** The units and address texts findip needs to read, per side; from the rollups (readFindipPruning). */
export interface FindipPruning {
  src: FindipSide;
  dst: FindipSide;
}

/** Above this many address texts a side is tested by its numeric range instead of a list of texts. */
export const MAX_FINDIP_TEXTS = 64;

/**
 * Reads from the up-to-date rollups which units hold the ranges' addresses on each side, and which texts spell them,
 * so findip scans only those units (unit_id is clustered: one unit's rows are written together) and compares the
 * dictionary-compressed address text instead of decoding every 128-bit src_ip/dst_ip. Undefined without rollups.
 */
export async function readFindipPruning(store: Store, ranges: readonly { low: bigint; high: bigint }[]): Promise<FindipPruning | undefined> {
  const rollups = await readRollups(store);
  if (!rollups || ranges.length === 0) return undefined;
  const side = async (ip: string, addr: string): Promise<FindipSide> => {
    const inRange = ranges.map(({ low, high }) => `${ip} BETWEEN ${sqlLiteral(low)}::UHUGEINT AND ${sqlLiteral(high)}::UHUGEINT`).join(' OR ');
    const result = await store.query(`SELECT list(DISTINCT unit_id ORDER BY unit_id) AS units, count(DISTINCT ${addr}) AS count,
  list(DISTINCT ${addr} ORDER BY ${addr}) FILTER (WHERE ${addr} IS NOT NULL) AS texts, coalesce(sum(flows), 0) AS flows
FROM ${rollups.pairs} WHERE ${inRange}`);
    const row = result.rows[0] ?? {};
    const units = ((row.units as number[] | null) ?? []).map(Number);
    const texts = (row.texts as string[] | null) ?? [];
    return { units, texts: Number(row.count) <= MAX_FINDIP_TEXTS ? texts : undefined, flows: Number(row.flows) };
  };
  return { src: await side('src_ip', 'srcaddr'), dst: await side('dst_ip', 'dstaddr') };
}
