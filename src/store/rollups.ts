import type { Store } from './database.js';
import { readPhysicalColumns } from './flow-columns.js';
import { columnDefinitionSql, FLOW_RECORDS_TABLE, ipv4TextSql, enumCodeSql, isTextLayout, storedValueSql } from './schema.js';
import { capMemoryLimit, runThenRestore } from './settings.js';

/** A pair of rollup tables of one level: per address pair, and per address pair and destination port. */
export interface RollupTables {
  /** Keys: src_ip, dst_ip, srcaddr, dstaddr, dstport, protocol, action, log_status (plus unit_id and hour_start when hourly). */
  readonly ports: string;
  /**
   * The same without dstport: far fewer rows (replies go to ephemeral ports). Its `port_keys` column counts the
   * ports rollup rows merged into the row: the distinct dstport values of that key (within its unit and hour when hourly).
   */
  readonly pairs: string;
}

/**
 * Pre-aggregated flow tables (one row per ingest unit × hour × key) that reports, Insights `stats` and the graph
 * answer from when their grouping allows. They are exact: every group of the raw records is a union of rollup
 * rows, so count/sum/min/max over them equal the same aggregates over `flows`. A query uses them only while they
 * cover exactly the units in `ingest_units` (see readRollups), so a store whose rollups lag behind stays correct.
 */
export interface FlowRollups extends RollupTables {
  /**
   * The whole-store level: the same keys without unit_id and hour_start, for selections without a time window
   * (see rollupTablesFor). Present only while its own ledger holds exactly the stored units.
   */
  readonly wholeStore?: RollupTables | undefined;
}

/**
 * The rollups that queries read (the suffix versions their layout): views that give the key texts, over tables of
 * the same rows whose keys are stored as numbers and codes (rowsTable) — grouping and storing those costs far less.
 */
export const FLOW_ROLLUPS: FlowRollups = { ports: 'flow_rollup_ports_v3', pairs: 'flow_rollup_pairs_v3' };

/** The ledger of units the rollups hold. */
export const ROLLUP_UNITS_TABLE = 'flow_rollup_units_v3';

/** The whole-store rollups (hourly rows summed over all units and hours), views as FLOW_ROLLUPS. */
export const WHOLE_STORE_ROLLUPS: RollupTables = { ports: 'flow_rollup_ports_all_v2', pairs: 'flow_rollup_pairs_all_v2' };

/** The ledger of units the whole-store rollups hold (they are rebuilt, not updated per unit). */
export const WHOLE_STORE_UNITS_TABLE = 'flow_rollup_all_units_v2';

// Rollup tables of earlier layouts, dropped by refreshRollups (their successors are rebuilt from the records).
const OBSOLETE_TABLES = ['flow_rollup_ports_v2', 'flow_rollup_pairs_v2', 'flow_rollup_units_v2', 'flow_rollup_ports_all_v1', 'flow_rollup_pairs_all_v1', 'flow_rollup_all_units_v1'];

// The stored key columns of the rollup tables, in the narrow form of the flows table (see NARROW_FORMS).
const STORED_KEYS: Readonly<Record<keyof RollupTables, readonly string[]>> = {
  ports: ['src_ip', 'dst_ip', 'src_text', 'dst_text', 'dstport', 'protocol', 'action_code', 'log_status_code'],
  pairs: ['src_ip', 'dst_ip', 'src_text', 'dst_text', 'protocol', 'action_code', 'log_status_code'],
};
const STORED_KEY_TYPES: Record<string, string> = {
  src_ip: 'UHUGEINT', dst_ip: 'UHUGEINT', src_text: 'VARCHAR', dst_text: 'VARCHAR', dstport: 'INTEGER', protocol: 'INTEGER', action_code: 'UTINYINT', log_status_code: 'UTINYINT',
};
const NARROW_KEYS: ReadonlySet<string> = new Set(STORED_KEYS.ports);

/** The table holding a rollup view's rows. */
function rowsTable(view: string): string {
  return `${view}_rows`;
}

/** Hour width of rollup rows: a --start/--end window on whole hours is a condition on hour_start. */
export const ROLLUP_SECONDS = 3600;

/** Columns both rollups carry: flow count, packet and byte sums, first start, last end. */
export const ROLLUP_MEASURES = ['flows', 'packets', 'bytes', 'first_start', 'last_end'] as const;

/** Key columns of each rollup (besides unit_id and hour_start). */
export const ROLLUP_KEYS: Readonly<Record<keyof RollupTables, readonly string[]>> = {
  ports: ['src_ip', 'dst_ip', 'srcaddr', 'dstaddr', 'dstport', 'protocol', 'action', 'log_status'],
  pairs: ['src_ip', 'dst_ip', 'srcaddr', 'dstaddr', 'protocol', 'action', 'log_status'],
};

// Floor to the hour, also for (nonsense) negative times: % keeps the sign of the dividend in DuckDB.
const HOUR_START = `("start" - (("start" % ${ROLLUP_SECONDS}) + ${ROLLUP_SECONDS}) % ${ROLLUP_SECONDS})`;

/** SQL statements creating the rollup tables when missing. */
export function rollupSchemaStatements(): string[] {
  // BIGINT sums: HUGEINT columns scan several times slower, and no unit-hour group sums 2^63 bytes.
  const measures = ['flows', 'packets', 'bytes', 'first_start', 'last_end'];
  const level = (view: string, kind: keyof RollupTables, hourly: boolean): string[] => {
    const prefix = hourly ? ['unit_id', 'hour_start'] : [];
    const extra = kind === 'pairs' ? ['port_keys'] : [];
    const types = [...prefix.map((c) => `${c} ${c === 'unit_id' ? 'INTEGER' : 'BIGINT'}`), ...STORED_KEYS[kind].map((k) => columnDefinitionSql(k, STORED_KEY_TYPES[k] as string)), ...[...measures, ...extra].map((m) => `${m} BIGINT`)];
    const keys = ROLLUP_KEYS[kind].map((k) => `${NARROW_KEYS.has(k) ? `"${k}"` : storedValueSql(k, NARROW_KEYS)} AS "${k}"`);
    return [
      `CREATE TABLE IF NOT EXISTS ${rowsTable(view)} (${types.join(', ')})`,
      `CREATE VIEW IF NOT EXISTS ${view} AS SELECT ${[...prefix, ...keys, ...measures, ...extra].join(', ')} FROM ${rowsTable(view)}`,
    ];
  };
  return [
    ...level(FLOW_ROLLUPS.ports, 'ports', true),
    ...level(FLOW_ROLLUPS.pairs, 'pairs', true),
    `CREATE TABLE IF NOT EXISTS ${ROLLUP_UNITS_TABLE} (unit_id INTEGER)`,
    ...level(WHOLE_STORE_ROLLUPS.ports, 'ports', false),
    ...level(WHOLE_STORE_ROLLUPS.pairs, 'pairs', false),
    `CREATE TABLE IF NOT EXISTS ${WHOLE_STORE_UNITS_TABLE} (unit_id INTEGER)`,
  ];
}

// The rollup tables that must be tables (the rows and the ledgers) and the views over them.
const ROLLUP_VIEWS = [FLOW_ROLLUPS.ports, FLOW_ROLLUPS.pairs, WHOLE_STORE_ROLLUPS.ports, WHOLE_STORE_ROLLUPS.pairs];
const ROLLUP_TABLES = [...ROLLUP_VIEWS.map(rowsTable), ROLLUP_UNITS_TABLE, WHOLE_STORE_UNITS_TABLE];

/**
 * Adds one ingested unit's records to the hourly rollups (replacing what they held for it). Call it inside the unit's
 * ingest transaction, after its records and its ingest_units row are written, so rollups and records commit together.
 * The whole-store level is left stale (it lacks the unit) until refreshRollups brings it up to date.
 */
export async function updateRollups(store: Store, unitId: number): Promise<void> {
  for (const sql of rollupSchemaStatements()) await store.run(sql);
  await forgetWholeStoreUnits(store, `unit_id = ${Math.trunc(unitId)}`);
  await removeUnits(store, `unit_id = ${Math.trunc(unitId)}`);
  await aggregateUnits(store, `unit_id = ${Math.trunc(unitId)}`);
  await store.run(`INSERT INTO ${ROLLUP_UNITS_TABLE} VALUES (${Math.trunc(unitId)})`);
}

/**
 * Creates the rollup tables when missing, outside any transaction; true when every one of them is a table that
 * addUnitsToRollups can write (a store where one is something else is left to refreshRollups, which reports it).
 */
export async function prepareRollups(store: Store): Promise<boolean> {
  try {
    for (const sql of rollupSchemaStatements()) await store.run(sql);
  } catch {
    return false;
  }
  const found = await findRollupObjects(store);
  return [...ROLLUP_TABLES, ...ROLLUP_VIEWS].every((name) => found.has(name));
}

/** Largest BIGINT: a group of records whose packets or bytes sum past it cannot be rolled up into BIGINT sums. */
const MAX_BIGINT = '9223372036854775807';

/**
 * Adds freshly loaded units' records to the hourly rollups (made by prepareRollups first), inside the caller's transaction (the one that commits the
 * units' records and ledger rows), so that an ingest ends with its rollups current and a rerun or resume stays exact.
 * Returns false, writing nothing, when the units' packets or bytes could overflow a BIGINT sum (refreshRollups then
 * leaves the rollups behind and readers use the raw records). The whole-store level is rebuilt by refreshRollups.
 */
export async function addUnitsToRollups(store: Store, unitIds: readonly number[]): Promise<boolean> {
  if (unitIds.length === 0) return true;
  const list = `unit_id IN (${unitIds.map((id) => Math.trunc(id)).join(', ')})`;
  // Sums of UBIGINT are HUGEINT: the total over the units bounds every group's sum, and never fails itself.
  const fits = await store.scalar(`SELECT coalesce(sum(packets) <= ${MAX_BIGINT} AND sum(bytes) <= ${MAX_BIGINT}, TRUE) FROM ${FLOW_RECORDS_TABLE} WHERE ${list}`);
  if (fits !== true) return false;
  await forgetWholeStoreUnits(store, list);
  await removeUnits(store, list);
  await aggregateUnits(store, list);
  await store.run(`INSERT INTO ${ROLLUP_UNITS_TABLE} SELECT unnest([${unitIds.map((id) => Math.trunc(id)).join(', ')}])`);
  return true;
}

/** How much one statement of refreshRollups rolls up: records per aggregation, hourly rows per whole-store merge. */
export interface RollupBatchSizes {
  recordsPerAggregate?: number | undefined;
  rowsPerMerge?: number | undefined;
}

/**
 * Brings the rollups up to date with ingest_units: drops units no longer stored, aggregates the missing ones, and
 * adds the units the whole-store level lacks to it (rebuilding it when units it sums were dropped or replaced, or
 * when most of it is new; units of S3 access logs or CloudTrail only join the ledgers). Idempotent; cheap when
 * nothing changed. Returns the number of
 * units with flow records added (0, leaving the rollups behind, when a sum does not fit 64 bits).
 */
export async function refreshRollups(store: Store, sizes: RollupBatchSizes = {}): Promise<number> {
  for (const sql of rollupSchemaStatements()) await store.run(sql);
  const found = await findRollupObjects(store, OBSOLETE_TABLES);
  for (const table of OBSOLETE_TABLES.filter((t) => found.has(t))) await store.run(`DROP TABLE ${table}`);
  const present = await findRollupObjects(store);
  const wrong = [...ROLLUP_TABLES, ...ROLLUP_VIEWS].filter((name) => !present.has(name));
  if (wrong.length > 0) throw new Error(`the rollup objects ${wrong.join(', ')} of the store are not what flowlens made (a table where a view belongs or the reverse)`);
  await store.run('BEGIN TRANSACTION');
  try {
    // Whether the whole-store level sums units the hourly level still holds (then the units it lacks can be added).
    const wholeWithinHourly = await withinUnits(store, WHOLE_STORE_UNITS_TABLE, ROLLUP_UNITS_TABLE);
    const stale = 'unit_id NOT IN (SELECT unit_id FROM ingest_units)';
    const removed = Number(await store.scalar(`SELECT count(*) FROM ${ROLLUP_UNITS_TABLE} WHERE ${stale}`));
    const removedRows = removed > 0 ? Number(await store.scalar(`SELECT count(*) FROM ${rowsTable(FLOW_ROLLUPS.ports)} WHERE ${stale}`)) : 0;
    // Each DELETE scans the hourly level: only when units went away.
    if (removed > 0) await removeUnits(store, stale);
    const missing = `unit_id IN (SELECT unit_id FROM ingest_units WHERE unit_id NOT IN (SELECT unit_id FROM ${ROLLUP_UNITS_TABLE}))`;
    const added = Number(await store.scalar(`SELECT count(*) FROM ingest_units WHERE ${missing}`));
    let addedFlowUnits = 0;
    if (added > 0) {
      const units = (await store.query(`SELECT unit_id FROM ingest_units WHERE ${missing} ORDER BY unit_id`)).rows.map((r) => Number(r.unit_id));
      const list = `unit_id IN (${units.join(', ')})`;
      // Rows of a unit missing from the ledger (a write that never finished) are replaced, not doubled.
      await removeUnits(store, list);
      // Units of S3 access logs or CloudTrail hold no flow records: they only join the ledgers.
      addedFlowUnits = Number(await store.scalar(`SELECT count(DISTINCT unit_id) FROM ${FLOW_RECORDS_TABLE} WHERE ${list}`));
      // A few million records per statement: rolling a whole large store up in one GROUP BY runs out of memory.
      if (addedFlowUnits > 0) for (const batch of await unitBatches(store, units, sizes.recordsPerAggregate ?? RECORDS_PER_AGGREGATE)) await aggregateUnits(store, `unit_id IN (${batch.join(', ')})`);
      await store.run(`INSERT INTO ${ROLLUP_UNITS_TABLE} SELECT unnest([${units.join(', ')}])`);
    }
    const [wholeCurrent] = await ledgersMatch(store, [WHOLE_STORE_UNITS_TABLE]);
    if (!wholeCurrent) await bringWholeStoreUpToDate(store, removedRows === 0 && wholeWithinHourly, sizes.rowsPerMerge ?? ROWS_PER_MERGE);
    await store.run('COMMIT');
    return addedFlowUnits;
  } catch (error) {
    await store.run('ROLLBACK').catch(() => undefined);
    // A sum past 2^63-1 (64-bit counters near 2^64): the rollups stay behind, so readers use the exact raw records.
    if (/out of range for the destination type INT64|Overflow in addition of INT64/.test((error as Error).message)) return 0;
    throw error;
  }
}

/**
 * The rollups when they hold exactly the stored units (every ingest_units row and no other), else undefined:
 * queries then read the raw records. `wholeStore` is set only when its own ledger holds exactly the stored units too.
 */
export async function readRollups(store: Store): Promise<FlowRollups | undefined> {
  // Two round trips: the ledgers are only counted when their tables exist (a store from before rollups has none).
  const hourly = [FLOW_ROLLUPS.ports, FLOW_ROLLUPS.pairs, rowsTable(FLOW_ROLLUPS.ports), rowsTable(FLOW_ROLLUPS.pairs), ROLLUP_UNITS_TABLE, 'ingest_units'];
  const whole = [WHOLE_STORE_ROLLUPS.ports, WHOLE_STORE_ROLLUPS.pairs, rowsTable(WHOLE_STORE_ROLLUPS.ports), rowsTable(WHOLE_STORE_ROLLUPS.pairs), WHOLE_STORE_UNITS_TABLE];
  const tables = await findRollupObjects(store, [...hourly, ...whole]);
  if (!hourly.every((t) => tables.has(t))) return undefined;
  const withWhole = whole.every((t) => tables.has(t));
  const [current, wholeCurrent] = await ledgersMatch(store, withWhole ? [ROLLUP_UNITS_TABLE, WHOLE_STORE_UNITS_TABLE] : [ROLLUP_UNITS_TABLE]);
  if (!current) return undefined;
  return wholeCurrent ? { ...FLOW_ROLLUPS, wholeStore: WHOLE_STORE_ROLLUPS } : FLOW_ROLLUPS;
}

/**
 * The tables a rollup condition (rollupCondition) reads: the whole-store level when the rollups have it and the
 * condition has no hour_start term (TRUE or action only), else the hourly tables.
 */
export function rollupTablesFor(rollups: FlowRollups, condition: string): RollupTables {
  return rollups.wholeStore && !/\bhour_start\b/.test(condition) ? rollups.wholeStore : { ports: rollups.ports, pairs: rollups.pairs };
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

// The names among `names` (default: the rollup tables and views) that exist in the store as a table (or, for the views, a view).
async function findRollupObjects(store: Store, names: readonly string[] = [...ROLLUP_TABLES, ...ROLLUP_VIEWS]): Promise<Set<string>> {
  const list = names.map((n) => `'${n}'`).join(', ');
  const found = await store.query(`SELECT table_name AS name FROM duckdb_tables()
WHERE database_name = current_database() AND schema_name = 'main' AND table_name IN (${list}) AND table_name NOT IN (${ROLLUP_VIEWS.map((n) => `'${n}'`).join(', ')})
UNION ALL SELECT view_name FROM duckdb_views() WHERE database_name = current_database() AND schema_name = 'main' AND view_name IN (${ROLLUP_VIEWS.map((n) => `'${n}'`).join(', ')})`);
  return new Set(found.rows.map((r) => String(r.name)).filter((n) => names.includes(n)));
}

async function removeUnits(store: Store, condition: string): Promise<void> {
  for (const table of [rowsTable(FLOW_ROLLUPS.ports), rowsTable(FLOW_ROLLUPS.pairs), ROLLUP_UNITS_TABLE]) await store.run(`DELETE FROM ${table} WHERE ${condition}`);
}

async function aggregateUnits(store: Store, condition: string): Promise<void> {
  const physical = await readPhysicalColumns(store);
  // The stored keys straight from a narrow store's columns; from a text-layout store, converted as ingest would.
  const textLayout = isTextLayout(physical);
  const side = (text: string, ip: string): string => `CASE WHEN "${text}" IS NOT DISTINCT FROM ${ipv4TextSql(`"${ip}"`)} THEN NULL ELSE "${text}" END`;
  const code = (field: string): string => enumCodeSql(field, `"${field}"`);
  const fromRecords: Record<string, string> = textLayout
    ? { src_text: side('srcaddr', 'src_ip'), dst_text: side('dstaddr', 'dst_ip'), action_code: code('action'), log_status_code: code('log_status') }
    : {};
  const keys = STORED_KEYS.ports.map((k) => `${fromRecords[k] ?? `"${k}"`} AS "${k}"`).join(', ');
  const portKeys = STORED_KEYS.ports.join(', ');
  const pairKeys = STORED_KEYS.pairs.join(', ');
  await store.run(`INSERT INTO ${rowsTable(FLOW_ROLLUPS.ports)} (unit_id, hour_start, ${portKeys}, flows, packets, bytes, first_start, last_end)
SELECT unit_id, ${HOUR_START} AS hour_start, ${keys}, count(*), sum(packets)::BIGINT, sum(bytes)::BIGINT, min("start"), max("end")
FROM ${FLOW_RECORDS_TABLE} WHERE ${condition} GROUP BY ALL`);
  await store.run(`INSERT INTO ${rowsTable(FLOW_ROLLUPS.pairs)} (unit_id, hour_start, ${pairKeys}, flows, packets, bytes, first_start, last_end, port_keys)
SELECT unit_id, hour_start, ${pairKeys}, sum(flows)::BIGINT, sum(packets)::BIGINT, sum(bytes)::BIGINT, min(first_start), max(last_end), count(*)
FROM ${rowsTable(FLOW_ROLLUPS.ports)} WHERE ${condition} GROUP BY ALL`);
}

// Records rolled up by one statement when many units are added at once (an upgraded or long-unrolled store).
const RECORDS_PER_AGGREGATE = 2_000_000;

// The units in groups of about RECORDS_PER_AGGREGATE records (by the ledger's counts), in unit order.
async function unitBatches(store: Store, units: readonly number[], perBatch: number): Promise<number[][]> {
  const counts = new Map((await store.query(`SELECT unit_id, records FROM ingest_units WHERE unit_id IN (${units.join(', ')})`)).rows.map((r) => [Number(r.unit_id), Number(r.records)]));
  const batches: number[][] = [];
  let batch: number[] = [];
  let records = 0;
  for (const unit of units) {
    const count = counts.get(unit) ?? 0;
    if (batch.length > 0 && records + count > perBatch) {
      batches.push(batch);
      batch = [];
      records = 0;
    }
    batch.push(unit);
    records += count;
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}

// Hourly rollup rows merged by one statement when the whole-store level is rebuilt: the keys are split into
// partitions by hash so that no GROUP BY holds more groups than about this many rows give.
const ROWS_PER_MERGE = 8_000_000;

// True when every unit of ledger `a` is in ledger `b`.
async function withinUnits(store: Store, a: string, b: string): Promise<boolean> {
  return Number(await store.scalar(`SELECT count(*) FROM ${a} WHERE unit_id NOT IN (SELECT unit_id FROM ${b})`)) === 0;
}

// Units about to be rolled up again: when the whole-store level summed any of them, it is emptied (an empty level
// with an empty ledger is exact), so that refreshRollups rebuilds it rather than adding them twice.
async function forgetWholeStoreUnits(store: Store, condition: string): Promise<void> {
  if (Number(await store.scalar(`SELECT count(*) FROM ${WHOLE_STORE_UNITS_TABLE} WHERE ${condition}`)) === 0) return;
  for (const table of [rowsTable(WHOLE_STORE_ROLLUPS.ports), rowsTable(WHOLE_STORE_ROLLUPS.pairs), WHOLE_STORE_UNITS_TABLE]) await store.run(`DELETE FROM ${table}`);
}

// The memory limit while units are added to the whole-store level (a scan of it joined with a few new keys) or it
// is rebuilt (one partition's GROUP BY at a time): the blocks these scans leave in DuckDB's buffer pool are of no use
// later, and with them the process would pass 512 MB on a store of 100M records.
const WHOLE_STORE_MEMORY_BYTES = 128 * 1024 * 1024;
// Hourly rows per partition of a rebuild: each partition's groups then fit WHOLE_STORE_MEMORY_BYTES without spilling.
const REBUILD_PARTITION_ROWS = 3_000_000;

// Runs `work` with the store's memory limit lowered to `bytes` (when higher), putting it back after.
async function withMemoryCap(store: Store, bytes: number, work: () => Promise<void>): Promise<void> {
  const restore = await capMemoryLimit(store, bytes).catch(() => async () => undefined);
  await runThenRestore(restore, work);
}

/**
 * Makes the whole-store level sum the hourly level's units. `additive`: the level sums some of them already (its
 * ledger holds only units the hourly level holds, none dropped since), so the hourly rows of the units it lacks are
 * added to it: a few statements over the new rows and one join with the level, instead of a merge of every hourly
 * row. A level that is empty, or lacks more hourly rows than one merge statement takes, is rebuilt.
 */
async function bringWholeStoreUpToDate(store: Store, additive: boolean, rowsPerMerge: number): Promise<void> {
  const lacking = `unit_id IN (SELECT unit_id FROM ${ROLLUP_UNITS_TABLE} WHERE unit_id NOT IN (SELECT unit_id FROM ${WHOLE_STORE_UNITS_TABLE}))`;
  const summed = additive ? Number(await store.scalar(`SELECT count(*) FROM ${WHOLE_STORE_UNITS_TABLE}`)) : 0;
  const newRows = summed > 0 ? Number(await store.scalar(`SELECT count(*) FROM ${rowsTable(FLOW_ROLLUPS.ports)} WHERE ${lacking}`)) : Infinity;
  if (newRows > rowsPerMerge) return withMemoryCap(store, WHOLE_STORE_MEMORY_BYTES, () => rebuildWholeStore(store, rowsPerMerge));
  if (newRows > 0) await withMemoryCap(store, WHOLE_STORE_MEMORY_BYTES, () => addToWholeStore(store, lacking));
  // Units dropped since (S3 access logs or CloudTrail: they had no rows in the sums) leave its ledger.
  await store.run(`DELETE FROM ${WHOLE_STORE_UNITS_TABLE} WHERE unit_id NOT IN (SELECT unit_id FROM ${ROLLUP_UNITS_TABLE})`);
  await store.run(`INSERT INTO ${WHOLE_STORE_UNITS_TABLE} SELECT unit_id FROM ${ROLLUP_UNITS_TABLE} WHERE unit_id NOT IN (SELECT unit_id FROM ${WHOLE_STORE_UNITS_TABLE})`);
}

// Adds the hourly rows of the units `condition` names to the whole-store level. Their sums per key are merged with
// the level's row of that key into a new row that replaces it (found by one join; deleting rows by rowid and
// appending costs DuckDB far less than updating rows spread over the table), and the pair rows they touch likewise,
// a pair's port_keys growing by its keys the level did not have.
async function addToWholeStore(store: Store, condition: string): Promise<void> {
  const ports = 'flowlens_whole_store_ports';
  const pairs = 'flowlens_whole_store_pairs';
  const same = (keys: readonly string[], a: string, b: string): string => keys.map((k) => `${a}."${k}" IS NOT DISTINCT FROM ${b}."${k}"`).join(' AND ');
  const keyList = (keys: readonly string[], table: string): string => keys.map((k) => `${table}."${k}"`).join(', ');
  const merged = (old: string, added: string): string =>
    `coalesce(${old}.flows, 0) + ${added}.flows AS flows, coalesce(${old}.packets, 0) + ${added}.packets AS packets, coalesce(${old}.bytes, 0) + ${added}.bytes AS bytes,
least(${old}.first_start, ${added}.first_start) AS first_start, greatest(${old}.last_end, ${added}.last_end) AS last_end`;
  const wholePorts = rowsTable(WHOLE_STORE_ROLLUPS.ports);
  const wholePairs = rowsTable(WHOLE_STORE_ROLLUPS.pairs);
  const measures = 'flows, packets, bytes, first_start, last_end';
  try {
    // The new units' sums per key, and the row of the level each replaces (old_row NULL: a key the level lacks).
    await store.run(`CREATE OR REPLACE TEMP TABLE ${ports} AS
SELECT w.rowid AS old_row, ${keyList(STORED_KEYS.ports, 'd')}, ${merged('w', 'd')}, d.flows AS added_flows, d.packets AS added_packets, d.bytes AS added_bytes,
  d.first_start AS added_first_start, d.last_end AS added_last_end
FROM (SELECT ${STORED_KEYS.ports.join(', ')}, sum(flows)::BIGINT AS flows, sum(packets)::BIGINT AS packets, sum(bytes)::BIGINT AS bytes, min(first_start) AS first_start, max(last_end) AS last_end
  FROM ${rowsTable(FLOW_ROLLUPS.ports)} WHERE ${condition} GROUP BY ALL) AS d
LEFT JOIN ${wholePorts} AS w ON ${same(STORED_KEYS.ports, 'w', 'd')}`);
    await store.run(`CREATE OR REPLACE TEMP TABLE ${pairs} AS
SELECT p.rowid AS old_row, ${keyList(STORED_KEYS.pairs, 'd')}, ${merged('p', 'd')}, coalesce(p.port_keys, 0) + d.new_keys AS port_keys
FROM (SELECT ${STORED_KEYS.pairs.join(', ')}, sum(added_flows)::BIGINT AS flows, sum(added_packets)::BIGINT AS packets, sum(added_bytes)::BIGINT AS bytes,
    min(added_first_start) AS first_start, max(added_last_end) AS last_end, count(*) FILTER (WHERE old_row IS NULL) AS new_keys
  FROM ${ports} GROUP BY ALL) AS d
LEFT JOIN ${wholePairs} AS p ON ${same(STORED_KEYS.pairs, 'p', 'd')}`);
    for (const [table, temp, keys] of [[wholePorts, ports, STORED_KEYS.ports], [wholePairs, pairs, STORED_KEYS.pairs]] as const) {
      const columns = `${keys.join(', ')}, ${measures}${table === wholePairs ? ', port_keys' : ''}`;
      await store.run(`DELETE FROM ${table} WHERE rowid IN (SELECT old_row FROM ${temp} WHERE old_row IS NOT NULL)`);
      await store.run(`INSERT INTO ${table} (${columns}) SELECT ${columns} FROM ${temp}`);
    }
  } finally {
    await store.run(`DROP TABLE IF EXISTS ${ports}`);
    await store.run(`DROP TABLE IF EXISTS ${pairs}`);
  }
}

/** For each ledger table, whether it holds exactly the units of ingest_units (one round trip). */
async function ledgersMatch(store: Store, ledgers: readonly string[]): Promise<boolean[]> {
  const columns = ledgers.map((ledger, i) => `(SELECT count(*) FROM ${ledger}) AS rolled${i},
    (SELECT count(*) FROM ingest_units JOIN ${ledger} USING (unit_id)) AS matched${i}`);
  const row = (await store.query(`SELECT (SELECT count(*) FROM ingest_units) AS units, ${columns.join(', ')}`)).rows[0] ?? {};
  const units = Number(row.units);
  return ledgers.map((_, i) => units === Number(row[`rolled${i}`]) && units === Number(row[`matched${i}`]));
}

/**
 * Replaces the whole-store level with the hourly ports rollup summed over units and hours (far fewer rows than the
 * records), and its ledger with the hourly one.
 */
async function rebuildWholeStore(store: Store, rowsPerMerge: number): Promise<void> {
  for (const table of [rowsTable(WHOLE_STORE_ROLLUPS.ports), rowsTable(WHOLE_STORE_ROLLUPS.pairs), WHOLE_STORE_UNITS_TABLE]) await store.run(`DELETE FROM ${table}`);
  const portKeys = STORED_KEYS.ports.join(', ');
  const pairKeys = STORED_KEYS.pairs.join(', ');
  // BIGINT sums: a store-wide key would need 2^63 bytes (9.2 EB) to overflow; the cast then fails the refresh, never rounds.
  const sums = 'sum(flows)::BIGINT, sum(packets)::BIGINT, sum(bytes)::BIGINT, min(first_start), max(last_end)';
  const hourlyRows = Number(await store.scalar(`SELECT count(*) FROM ${rowsTable(FLOW_ROLLUPS.ports)}`));
  const partitions = Math.max(1, Math.ceil(hourlyRows / Math.min(rowsPerMerge, REBUILD_PARTITION_ROWS)));
  for (let partition = 0; partition < partitions; partition++) {
    const part = partitions === 1 ? '' : ` WHERE hash(${portKeys}) % ${partitions} = ${partition}`;
    await store.run(`INSERT INTO ${rowsTable(WHOLE_STORE_ROLLUPS.ports)} (${portKeys}, flows, packets, bytes, first_start, last_end)
SELECT ${portKeys}, ${sums} FROM ${rowsTable(FLOW_ROLLUPS.ports)}${part} GROUP BY ALL`);
  }
  await store.run(`INSERT INTO ${rowsTable(WHOLE_STORE_ROLLUPS.pairs)} (${pairKeys}, flows, packets, bytes, first_start, last_end, port_keys)
SELECT ${pairKeys}, ${sums}, count(*) FROM ${rowsTable(WHOLE_STORE_ROLLUPS.ports)} GROUP BY ALL`);
  await store.run(`INSERT INTO ${WHOLE_STORE_UNITS_TABLE} SELECT unit_id FROM ${ROLLUP_UNITS_TABLE}`);
}
