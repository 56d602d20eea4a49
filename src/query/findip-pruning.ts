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
  const inRange = (ip: string): string => ranges.map(({ low, high }) => `${ip} BETWEEN ${sqlLiteral(low)}::UHUGEINT AND ${sqlLiteral(high)}::UHUGEINT`).join(' OR ');
  // Which texts spell the ranges' addresses, and how many records they have: from the whole-store pairs when they are
  // current (a row per key, no hours), so that the hourly table is then searched by text, which is far cheaper than
  // testing 128-bit numbers (20M records: 95 ms a side).
  const spelled = rollups.wholeStore ? await readSpellings(store, rollups.wholeStore.pairs, inRange) : undefined;
  const test = (name: 'src' | 'dst', ip: string, addr: string): string => {
    const texts = spelled?.[name].texts;
    if (texts === undefined) return `coalesce(${inRange(ip)}, FALSE)`;
    return texts.length === 0 ? 'FALSE' : `coalesce(${addr} IN (${texts.map(sqlLiteral).join(', ')}), FALSE)`;
  };
  // Both sides in one scan of the pairs rollup.
  const aggregates = (name: string, addr: string): string => `list(DISTINCT unit_id ORDER BY unit_id) FILTER (WHERE ${name}) AS ${name}_units,
  count(DISTINCT ${addr}) FILTER (WHERE ${name}) AS ${name}_count,
  list(DISTINCT ${addr} ORDER BY ${addr}) FILTER (WHERE ${name} AND ${addr} IS NOT NULL) AS ${name}_texts,
  coalesce(sum(flows) FILTER (WHERE ${name}), 0) AS ${name}_flows`;
  const result = await store.query(`SELECT ${aggregates('src', 'srcaddr')}, ${aggregates('dst', 'dstaddr')}
FROM (SELECT *, ${test('src', 'src_ip', 'srcaddr')} AS src, ${test('dst', 'dst_ip', 'dstaddr')} AS dst FROM ${rollups.pairs}) AS p WHERE src OR dst`);
  const row = result.rows[0] ?? {};
  const side = (name: string): FindipSide => {
    const texts = (row[`${name}_texts`] as string[] | null) ?? [];
    return {
      units: ((row[`${name}_units`] as number[] | null) ?? []).map(Number),
      texts: Number(row[`${name}_count`]) <= MAX_FINDIP_TEXTS ? texts : undefined,
      flows: Number(row[`${name}_flows`]),
    };
  };
  return { src: side('src'), dst: side('dst') };
}

/** Per side, the texts of the addresses in the ranges (undefined when more than MAX_FINDIP_TEXTS), from a pairs table. */
async function readSpellings(store: Store, pairs: string, inRange: (ip: string) => string): Promise<Record<'src' | 'dst', { texts: string[] | undefined }>> {
  const side = (ip: string, addr: string, name: string): string =>
    `count(DISTINCT ${addr}) FILTER (WHERE ${inRange(ip)}) AS ${name}_count, list(DISTINCT ${addr}) FILTER (WHERE ${addr} IS NOT NULL AND (${inRange(ip)})) AS ${name}_texts`;
  const row = (await store.query(`SELECT ${side('src_ip', 'srcaddr', 'src')}, ${side('dst_ip', 'dstaddr', 'dst')} FROM ${pairs}`)).rows[0] ?? {};
  const texts = (name: string): { texts: string[] | undefined } =>
    Number(row[`${name}_count`]) <= MAX_FINDIP_TEXTS ? { texts: (row[`${name}_texts`] as string[] | null) ?? [] } : { texts: undefined };
  return { src: texts('src'), dst: texts('dst') };
}
