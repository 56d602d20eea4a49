import type { DuckDBAppender } from '@duckdb/node-api';
import type { LogColumn, LogTableType, LogValue } from '../parse/index.js';
import type { Store } from './database.js';
import { LOG_TABLES } from './log-schema.js';
import { quoteIdentifier } from './sql-text.js';

const FLUSH_ROWS = 100_000;

type AppendValue = (appender: DuckDBAppender, value: LogValue) => void;

/** Decides whether a decoded S3 access / CloudTrail row is kept (e.g. a time window). */
export type LogRowPredicate = (type: LogTableType, values: readonly LogValue[]) => boolean;

/** Deletes a unit's rows from the log tables (when a changed file is ingested again). */
export async function deleteLogUnitRows(store: Store, unitId: number): Promise<void> {
  for (const table of LOG_TABLES) await store.run(`DELETE FROM ${quoteIdentifier(table)} WHERE unit_id = ?`, [unitId]);
}

interface Staging {
  table: string;
  appender: DuckDBAppender;
  appenders: AppendValue[];
  insertSql: string;
  rows: number;
}

/**
 * Writes one unit's S3 access / CloudTrail rows into their tables through a staging table per type: numbers
 * and times are appended as DOUBLE, structs as JSON text, and one INSERT … SELECT casts a batch into the
 * table (JSON → STRUCT for useridentity, resources, ...), tagged with the unit id.
 */
export class LogUnitWriter {
  private readonly stagings = new Map<LogTableType, Staging>();
  private backlog: { type: LogTableType; values: LogValue[] }[] = [];
  private pending = 0;
  rows = 0;

  constructor(
    private readonly store: Store,
    private readonly unitId: number,
  ) {}

  /** Appends one decoded row (copied when its type's staging table does not exist yet); call settle() after each batch. */
  row(type: LogTableType, values: readonly LogValue[]): void {
    const staging = this.stagings.get(type);
    if (!staging) {
      this.backlog.push({ type, values: [...values] });
      return;
    }
    const { appender, appenders } = staging;
    for (let i = 0; i < appenders.length; i++) (appenders[i] as AppendValue)(appender, values[i] ?? null);
    appender.endRow();
    staging.rows++;
    this.rows++;
    this.pending++;
  }

  /** Creates staging tables for new types, appends their rows, and flushes large batches. */
  async settle(): Promise<void> {
    if (this.backlog.length > 0) {
      const backlog = this.backlog;
      this.backlog = [];
      for (const { type, values } of backlog) {
        if (!this.stagings.has(type)) await this.createStaging(type);
        this.row(type, values);
      }
    }
    if (this.pending >= FLUSH_ROWS) await this.flush();
  }

  /** Moves staged rows into the log tables. */
  async flush(): Promise<void> {
    for (const staging of this.stagings.values()) {
      if (staging.rows === 0) continue;
      staging.appender.flushSync();
      await this.store.run(staging.insertSql);
      await this.store.run(`DELETE FROM ${staging.table}`);
      staging.rows = 0;
    }
    this.pending = 0;
  }

  /** Flushes and drops the staging tables. */
  async close(): Promise<void> {
    await this.settle();
    await this.flush();
    for (const staging of this.stagings.values()) {
      staging.appender.closeSync();
      await this.store.run(`DROP TABLE IF EXISTS ${staging.table}`);
    }
    this.stagings.clear();
  }

  /** Closes the appenders without loading (the transaction is being rolled back). */
  async abort(): Promise<void> {
    for (const staging of this.stagings.values()) {
      try {
        staging.appender.closeSync();
      } catch {
        // already closed or failed
      }
    }
    this.stagings.clear();
    this.backlog = [];
  }

  private async createStaging(type: LogTableType): Promise<void> {
    const table = `flowlens_log_staging_${this.unitId}_${this.stagings.size}`;
    const stagingColumns = type.columns.map((c) => `${quoteIdentifier(c.name)} ${stagingType(c)}`);
    const selects = type.columns.map(selectExpression);
    await this.store.run(`CREATE TEMP TABLE ${table} (${stagingColumns.join(', ')})`);
    const appender = await this.store.connection.createAppender(table, 'main', 'temp');
    const targets = [...type.columns.map((c) => quoteIdentifier(c.name)), 'unit_id'];
    const insertSql = `INSERT INTO ${quoteIdentifier(type.table)} (${targets.join(', ')}) SELECT ${selects.join(', ')}, ${this.unitId} FROM ${table}`;
    this.stagings.set(type, { table, appender, appenders: type.columns.map(appenderOf), insertSql, rows: 0 });
  }
}

function stagingType(column: LogColumn): string {
  switch (column.kind) {
    case 'int32':
      return 'INTEGER';
    case 'int64':
    case 'timestamp':
      // Numbers are staged as DOUBLE (exact below 2^53) to avoid a BigInt per value.
      return 'DOUBLE';
    default:
      return 'VARCHAR';
  }
}

function selectExpression(column: LogColumn): string {
  const name = quoteIdentifier(column.name);
  switch (column.kind) {
    case 'int64':
      return `CAST(${name} AS BIGINT)`;
    case 'timestamp':
      return `epoch_ms(CAST(${name} AS BIGINT))`;
    case 'struct':
      return `CAST(CAST(${name} AS JSON) AS ${column.sqlType})`;
    default:
      return name;
  }
}

function appenderOf(column: LogColumn): AppendValue {
  switch (column.kind) {
    case 'int32':
      return (appender, value) => (typeof value === 'number' ? appender.appendInteger(value) : appender.appendNull());
    case 'int64':
    case 'timestamp':
      return (appender, value) => (typeof value === 'number' ? appender.appendDouble(value) : appender.appendNull());
    case 'struct':
      return (appender, value) => (value === null ? appender.appendNull() : appender.appendVarchar(JSON.stringify(value)));
    default:
      return (appender, value) => (value === null ? appender.appendNull() : appender.appendVarchar(String(value)));
  }
}
