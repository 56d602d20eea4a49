import { createHash } from 'node:crypto';
import { PassThrough } from 'node:stream';
import type { Readable } from 'node:stream';
import { decodeLogUnit, excerptIssue, formatIssue } from '../parse/index.js';
import type { ByteRecord, LogFormat, LogTypeChoice, LogTypeName, ParseIssue, RowMeta } from '../parse/index.js';
import { ParseError, SourceError } from '../records/index.js';
import type { FieldValue } from '../records/index.js';
import type { ListOptions, Source, SourceUnit } from '../sources/index.js';
import type { Store } from './database.js';
import { FLOW_RECORDS_TABLE } from './schema.js';
import { sqlLiteral } from './sql-text.js';
import { IngestQueue } from './ingest-queue.js';
import { LedgerCache } from './ledger.js';
import { addUnitsToRollups, prepareRollups } from './rollups.js';
import { UnitWriter } from './unit-writer.js';
import { deleteLogUnitRows, LogStager, LogUnitWriter } from './log-writer.js';
import type { LogRowPredicate } from './log-writer.js';

const LEDGER_ROWS_PER_INSERT = 1000;
const UNIT_IDS_AHEAD = 256;

/** Decides whether a decoded row is kept (time window, action, filter pattern). */
export type RowPredicate = (format: LogFormat, values: readonly FieldValue[], meta: RowMeta) => boolean;

/** Progress of an ingest, reported after every batch and every unit. */
export interface IngestProgress {
  unit: string;
  /** Units stored so far. */
  units: number;
  bytes: number;
  records: number;
  badLines: number;
  /** Units skipped (already stored, or copies) and units that could not be read, so far. */
  skippedUnits?: number | undefined;
  failedUnits?: number | undefined;
}

/** Options of ingestSources. */
export interface IngestOptions {
  format?: LogFormat | undefined;
  strict?: boolean | undefined;
  filter?: RowPredicate | undefined;
  list?: ListOptions | undefined;
  onProgress?: ((progress: IngestProgress) => void) | undefined;
  onIssue?: ((issue: ParseIssue) => void) | undefined;
  /** Called with notices from decoding (e.g. header-less lines read as a standard layout); the same text may repeat per unit. */
  onNotice?: ((message: string) => void) | undefined;
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
  /**
   * Adds each commit's units to the hourly query rollups in the same transaction (default false); refreshRollups
   * afterwards only has to rebuild the whole-store level.
   */
  rollups?: boolean | undefined;
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
  /** Flow records whose start or end was written in milliseconds and stored as seconds. */
  millisecondTimes: number;
  /** Units added to the hourly query rollups while they were committed (with the `rollups` option). */
  rollupUnits: number;
}

/**
 * Ingests sources into the store. A unit's rows, rejects and ledger entry always land together: units
 * are committed in groups (see IngestQueue), and a unit that fails, or turns out to be a copy of one
 * already stored, has its rows removed inside the transaction instead of rolling the group back. Units
 * completed before an error are committed before the error is rethrown. So re-running skips finished
 * units (same key and fingerprint, or same content hash) and an interrupted run leaves no partial unit.
 * The store loads one batch of units while the next ones are parsed.
 */
export async function ingestSources(store: Store, sources: readonly Source[], options: IngestOptions = {}): Promise<IngestSummary> {
  const started = performance.now();
  const summary: IngestSummary = { units: 0, skippedUnits: 0, records: 0, filteredOut: 0, badLines: 0, duplicates: 0, bytes: 0, seconds: 0, failedUnits: 0, millisecondTimes: 0, rollupUnits: 0 };
  const ledger = await LedgerCache.load(store);
  const list: ListOptions = { ...options.list, isIngested: async (key, fingerprint) => ledger.isIngested(key, fingerprint) };
  // Full batches of S3 access / CloudTrail rows are moved by queued tasks while the next units are parsed.
  const logs = new LogStager(store, (task) => queue.submit(task));
  let ledgerRows: LedgerRow[] = [];
  // Once a group's sums could overflow the rollups' BIGINT columns, later groups are left to refreshRollups too.
  let rollups = options.rollups === true && (await prepareRollups(store));
  const late: { writer?: UnitWriter } = {};
  const queue = new IngestQueue(store, {
    seal() {
      late.writer?.seal();
      const rows = ledgerRows;
      ledgerRows = [];
      if (rows.length === 0) return undefined;
      return async () => {
        await writeLedgerRows(store, rows);
        if (rollups) rollups = await queue.withAllThreads(() => addUnitsToRollups(store, rows.map((row) => row[0])));
        if (rollups) summary.rollupUnits += rows.length;
      };
    },
  });
  const writer = new UnitWriter(queue.folder, (chunk) => queue.add(chunk));
  late.writer = writer;
  const context: IngestContext = { store, options, summary, ledger, queue, logs, writer, ledgerRows: (row) => ledgerRows.push(row), unitIds: [] };
  try {
    for (const source of sources) {
      for await (const unit of source.units(list)) {
        let done: boolean;
        try {
          done = await ingestUnit(context, source, unit);
        } catch (error) {
          if (!options.onUnitError || !(error instanceof SourceError)) throw error;
          summary.failedUnits++;
          options.onUnitError(unit, error);
          reportProgress(options, summary, unit.key);
          continue;
        }
        if (!done) summary.skippedUnits++;
        reportProgress(options, summary, unit.key);
      }
    }
  } catch (error) {
    // The units finished before the error are whole: commit them, then report the error.
    await flushLogs(context).catch(() => undefined);
    await queue.finish().catch(() => undefined);
    writer.discardAll();
    await logs.close();
    throw error;
  }
  try {
    await flushLogs(context);
    await queue.finish();
  } finally {
    writer.discardAll();
    await logs.close();
  }
  summary.seconds = (performance.now() - started) / 1000;
  return summary;
}

interface IngestContext {
  store: Store;
  options: IngestOptions;
  summary: IngestSummary;
  ledger: LedgerCache;
  queue: IngestQueue;
  /** Stages the S3 access / CloudTrail rows of every unit. */
  logs: LogStager;
  /** Writes the flow rows of every unit to chunk files. */
  writer: UnitWriter;
  /** Adds a finished unit's ledger row to the current group (written just before its commit). */
  ledgerRows: (row: LedgerRow) => void;
  /** Unit ids taken from the sequence in advance. */
  unitIds: number[];
  /** The block of unit ids being taken, while it is. */
  moreUnitIds?: Promise<void> | undefined;
}

async function ingestUnit(context: IngestContext, source: Source, unit: SourceUnit): Promise<boolean> {
  const { store, options, summary, ledger, queue, logs, writer } = context;
  const previous = ledger.versions(unit.key);
  if (previous.some((entry) => entry.fingerprint === unit.fingerprint)) {
    options.onUnitSkipped?.(unit, 'already ingested');
    return false;
  }
  const unitId = await nextUnitId(context);
  let bytesRead = 0;
  let logRows = false;
  writer.beginUnit(unitId);
  const logWriter = new LogUnitWriter(logs, unitId);
  try {
    const hash = createHash('sha256');
    const rejects: ParseIssue[] = [];
    let filteredOut = 0;
    const hashed = {
      ...unit,
      open: async () => tee(await unit.open(), hash),
      readWhole: async () => {
        const whole = await unit.readWhole?.();
        if (whole) hash.update(whole);
        return whole;
      },
    };
    const counts = await decodeLogUnit(
      hashed,
      {
        row(format, values, meta) {
          if (options.filter && !options.filter(format, values, meta)) filteredOut++;
          else writer.row(format, values, meta);
        },
        // Without a filter, valid lines skip value conversion entirely (compileByteLineTest, compileFastLineTest).
        ...(options.filter
          ? {}
          : {
              rawLine: (format: LogFormat, line: string) => writer.rawLine(format, line),
              rawRecord: (format: LogFormat, bytes: Buffer, _start: number, _end: number, record: ByteRecord) => writer.rawRecord(format, bytes, record),
            }),
        logRow(type, values) {
          logRows = true;
          if (options.logFilter && !options.logFilter(type, values)) filteredOut++;
          else logWriter.row(type, values);
        },
        issue(issue) {
          if (options.strict) throw new ParseError('bad-line', formatIssue(issue), { hint: 'remove --strict to count and keep bad lines aside instead' });
          rejects.push(excerptIssue(issue));
          options.onIssue?.(issue);
        },
        notice: (message: string) => options.onNotice?.(message),
        async afterBatch() {
          await queue.backpressure();
          // The S3 access / CloudTrail stager uses the connection directly: only once the queue is idle.
          if (logs.needsSettle) {
            await queue.exclusive();
            await logs.settle();
          }
          options.onProgress?.({
            unit: unit.key,
            units: summary.units,
            bytes: summary.bytes + bytesRead,
            records: summary.records + writer.rows + logWriter.rows,
            badLines: summary.badLines + rejects.length,
            skippedUnits: summary.skippedUnits,
            failedUnits: summary.failedUnits,
          });
        },
      },
      { format: options.format, onBytes: (n) => (bytesRead += n), logType: options.logType, onLogType: (type) => options.onLogType?.(type, unit) },
    );
    if (logs.needsSettle) {
      await queue.exclusive();
      await logs.settle();
    }
    const contentHash = hash.digest('hex');
    // The earlier version of this same unit is no twin: a touched file with unchanged content is read again.
    const twin = ledger.twin(contentHash, previous.map((entry) => entry.unitId));
    if (twin && counts.records > 0) {
      removeUnit(context, unitId, logRows);
      options.onUnitSkipped?.(unit, `same content as ${twin.key}`);
      summary.bytes += bytesRead;
      return false;
    }
    for (const entry of [...previous]) {
      ledger.remove(entry);
      queue.submit(() => deleteUnit(store, entry.unitId));
    }
    let duplicates = 0;
    if (unit.dedupeEvents) {
      writer.seal();
      queue.loadPending();
      duplicates = await queue.run(() => dropDuplicateEvents(store, unitId));
    }
    const rows = writer.rows + logWriter.rows - duplicates;
    if (rejects.length > 0) queue.submit(() => writeRejects(store, unitId, rejects));
    context.ledgerRows([unitId, source.name, unit.key, unit.fingerprint, contentHash, rows, rejects.length, duplicates]);
    ledger.add({ unitId, key: unit.key, fingerprint: unit.fingerprint, contentHash });
    // A commit takes the staged S3 access / CloudTrail rows along: move them while only finished units have any.
    if (queue.commitDue(rows)) await flushLogs(context);
    queue.finished(unit, rows);
    summary.units++;
    summary.records += rows;
    summary.duplicates += duplicates;
    summary.filteredOut += filteredOut;
    summary.badLines += rejects.length;
    summary.bytes += bytesRead;
    summary.millisecondTimes += counts.millisecondTimes ?? 0;
    return true;
  } catch (error) {
    removeUnit(context, unitId, logRows);
    throw error;
  }
}

function reportProgress(options: IngestOptions, summary: IngestSummary, unit: string): void {
  options.onProgress?.({ unit, units: summary.units, bytes: summary.bytes, records: summary.records, badLines: summary.badLines, skippedUnits: summary.skippedUnits, failedUnits: summary.failedUnits });
}

// Forgets a unit that failed or is a copy: its rows still in open chunks are taken back; rows already handed
// to the queue are loaded and then deleted, as are its staged S3 access / CloudTrail rows.
function removeUnit(context: IngestContext, unitId: number, logRows: boolean): void {
  const spilled = context.writer.discardUnit();
  if (!spilled && !logRows) return;
  context.queue.loadPending();
  context.queue.submit(async () => {
    await context.logs.flush();
    await deleteUnit(context.store, unitId);
  });
}

// Queues the move of every staged S3 access / CloudTrail row into its table, once the queue is idle.
async function flushLogs(context: IngestContext): Promise<void> {
  if (!context.logs.hasPending) return;
  await context.queue.exclusive();
  await context.logs.handOver();
}

/** A unit's ledger row: unit_id, source, unit_key, fingerprint, content_hash, records, bad_lines, duplicates. */
type LedgerRow = [number, string, string, string, string, number, number, number];

// Writes the ledger rows of a group's units, many per statement (completed_at: the time of the group's commit).
async function writeLedgerRows(store: Store, rows: readonly LedgerRow[]): Promise<void> {
  for (let i = 0; i < rows.length; i += LEDGER_ROWS_PER_INSERT) {
    const values = rows.slice(i, i + LEDGER_ROWS_PER_INSERT).map((row) => `(${row.map(sqlLiteral).join(', ')}, now())`);
    await store.run(
      `INSERT INTO ingest_units (unit_id, source, unit_key, fingerprint, content_hash, records, bad_lines, duplicates, completed_at) VALUES ${values.join(', ')}`,
    );
  }
}

// Ids come from the sequence in blocks through the queue; the next block is asked for while a quarter of the
// current one is left, so a unit does not wait behind the loads queued before it just to get its id.
async function nextUnitId(context: IngestContext): Promise<number> {
  for (;;) {
    if (context.unitIds.length <= UNIT_IDS_AHEAD / 4 && !context.moreUnitIds) {
      const more = context.queue.run(async () => {
        const result = await context.store.query(`SELECT nextval('ingest_unit_seq') AS id FROM range(${UNIT_IDS_AHEAD})`);
        context.unitIds.push(...result.rows.map((row) => Number(row.id)).sort((a, b) => a - b));
      });
      context.moreUnitIds = more.finally(() => (context.moreUnitIds = undefined));
      // A failure surfaces where the ids are awaited (or at the queue's next exclusive() or finish()).
      context.moreUnitIds.catch(() => undefined);
    }
    const id = context.unitIds.shift();
    if (id !== undefined) return id;
    // More units than one block waited for it: the late ones ask for the next block.
    await context.moreUnitIds;
  }
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
    appender.appendBigInt(BigInt(issue.textLength ?? issue.text.length));
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
