import type { Store } from '../store/database.js';
import { FLOWS_TABLE } from '../store/schema.js';

/** How many flow records the store holds, with the first start and the last end (null when there are none). */
export interface FlowStats {
  records: number;
  min: number | null;
  max: number | null;
}

/** Reads the count of stored flow records and their time range (earliest start, latest end). */
export async function readFlowStats(store: Store): Promise<FlowStats> {
  const result = await store.query(`SELECT count(*) AS records, min("start") AS min, max("end") AS max FROM ${FLOWS_TABLE}`);
  const row = result.rows[0] ?? {};
  return { records: Number(row.records ?? 0), min: (row.min as number | null) ?? null, max: (row.max as number | null) ?? null };
}

/** Reads the earliest and the latest start of the stored flow records (null when there are none). */
export async function readStartRange(store: Store): Promise<{ first: number | null; last: number | null }> {
  const row = (await store.query(`SELECT min("start") AS first, max("start") AS last FROM ${FLOWS_TABLE}`)).rows[0] ?? {};
  const epoch = (value: unknown): number | null => (value === null || value === undefined ? null : Number(value));
  return { first: epoch(row.first), last: epoch(row.last) };
}

/** Counts the ingest units (files, objects, log streams) the store has loaded; it grows while sources load. */
export async function countIngestUnits(store: Store): Promise<number> {
  return Number(await store.scalar('SELECT count(*) FROM ingest_units'));
}
