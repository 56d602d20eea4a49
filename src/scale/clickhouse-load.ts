import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import { FlowlensError } from '../records/index.js';
import type { Store } from '../store/index.js';
import { quoteIdentifier, sqlLiteral } from '../sql/index.js';
import { FLOWS_TABLE } from '../store/index.js';
import type { ClickHouseFeatures } from '../engines/clickhouse/index.js';
import {
  CLICKHOUSE_FIELD_COLUMNS,
  CLICKHOUSE_FLOWS_TABLE,
  CLICKHOUSE_UNITS_TABLE,
  addColumnStatements,
  clickHouseString,
  quoteClickHouseIdentifier,
} from './clickhouse-schema.js';

/** Options of a load from the DuckDB store into ClickHouse. */
export interface ClickHouseLoadOptions {
  database: string;
  table?: string;
  features: ClickHouseFeatures;
  /** Rows per INSERT (units are never split): ClickHouse prefers few large inserts. */
  batchRows?: number;
  /** Attempts per batch; a failed attempt's partial rows are deleted before the next. */
  attempts?: number;
  onProgress?: (loadedRows: number, totalRows: number) => void;
}

/** The outcome of a load. */
export interface ClickHouseLoadResult {
  units: number;
  /** Units found in the ledger: loaded before, not loaded again. */
  skippedUnits: number;
  rows: number;
  seconds: number;
  recordsPerSecond: number;
}

interface StoreUnit {
  unitId: number;
  source: string;
  unitKey: string;
  fingerprint: string;
  records: number;
  hash: string;
}

/** Copies the store's flows into ClickHouse in CSV batches, once per store unit (source object): reruns load only new units. */
export async function loadIntoClickHouse(store: Store, client: ClickHouseClient, options: ClickHouseLoadOptions): Promise<ClickHouseLoadResult> {
  const started = performance.now();
  const db = quoteClickHouseIdentifier(options.database);
  const table = `${db}.${quoteClickHouseIdentifier(options.table ?? CLICKHOUSE_FLOWS_TABLE)}`;
  const ledger = `${db}.${quoteClickHouseIdentifier(CLICKHOUSE_UNITS_TABLE)}`;
  const units = await listStoreUnits(store);
  const tableName = options.table ?? CLICKHOUSE_FLOWS_TABLE;
  const loaded = await loadedUnitHashes(client, ledger, tableName);
  const pending = units.filter((u) => !loaded.has(u.hash));
  const total = pending.reduce((sum, u) => sum + u.records, 0);
  const dir = await mkdtemp(join(tmpdir(), 'flowlens-ch-'));
  let rows = 0;
  try {
    const columns = await presentColumns(store);
    await addMissingColumns(client, options, columns);
    // Row order within a batch does not matter to MergeTree; letting DuckDB write out of order is faster.
    await store.run('SET preserve_insertion_order = false');
    const contexts = [...batches(pending, options.batchRows ?? 1_000_000)].map((batch) => ({
      table,
      tableName,
      ledger,
      dir,
      batch,
      columns,
      attempts: options.attempts ?? 3,
      database: options.database,
    }));
    // DuckDB writes batch n+1 while ClickHouse ingests batch n.
    let next = contexts[0] ? writeBatchFile(store, contexts[0]) : undefined;
    for (let i = 0; i < contexts.length; i++) {
      const ctx = contexts[i] as BatchContext;
      const file = await (next as Promise<string>);
      const following = contexts[i + 1];
      next = following ? writeBatchFile(store, following) : undefined;
      rows += await insertBatch(client, ctx, file);
      options.onProgress?.(rows, total);
    }
  } finally {
    await store.run('RESET preserve_insertion_order').catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
  const seconds = (performance.now() - started) / 1000;
  return { units: pending.length, skippedUnits: units.length - pending.length, rows, seconds, recordsPerSecond: seconds > 0 ? rows / seconds : 0 };
}

/** The stable 64-bit id of a unit: the same object loaded from any store gets the same id. */
export function unitHash(source: string, unitKey: string, fingerprint: string): string {
  return createHash('sha256').update(`${source}\0${unitKey}\0${fingerprint}`).digest().readBigUInt64BE(0).toString();
}

async function listStoreUnits(store: Store): Promise<StoreUnit[]> {
  const result = await store.query(
    `SELECT u.unit_id, u.source, u.unit_key, u.fingerprint, count(f.unit_id) AS records FROM ingest_units u JOIN ${FLOWS_TABLE} f ON f.unit_id = u.unit_id GROUP BY ALL ORDER BY u.unit_id`,
  );
  return result.rows.map((r) => {
    const source = String(r.source);
    const unitKey = String(r.unit_key);
    const fingerprint = String(r.fingerprint);
    return { unitId: Number(r.unit_id), source, unitKey, fingerprint, records: Number(r.records), hash: unitHash(source, unitKey, fingerprint) };
  });
}

async function loadedUnitHashes(client: ClickHouseClient, ledger: string, tableName: string): Promise<Set<string>> {
  const result = await client.query({ query: `SELECT toString(unit_hash) AS h FROM ${ledger} WHERE table_name = ${clickHouseString(tableName)}`, format: 'JSONEachRow' });
  const rows = await result.json<{ h: string }>();
  return new Set(rows.map((r) => r.h));
}

function* batches(units: readonly StoreUnit[], maxRows: number): Generator<StoreUnit[]> {
  let batch: StoreUnit[] = [];
  let rows = 0;
  for (const unit of units) {
    if (batch.length > 0 && rows + unit.records > maxRows) {
      yield batch;
      batch = [];
      rows = 0;
    }
    batch.push(unit);
    rows += unit.records;
  }
  if (batch.length > 0) yield batch;
}

interface BatchContext {
  table: string;
  tableName: string;
  ledger: string;
  dir: string;
  batch: StoreUnit[];
  /** The field columns holding any value: others stay NULL, their DEFAULT, and cost nothing to send. */
  columns: readonly string[];
  attempts: number;
  database: string;
}

async function presentColumns(store: Store): Promise<string[]> {
  const probes = CLICKHOUSE_FIELD_COLUMNS.map((c, i) => `count(${quoteIdentifier(c)}) > 0 AS c${i}`).join(', ');
  const row = (await store.query(`SELECT ${probes} FROM ${FLOWS_TABLE}`)).rows[0] ?? {};
  return CLICKHOUSE_FIELD_COLUMNS.filter((_, i) => row[`c${i}`] === true);
}

async function addMissingColumns(client: ClickHouseClient, options: ClickHouseLoadOptions, columns: readonly string[]): Promise<void> {
  const table = options.table ?? CLICKHOUSE_FLOWS_TABLE;
  const result = await client.query({
    query: `SELECT name FROM system.columns WHERE database = ${clickHouseString(options.database)} AND table = ${clickHouseString(table)}`,
    format: 'JSONEachRow',
  });
  const existing = new Set((await result.json<{ name: string }>()).map((r) => r.name));
  for (const query of addColumnStatements({ database: options.database, table, features: options.features }, existing, columns)) await client.command({ query });
}

async function writeBatchFile(store: Store, ctx: BatchContext): Promise<string> {
  const file = join(ctx.dir, `batch-${ctx.batch[0]?.unitId ?? 0}.csv`);
  const mapping = ctx.batch.map((u) => `(${u.unitId}, ${u.hash}::UBIGINT)`).join(', ');
  const columns = ctx.columns.map((c) => `f.${quoteIdentifier(c)}`).join(', ');
  // DuckDB writes the CSV (\N for NULL, as ClickHouse reads it): far faster than serializing rows in JS.
  await store.run(
    `COPY (SELECT ${columns}, m.unit_hash FROM ${FLOWS_TABLE} f JOIN (VALUES ${mapping}) AS m(unit_id, unit_hash) ON f.unit_id = m.unit_id) ` +
      `TO ${sqlLiteral(file)} (FORMAT CSV, HEADER false, NULLSTR ${sqlLiteral('\\N')})`,
  );
  return file;
}

async function insertBatch(client: ClickHouseClient, ctx: BatchContext, file: string): Promise<number> {
  const insertColumns = [...ctx.columns, 'unit_hash'].map((c) => `\`${c}\``) as [string, ...string[]];
  const hashes = ctx.batch.map((u) => u.hash).join(', ');
  for (let attempt = 1; ; attempt++) {
    try {
      await removePartialRows(client, ctx, hashes);
      await client.insert({ table: ctx.table, values: createReadStream(file), format: 'CSV', columns: insertColumns });
      break;
    } catch (error) {
      if (attempt >= ctx.attempts) {
        throw new FlowlensError('clickhouse-insert', `inserting ${ctx.batch.length} units into ${ctx.table} failed: ${(error as Error).message}`, {
          hint: 'check the server (--url) and rerun: units already loaded are skipped, partial ones are replaced',
          cause: error,
        });
      }
    }
  }
  const now = Math.floor(Date.now() / 1000);
  await client.insert({
    table: ctx.ledger,
    format: 'JSONEachRow',
    values: ctx.batch.map((u) => ({ table_name: ctx.tableName, unit_hash: u.hash, source: u.source, unit_key: u.unitKey, fingerprint: u.fingerprint, records: u.records, loaded_at: now })),
  });
  await rm(file, { force: true });
  return ctx.batch.reduce((sum, u) => sum + u.records, 0);
}

async function removePartialRows(client: ClickHouseClient, ctx: BatchContext, hashes: string): Promise<void> {
  const result = await client.query({ query: `SELECT count() AS n FROM ${ctx.table} WHERE unit_hash IN (${hashes})`, format: 'JSONEachRow' });
  const [row] = await result.json<{ n: string | number }>();
  if (Number(row?.n ?? 0) === 0) return;
  // A previous run died between the insert and the ledger row: drop its rows, then wait for the mutation.
  await client.command({ query: `ALTER TABLE ${ctx.table} DELETE WHERE unit_hash IN (${hashes})` });
  for (let i = 0; i < 600; i++) {
    const pending = await client.query({
      query: `SELECT count() AS n FROM system.mutations WHERE database = ${clickHouseString(ctx.database)} AND table = ${clickHouseString(ctx.tableName)} AND is_done = 0`,
      format: 'JSONEachRow',
    });
    const [p] = await pending.json<{ n: string | number }>();
    if (Number(p?.n ?? 0) === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
