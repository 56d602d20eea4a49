import type { Store } from '../store/database.js';
import { readRollups } from '../store/rollups.js';
import { addressInRangesSql } from '../sql/addresses.js';

/** Where one side (source or destination) of findip can look: the units holding it, and its address texts when few. */
export interface FindipSide {
  /** The ingest units with at least one record whose address on this side is in a range. */
  units: readonly number[];
  /** Every address text on this side in the ranges (the writer derives src_ip/dst_ip from it), or undefined when many. */
  texts: readonly string[] | undefined;
  /** How many records have an address in the ranges on this side (the two sides overlap when both are in a range). */
  flows: number;
}

/** How many records with an address in the ranges (on either side) start in one rollup hour. */
export interface FindipHour {
  /** The hour's first second (start rounded down to ROLLUP_SECONDS). */
  hour: bigint;
  rows: number;
}

/** The units and address texts findip needs to read, per side; from the rollups (readFindipPruning). */
export interface FindipPruning {
  src: FindipSide;
  dst: FindipSide;
  /** The records of either side per hour of start, in hour order (records without a start are not counted). */
  hours: readonly FindipHour[];
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
  const inRange = (ip: string): string => addressInRangesSql(ip, ranges);
  // The rollup views make address texts from the stored numbers, so the numbers are what a scan tests; the texts
  // come only from the rows that match.
  return readSides(store, rollups.pairs, { src: inRange('src_ip'), dst: inRange('dst_ip') }, true);
}

/**
 * Both sides from one scan of a pairs rollup table: the rows whose side matches its condition give the units
 * (`withUnits`: the hourly table has them), the address texts (undefined when more than MAX_FINDIP_TEXTS), the flows,
 * and the flows per hour of start that size findip's slices.
 */
async function readSides(store: Store, pairs: string, conditions: Record<'src' | 'dst', string>, withUnits: boolean): Promise<FindipPruning> {
  const aggregates = (name: 'src' | 'dst'): string => {
    const addr = `${name}addr`;
    return `${withUnits ? `list(DISTINCT unit_id ORDER BY unit_id) FILTER (WHERE ${name}) AS ${name}_units, ` : ''}count(DISTINCT ${addr}) FILTER (WHERE ${name}) AS ${name}_count,
  list(DISTINCT ${addr} ORDER BY ${addr}) FILTER (WHERE ${name} AND ${addr} IS NOT NULL) AS ${name}_texts,
  coalesce(sum(flows) FILTER (WHERE ${name}), 0) AS ${name}_flows`;
  };
  const hours = withUnits
    ? `(SELECT list({'hour': hour_start, 'rows': n} ORDER BY hour_start) FROM (SELECT hour_start, sum(flows) AS n FROM p WHERE hour_start IS NOT NULL GROUP BY hour_start))`
    : 'NULL';
  const result = await store.query(`WITH p AS MATERIALIZED (SELECT *, coalesce(${conditions.src}, FALSE) AS src, coalesce(${conditions.dst}, FALSE) AS dst FROM ${pairs}
  WHERE coalesce(${conditions.src}, FALSE) OR coalesce(${conditions.dst}, FALSE))
SELECT ${aggregates('src')}, ${aggregates('dst')}, ${hours} AS hours FROM p`);
  const row = result.rows[0] ?? {};
  const side = (name: 'src' | 'dst'): FindipSide => ({
    units: ((row[`${name}_units`] as number[] | null | undefined) ?? []).map(Number),
    texts: Number(row[`${name}_count`]) <= MAX_FINDIP_TEXTS ? ((row[`${name}_texts`] as string[] | null) ?? []) : undefined,
    flows: Number(row[`${name}_flows`]),
  });
  const hourRows = (row.hours as { hour: number | bigint; rows: number | bigint }[] | null | undefined) ?? [];
  return { src: side('src'), dst: side('dst'), hours: hourRows.map((h) => ({ hour: BigInt(h.hour), rows: Number(h.rows) })) };
}
