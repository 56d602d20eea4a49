import { createHash } from 'node:crypto';
import { PassThrough } from 'node:stream';
import type { Readable } from 'node:stream';
import { decodeLogUnit, formatIssue } from '../parse/index.js';
import type { LogFormat, LogTypeChoice, LogTypeName, ParseIssue, RowMeta } from '../parse/index.js';
import { ParseError, SourceError } from '../records/index.js';
import type { FieldValue } from '../records/index.js';
import type { ListOptions, Source, SourceUnit } from '../sources/index.js';
import type { Store } from './database.js';
import { FLOW_RECORDS_TABLE } from './schema.js';
import { UnitWriter } from './unit-writer.js';
import { deleteLogUnitRows, LogUnitWriter } from './log-writer.js';
import type { LogRowPredicate } from './log-writer.js';

/** Decides whether a decoded row is kept (time window, action, filter pattern). */
export type RowPredicate = (format: LogFormat, values: readonly FieldValue[], meta: RowMeta) => boolean;

/** Progress of an ingest, reported after every batch. */
export interface IngestProgress {
  unit: string;
  units: number;
  bytes: number;
  records: number;
  badLines: number;
}

/** Options of ingestSources. */
export interface IngestOptions {
  format?: LogFormat | undefined;
  strict?: boolean | undefined;
  filter?: RowPredicate | undefined;
  list?: ListOptions | undefined;
  onProgress?: ((progress: IngestProgress) => void) | undefined;
  onIssue?: ((issue: ParseIssue) => void) | undefined;
  onUnitSkipped?: ((unit: SourceUnit, reason: string) => void) | undefined;
  /**
   * Called when a unit cannot be read (SourceError: access denied, object gone, transfer failed):
   * the unit is rolled back and left out of the ledger, and ingest goes on with the next one.
   * Without it such an error ends the ingest.
   */
  onUnitError?: ((unit: SourceUnit, error: SourceError) => void) | undefined;
  /** Read units as this log type, or `auto` to detect each unit's type (S3 access and CloudTrail rows go to their tables); default vpc. */
  logType?: LogTypeChoice | undefined;
  /** Called with the log type each unit is read as. */
  onLogType?: ((type: LogTypeName, unit: SourceUnit) => void) | undefined;
  /** Keeps or drops S3 access / CloudTrail rows (time window); `filter` applies to flow rows. */
  logFilter?: LogRowPredicate | undefined;
}

/** What an ingest did: units read and skipped, records stored, bad lines, duplicates dropped, time. */
export interface IngestSummary {
  units: number;
  skippedUnits: number;
  records: number;
  filteredOut: number;
  badLines: number;
  duplicates: number;
  bytes: number;
  seconds: number;
  /** Units that could not be read (reported through onUnitError); a later run tries them again. */
  failedUnits: number;
}

/**
 * Ingests sources into the store, one transaction per unit: a unit's rows, rejects and ledger entry
 * commit together, so re-running skips finished units (same key and fingerprint, or same content hash)
 * and an interrupted run leaves no partial unit behind.
 */
export async function ingestSources(store: Store, sources: readonly Source[], options: IngestOptions = {}): Promise<IngestSummary> {
  const started = performance.now();
  const summary: IngestSummary = { units: 0, skippedUnits: 0, records: 0, filteredOut: 0, badLines: 0, duplicates: 0, bytes: 0, seconds: 0, failedUnits: 0 };
  const list: ListOptions = { ...options.list, isIngested: (key, fingerprint) => isIngested(store, key, fingerprint) };
  for (const source of sources) {
    for await (const unit of source.units(list)) {
      let done: boolean;
      try {
        done = await ingestUnit(store, source, unit, options, summary);
      } catch (error) {
        if (!options.onUnitError || !(error instanceof SourceError)) throw error;
        summary.failedUnits++;
        options.onUnitError(unit, error);
        continue;
      }
      if (!done) summary.skippedUnits++;
    }
  }
  summary.seconds = (performance.now() - started) / 1000;
  return summary;
}

async function ingestUnit(store: Store, source: Source, unit: SourceUnit, options: IngestOptions, summary: IngestSummary): Promise<boolean> {
  const previous = await store.query('SELECT unit_id, fingerprint FROM ingest_units WHERE unit_key = ?', [unit.key]);
  if (previous.rows.some((row) => row.fingerprint === unit.fingerprint)) {
    options.onUnitSkipped?.(unit, 'already ingested');
    return false;
  }
  let bytesRead = 0;
  let writer: UnitWriter | undefined;
  let logWriter: LogUnitWriter | undefined;
  await store.run('BEGIN TRANSACTION');
  try {
    for (const row of previous.rows) await deleteUnit(store, Number(row.unit_id));
    const unitId = Number(await store.scalar("SELECT nextval('ingest_unit_seq')"));
    const hash = createHash('sha256');
    writer = new UnitWriter(store, unitId);
    const unitWriter = writer;
    const unitLogWriter = (logWriter = new LogUnitWriter(store, unitId));
    const rejects: ParseIssue[] = [];
    let filteredOut = 0;
    const hashed = { ...unit, open: async () => tee(await unit.open(), hash) };
    const counts = await decodeLogUnit(
      hashed,
      {
        row(format, values, meta) {
          if (options.filter && !options.filter(format, values, meta)) filteredOut++;
          else unitWriter.row(format, values, meta);
        },
        // Without a filter, valid lines skip value conversion entirely (see compileFastLineTest).
        ...(options.filter ? {} : { rawLine: (format: LogFormat, line: string) => unitWriter.rawLine(format, line) }),
        logRow(type, values) {
          if (options.logFilter && !options.logFilter(type, values)) filteredOut++;
          else unitLogWriter.row(type, values);
        },
        issue(issue) {
          if (options.strict) throw new ParseError('bad-line', formatIssue(issue), { hint: 'remove --strict to count and keep bad lines aside instead' });
          rejects.push(issue);
          options.onIssue?.(issue);
        },
        async afterBatch() {
          await unitWriter.settle();
          await unitLogWriter.settle();
          options.onProgress?.({ unit: unit.key, units: summary.units, bytes: summary.bytes + bytesRead, records: summary.records + unitWriter.rows + unitLogWriter.rows, badLines: summary.badLines + rejects.length });
        },
      },
      { format: options.format, onBytes: (n) => (bytesRead += n), logType: options.logType, onLogType: (type) => options.onLogType?.(type, unit) },
    );
    await writer.close();
    await unitLogWriter.close();
    const contentHash = hash.digest('hex');
    const twin = await store.query('SELECT unit_key FROM ingest_units WHERE content_hash = ? LIMIT 1', [contentHash]);
    if (twin.rows.length > 0 && counts.records > 0) {
      await store.run('ROLLBACK');
      options.onUnitSkipped?.(unit, `same content as ${String(twin.rows[0]?.unit_key)}`);
      summary.bytes += bytesRead;
      return false;
    }
    const duplicates = unit.dedupeEvents ? await dropDuplicateEvents(store, unitId) : 0;
    await writeRejects(store, unitId, rejects);
    await store.run(
      'INSERT INTO ingest_units (unit_id, source, unit_key, fingerprint, content_hash, records, bad_lines, duplicates, completed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, now())',
      [unitId, source.name, unit.key, unit.fingerprint, contentHash, writer.rows + unitLogWriter.rows - duplicates, rejects.length, duplicates],
    );
    await store.run('COMMIT');
    await unit.committed?.();
    summary.units++;
    summary.records += writer.rows + unitLogWriter.rows - duplicates;
    summary.duplicates += duplicates;
    summary.filteredOut += filteredOut;
    summary.badLines += rejects.length;
    summary.bytes += bytesRead;
    return true;
  } catch (error) {
    await writer?.abort().catch(() => undefined);
    await logWriter?.abort().catch(() => undefined);
    await store.run('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

async function isIngested(store: Store, key: string, fingerprint: string): Promise<boolean> {
  const found = await store.query('SELECT 1 AS found FROM ingest_units WHERE unit_key = ? AND fingerprint = ? LIMIT 1', [key, fingerprint]);
  return found.rows.length > 0;
}

async function deleteUnit(store: Store, unitId: number): Promise<void> {
  await store.run(`DELETE FROM ${FLOW_RECORDS_TABLE} WHERE unit_id = ?`, [unitId]);
  await deleteLogUnitRows(store, unitId);
  await store.run('DELETE FROM rejects WHERE unit_id = ?', [unitId]);
  await store.run('DELETE FROM ingest_units WHERE unit_id = ?', [unitId]);
}

async function dropDuplicateEvents(store: Store, unitId: number): Promise<number> {
  const before = Number(await store.scalar(`SELECT count(*) FROM ${FLOW_RECORDS_TABLE} WHERE unit_id = ?`, [unitId]));
  // Keep the first copy of each event id: earlier units win, and repeats inside this unit collapse to one.
  await store.run(
    `DELETE FROM ${FLOW_RECORDS_TABLE} WHERE unit_id = $1 AND event_id IS NOT NULL AND (
       event_id IN (SELECT event_id FROM ${FLOW_RECORDS_TABLE} WHERE unit_id <> $1 AND event_id IS NOT NULL)
       OR rowid NOT IN (SELECT min(rowid) FROM ${FLOW_RECORDS_TABLE} WHERE unit_id = $1 AND event_id IS NOT NULL GROUP BY event_id))`,
    [unitId],
  );
  const after = Number(await store.scalar(`SELECT count(*) FROM ${FLOW_RECORDS_TABLE} WHERE unit_id = ?`, [unitId]));
  return before - after;
}

async function writeRejects(store: Store, unitId: number, rejects: readonly ParseIssue[]): Promise<void> {
  if (rejects.length === 0) return;
  const appender = await store.connection.createAppender('rejects');
  for (const issue of rejects) {
    appender.appendInteger(unitId);
    appender.appendVarchar(issue.file);
    appender.appendBigInt(BigInt(issue.line));
    appender.appendVarchar(issue.code);
    if (issue.field === undefined) appender.appendNull();
    else appender.appendVarchar(issue.field);
    appender.appendVarchar(issue.message);
    appender.appendVarchar(issue.text);
    appender.endRow();
  }
  appender.closeSync();
}

function tee(input: Readable, hash: ReturnType<typeof createHash>): Readable {
  const pass = new PassThrough({ highWaterMark: 1024 * 1024 });
  input.on('data', (chunk: Buffer) => hash.update(chunk));
  input.on('error', (error) => pass.destroy(error));
  input.pipe(pass);
  return pass;
}
