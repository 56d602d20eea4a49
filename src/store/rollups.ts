import type { Store } from './database.js';
import { FLOW_RECORDS_TABLE } from './schema.js';

/**
 * Pre-aggregated flow tables (one row per ingest unit × hour × key) that reports, Insights `stats` and the graph
 * answer from when their grouping allows. They are exact: every group of the raw records is a union of rollup
 * rows, so count/sum/min/max over them equal the same aggregates over `flows`. A query uses them only while they
 * cover exactly the units in `ingest_units` (see readRollups), so a store whose rollups lag behind stays correct.
 */
export interface FlowRollups {
  /** Keys: unit_id, hour_start, src_ip, dst_ip, srcaddr, dstaddr, dstport, protocol, action, log_status. */
  readonly ports: string;
  /**
   * The same without dstport: far fewer rows (replies go to ephemeral ports). Its `port_keys` column counts the
   * ports rollup rows merged into the row: the distinct dstport values of that unit, hour and key.
   */
  readonly pairs: string;
}

/** The rollup tables (the suffix versions their layout). */
export const FLOW_ROLLUPS: FlowRollups = { ports: 'flow_rollup_ports_v2', pairs: 'flow_rollup_pairs_v2' };

/** The ledger of units the rollups hold. */
export const ROLLUP_UNITS_TABLE = 'flow_rollup_units_v2';

/** Hour width of rollup rows: a --start/--end window on whole hours is a condition on hour_start. */
export const ROLLUP_SECONDS = 3600;

/** Columns both rollups carry: flow count, packet and byte sums, first start, last end. */
export const ROLLUP_MEASURES = ['flows', 'packets', 'bytes', 'first_start', 'last_end'] as const;

/** Key columns of each rollup (besides unit_id and hour_start). */
export const ROLLUP_KEYS: Readonly<Record<keyof FlowRollups, readonly string[]>> = {
  ports: ['src_ip', 'dst_ip', 'srcaddr', 'dstaddr', 'dstport', 'protocol', 'action', 'log_status'],
  pairs: ['src_ip', 'dst_ip', 'srcaddr', 'dstaddr', 'protocol', 'action', 'log_status'],
};

// Floor to the hour, also for (nonsense) negative times: % keeps the sign of the dividend in DuckDB.
const HOUR_START = `("start" - (("start" % ${ROLLUP_SECONDS}) + ${ROLLUP_SECONDS}) % ${ROLLUP_SECONDS})`;

/** SQL statements creating the rollup tables when missing. */
export function rollupSchemaStatements(): string[] {
  const keyTypes: Record<string, string> = {
    src_ip: 'UHUGEINT', dst_ip: 'UHUGEINT', srcaddr: 'VARCHAR', dstaddr: 'VARCHAR', dstport: 'INTEGER', protocol: 'INTEGER', action: 'VARCHAR', log_status: 'VARCHAR',
  };
  // BIGINT sums: HUGEINT columns scan several times slower, and no unit-hour group sums 2^63 bytes.
  const measures = 'flows BIGINT, packets BIGINT, bytes BIGINT, first_start BIGINT, last_end BIGINT';
  const table = (name: string, keys: readonly string[], extra = ''): string =>
    `CREATE TABLE IF NOT EXISTS ${name} (unit_id INTEGER, hour_start BIGINT, ${keys.map((k) => `${k} ${keyTypes[k] ?? 'VARCHAR'}`).join(', ')}, ${measures}${extra})`;
  return [
    table(FLOW_ROLLUPS.ports, ROLLUP_KEYS.ports),
    table(FLOW_ROLLUPS.pairs, ROLLUP_KEYS.pairs, ', port_keys BIGINT'),
    `CREATE TABLE IF NOT EXISTS ${ROLLUP_UNITS_TABLE} (unit_id INTEGER)`,
  ];
}

/**
 * Adds one ingested unit's records to the rollups (replacing what they held for it). Call it inside the unit's
 * ingest transaction, after its records and its ingest_units row are written, so rollups and records commit together.
 */
export async function updateRollups(store: Store, unitId: number): Promise<void> {
  for (const sql of rollupSchemaStatements()) await store.run(sql);
  await removeUnits(store, `unit_id = ${Math.trunc(unitId)}`);
  await aggregateUnits(store, `unit_id = ${Math.trunc(unitId)}`);
  await store.run(`INSERT INTO ${ROLLUP_UNITS_TABLE} VALUES (${Math.trunc(unitId)})`);
}

/**
 * Brings the rollups up to date with ingest_units: drops units no longer stored, aggregates the missing ones.
 * Idempotent; cheap when nothing changed. Returns the number of units added.
 */
export async function refreshRollups(store: Store): Promise<number> {
  for (const sql of rollupSchemaStatements()) await store.run(sql);
  await store.run('BEGIN TRANSACTION');
  try {
    await removeUnits(store, 'unit_id NOT IN (SELECT unit_id FROM ingest_units)');
    const missing = `unit_id IN (SELECT unit_id FROM ingest_units WHERE unit_id NOT IN (SELECT unit_id FROM ${ROLLUP_UNITS_TABLE}))`;
    const added = Number(await store.scalar(`SELECT count(*) FROM ingest_units WHERE ${missing}`));
    if (added > 0) {
      const units = (await store.query(`SELECT unit_id FROM ingest_units WHERE ${missing} ORDER BY unit_id`)).rows.map((r) => Number(r.unit_id));
      const list = `unit_id IN (${units.join(', ')})`;
      // Rows of a unit missing from the ledger (a write that never finished) are replaced, not doubled.
      await removeUnits(store, list);
      await aggregateUnits(store, list);
      await store.run(`INSERT INTO ${ROLLUP_UNITS_TABLE} SELECT unnest([${units.join(', ')}])`);
    }
    await store.run('COMMIT');
    return added;
  } catch (error) {
    await store.run('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/**
 * The rollups when they hold exactly the stored units (every ingest_units row and no other), else undefined:
 * queries then read the raw records.
 */
export async function readRollups(store: Store): Promise<FlowRollups | undefined> {
  // One round trip: the counts are only read when all four tables exist (a store from before rollups has none).
  const names = [FLOW_ROLLUPS.ports, FLOW_ROLLUPS.pairs, ROLLUP_UNITS_TABLE, 'ingest_units'].map((n) => `'${n}'`).join(', ');
  const tables = Number(
    await store.scalar(`SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = 'main' AND table_name IN (${names})`),
  );
  if (tables !== 4) return undefined;
  const counts = await store.query(`SELECT (SELECT count(*) FROM ingest_units) AS units, (SELECT count(*) FROM ${ROLLUP_UNITS_TABLE}) AS rolled,
    (SELECT count(*) FROM ingest_units JOIN ${ROLLUP_UNITS_TABLE} USING (unit_id)) AS matched`);
  const row = counts.rows[0] ?? {};
  const units = Number(row.units);
  return units === Number(row.rolled) && units === Number(row.matched) ? FLOW_ROLLUPS : undefined;
}

/**
 * The rollup condition equal to a record selection condition (as selectionToSql writes it: `TRUE`, `"start" >= N`,
 * `"start" < N` on whole hours, `action = '…'`, joined by AND), or undefined when the rollups cannot answer it.
 */
export function rollupCondition(where: string | undefined): string | undefined {
  const text = (where ?? 'TRUE').trim();
  if (text === 'TRUE' || text === '') return 'TRUE';
  const parts: string[] = [];
  for (const part of text.split(' AND ')) {
    const time = /^"start" (>=|<) (-?\d+)$/.exec(part);
    if (time) {
      const at = Number(time[2]);
      if (!Number.isSafeInteger(at) || at % ROLLUP_SECONDS !== 0) return undefined;
      parts.push(`hour_start ${time[1]} ${at}`);
      continue;
    }
    const action = /^action = '(ACCEPT|REJECT)'$/.exec(part);
    if (action) {
      parts.push(`"action" = '${action[1]}'`);
      continue;
    }
    return undefined;
  }
  return parts.join(' AND ');
}

async function removeUnits(store: Store, condition: string): Promise<void> {
  for (const table of [FLOW_ROLLUPS.ports, FLOW_ROLLUPS.pairs, ROLLUP_UNITS_TABLE]) await store.run(`DELETE FROM ${table} WHERE ${condition}`);
}

async function aggregateUnits(store: Store, condition: string): Promise<void> {
  const ports = ROLLUP_KEYS.ports.map((k) => `"${k}"`).join(', ');
  // src_ip/dst_ip are functions of srcaddr/dstaddr (the writer derives them), so the pairs group by the text alone:
  // half the key bytes, 2-3× faster than grouping by both.
  const textKeys = ROLLUP_KEYS.pairs.filter((k) => k !== 'src_ip' && k !== 'dst_ip').map((k) => `"${k}"`).join(', ');
  await store.run(`INSERT INTO ${FLOW_ROLLUPS.ports}
SELECT unit_id, ${HOUR_START} AS hour_start, ${ports}, count(*), sum(packets)::BIGINT, sum(bytes)::BIGINT, min("start"), max("end")
FROM ${FLOW_RECORDS_TABLE} WHERE ${condition} GROUP BY ALL`);
  await store.run(`INSERT INTO ${FLOW_ROLLUPS.pairs} (unit_id, hour_start, src_ip, dst_ip, ${textKeys}, flows, packets, bytes, first_start, last_end, port_keys)
SELECT unit_id, hour_start, any_value(src_ip), any_value(dst_ip), ${textKeys}, sum(flows)::BIGINT, sum(packets)::BIGINT, sum(bytes)::BIGINT, min(first_start), max(last_end),
  count(*)
FROM ${FLOW_ROLLUPS.ports} WHERE ${condition} GROUP BY unit_id, hour_start, ${textKeys}`);
}
