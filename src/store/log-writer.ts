import type { DuckDBAppender } from '@duckdb/node-api';
import type { LogColumn, LogTableType, LogValue } from '../parse/index.js';
import type { Store } from './database.js';
import { LOG_TABLES } from './log-schema.js';
import { quoteIdentifier } from './sql-text.js';

// CloudTrail rows carry large JSON documents: staged rows are moved every 20,000 so the appender's buffer stays small.
const FLUSH_ROWS = 20_000;

// A lone surrogate (no valid UTF-8) is escaped by JSON.stringify and refused by DuckDB's JSON reader: it becomes
// U+FFFD, as a string appended to DuckDB directly does. Only an escape after an even run of backslashes is one.
const LONE_SURROGATE = /(?<!\\)((?:\\\\)*)\\u(?:d[89a-f][0-9a-f]{2})/gi;

/** Decides whether a decoded S3 access / CloudTrail row is kept (e.g. a time window). */
export type LogRowPredicate = (type: LogTableType, values: readonly LogValue[]) => boolean;

/** Deletes a unit's rows from the log tables (when a changed file is ingested again). */
export async function deleteLogUnitRows(store: Store, unitId: number): Promise<void> {
  for (const table of LOG_TABLES) await store.run(`DELETE FROM ${quoteIdentifier(table)} WHERE unit_id = ?`, [unitId]);
}

/** One staging table of a type: its appender and the INSERT … SELECT that moves its rows. */
interface StagingTable {
  table: string;
  appender: DuckDBAppender;
  insertSql: string;
}

/**
 * A type's two staging tables: rows go to the active one while the other's may be being moved. Appended rows stay
 * in the appender until flushSync(), except that DuckDB's appender flushes by itself after 100 chunks of rows; with
 * two tables, such rows can never land in the table whose queued DELETE is still to run.
 */
interface Staging {
  tables: [StagingTable, StagingTable];
  active: 0 | 1;
  rows: number;
}

/** Queues work on the store's connection to run after what is queued already (IngestQueue.submit). */
export type SubmitTask = (task: () => Promise<unknown>) => void;

/**
 * Writes the S3 access / CloudTrail rows of every unit of an ingest into their tables through staging tables
 * per type, shared by all units (a table and an appender per unit kept DuckDB's blocks pinned until the commit,
 * so a few hundred small objects ran out of memory): each row is appended as one JSON array text tagged with its unit
 * id (one N-API call instead of one per column: JavaScript's side of a row costs about half), and one INSERT … SELECT
 * reads a batch with DuckDB's JSON reader and casts it into the table (numbers, times, JSON → STRUCT for
 * useridentity, resources, ...), on DuckDB's thread. Each type has two staging tables: with a `submit` function, a full batch is moved
 * by a queued task while the next batch is appended to the other table, so parsing goes on while DuckDB inserts.
 * Only call its async methods when nothing else uses the connection.
 */
export class LogStager {
  private readonly stagings = new Map<LogTableType, Staging>();
  private backlog: { type: LogTableType; unitId: number; values: LogValue[] }[] = [];
  private pending = 0;
  /** Rows moved into the log tables since the last call of takeMoved(). */
  private moved = 0;

  private readonly flushRows: number;

  /** `flushRows`: staged rows that make a batch to move (default 20,000). */
  constructor(
    private readonly store: Store,
    private readonly submit?: SubmitTask,
    options: { flushRows?: number } = {},
  ) {
    this.flushRows = options.flushRows ?? FLUSH_ROWS;
  }

  /** Appends one decoded row of a unit (copied when its type's staging table does not exist yet); call settle() after each batch. */
  row(type: LogTableType, unitId: number, values: readonly LogValue[]): void {
    const staging = this.stagings.get(type);
    if (!staging) {
      this.backlog.push({ type, unitId, values: [...values] });
      return;
    }
    const { appender } = staging.tables[staging.active];
    appender.appendVarchar(rowJson(values));
    appender.appendInteger(unitId);
    appender.endRow();
    staging.rows++;
    this.pending++;
  }

  /** True when settle() has work: rows of a new type wait, or enough rows to flush. */
  get needsSettle(): boolean {
    return this.backlog.length > 0 || this.pending >= this.flushRows;
  }

  /** True when rows wait in the appenders or the backlog. */
  get hasPending(): boolean {
    return this.pending > 0 || this.backlog.length > 0;
  }

  /** Creates staging tables for new types, appends their rows, and hands large batches over (see handOver). */
  async settle(): Promise<void> {
    await this.drainBacklog();
    // Below DuckDB's own appender flush (100 chunks of 2048 rows), so rows only reach the connection here.
    if (this.pending >= this.flushRows) await this.handOver();
  }

  /** Moves every staged row into the log tables now (e.g. from inside a queued task). */
  async flush(): Promise<void> {
    await this.drainBacklog();
    for (const staging of this.stagings.values()) {
      if (staging.rows === 0) continue;
      const { appender, insertSql, table } = staging.tables[staging.active];
      appender.flushSync();
      await this.store.run(insertSql);
      await this.store.run(`DELETE FROM ${table}`);
      this.moved += staging.rows;
      staging.rows = 0;
    }
    this.pending = 0;
  }

  /**
   * Moves every staged row into the log tables through a task queued with `submit` (after the work already
   * queued, before what is queued next, e.g. the commit), and appends later rows to the other staging table
   * meanwhile; without `submit`, the same as flush(). Call it only when the queue is idle.
   */
  async handOver(): Promise<void> {
    const submit = this.submit;
    if (!submit) return this.flush();
    await this.drainBacklog();
    for (const staging of this.stagings.values()) {
      if (staging.rows === 0) continue;
      const { appender, insertSql, table } = staging.tables[staging.active];
      appender.flushSync();
      submit(async () => {
        await this.store.run(insertSql);
        await this.store.run(`DELETE FROM ${table}`);
      });
      staging.active = staging.active === 0 ? 1 : 0;
      this.moved += staging.rows;
      staging.rows = 0;
    }
    this.pending = 0;
  }

  /** Returns and resets the count of rows moved into the log tables (the queue commits after enough). */
  takeMoved(): number {
    const moved = this.moved;
    this.moved = 0;
    return moved;
  }

  /** Closes the appenders and drops the staging tables; unflushed rows are lost (flush first to keep them). */
  async close(): Promise<void> {
    for (const { table, appender } of [...this.stagings.values()].flatMap((staging) => staging.tables)) {
      try {
        appender.closeSync();
      } catch {
        // already closed, or its connection failed
      }
      await this.store.run(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined);
    }
    this.stagings.clear();
    this.backlog = [];
    this.pending = 0;
  }

  // Creates the staging tables rows of new types wait for, and appends those rows.
  private async drainBacklog(): Promise<void> {
    if (this.backlog.length === 0) return;
    const backlog = this.backlog;
    this.backlog = [];
    for (const { type, unitId, values } of backlog) {
      if (!this.stagings.has(type)) await this.createStaging(type);
      this.row(type, unitId, values);
    }
  }

  private async createStaging(type: LogTableType): Promise<void> {
    const tables = [await this.createStagingTable(type, 0), await this.createStagingTable(type, 1)] as [StagingTable, StagingTable];
    this.stagings.set(type, { tables, active: 0, rows: 0 });
  }

  private async createStagingTable(type: LogTableType, half: 0 | 1): Promise<StagingTable> {
    const table = `flowlens_log_staging_${process.pid}_${this.stagings.size}_${half}`;
    await this.store.run(`CREATE OR REPLACE TEMP TABLE ${table} (doc VARCHAR, unit_id INTEGER)`);
    const appender = await this.store.connection.createAppender(table, 'main', 'temp');
    const targets = [...type.columns.map((c) => quoteIdentifier(c.name)), 'unit_id'];
    // Every element as text (JSON text for objects), then cast per column.
    const selects = type.columns.map((column, i) => selectExpression(column, `v[${i + 1}]`));
    const insertSql = `INSERT INTO ${quoteIdentifier(type.table)} (${targets.join(', ')}) SELECT ${selects.join(', ')}, unit_id FROM (SELECT from_json(doc, '["VARCHAR"]') AS v, unit_id FROM ${table})`;
    return { table, appender, insertSql };
  }
}

/** One unit's view of the shared LogStager: counts the unit's rows. */
export class LogUnitWriter {
  rows = 0;

  constructor(
    private readonly stager: LogStager,
    private readonly unitId: number,
  ) {}

  /** Appends one decoded row of this unit. */
  row(type: LogTableType, values: readonly LogValue[]): void {
    this.stager.row(type, this.unitId, values);
    this.rows++;
  }
}

// A row as JSON array text: numbers as numbers, structs as objects, a BigInt as its digits.
function rowJson(values: readonly LogValue[]): string {
  let json: string;
  try {
    json = JSON.stringify(values);
  } catch {
    json = JSON.stringify(values, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value));
  }
  return json.includes('\\u') ? json.replace(LONE_SURROGATE, '$1\\ufffd') : json;
}

// The column's value from its element's text: numbers and times went through JSON as numbers (exact below 2^53).
function selectExpression(column: LogColumn, element: string): string {
  switch (column.kind) {
    case 'int32':
      return `CAST(${element} AS INTEGER)`;
    case 'int64':
      return `CAST(CAST(${element} AS DOUBLE) AS BIGINT)`;
    case 'timestamp':
      return `epoch_ms(CAST(CAST(${element} AS DOUBLE) AS BIGINT))`;
    case 'struct':
      return `CAST(CAST(${element} AS JSON) AS ${column.sqlType})`;
    default:
      return element;
  }
}
