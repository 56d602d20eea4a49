import type { DuckDBAppender } from '@duckdb/node-api';
import { addressToBigInt, parseIPv4 } from '../records/index.js';
import type { FieldValue } from '../records/index.js';
import type { LogFormat, RowMeta } from '../parse/index.js';
import { duckdbTypeOf, FLOWS_TABLE } from './schema.js';
import { quoteIdentifier } from './sql-text.js';
import type { Store } from './database.js';

const IPV4_MAPPED_BASE = '281470681743360'; // 0xffff00000000: ::ffff:0:0/96
const FLUSH_ROWS = 200_000;

type AppendValue = (appender: DuckDBAppender, value: FieldValue) => void;

interface Staging {
  table: string;
  appender: DuckDBAppender;
  appenders: AppendValue[];
  addressIndexes: number[];
  insertSql: string;
  rows: number;
}

/**
 * Writes one unit's rows into the flows table through per-format staging tables: the appender fills
 * only the format's columns (plus numeric address helpers), then one INSERT … SELECT moves a batch,
 * so a 14-field record costs 14 appends, not one per column of the wide table.
 */
export class UnitWriter {
  private readonly stagings = new Map<LogFormat, Staging>();
  private backlog: { format: LogFormat; values: FieldValue[]; eventId: string | undefined }[] = [];
  private pending = 0;
  rows = 0;

  constructor(
    private readonly store: Store,
    private readonly unitId: number,
  ) {}

  /** Appends one decoded row (copying it when its format is new); call settle() after each batch. */
  row(format: LogFormat, values: readonly FieldValue[], meta: RowMeta): void {
    const staging = this.stagings.get(format);
    if (!staging) {
      this.backlog.push({ format, values: [...values], eventId: meta.eventId });
      return;
    }
    const appender = staging.appender;
    const appenders = staging.appenders;
    for (let i = 0; i < appenders.length; i++) (appenders[i] as AppendValue)(appender, values[i] ?? null);
    for (const index of staging.addressIndexes) appendAddressNumber(appender, values[index] ?? null);
    if (meta.eventId === undefined) appender.appendNull();
    else appender.appendVarchar(meta.eventId);
    appender.endRow();
    staging.rows++;
    this.rows++;
    this.pending++;
  }

  /** Creates staging tables for new formats, appends their rows, and flushes large batches. */
  async settle(): Promise<void> {
    if (this.backlog.length > 0) {
      const backlog = this.backlog;
      this.backlog = [];
      for (const { format, values, eventId } of backlog) {
        if (!this.stagings.has(format)) await this.createStaging(format);
        this.row(format, values, { line: 0, text: '', eventId });
      }
    }
    if (this.pending >= FLUSH_ROWS) await this.flush();
  }

  /** Moves staged rows into the flows table. */
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

  private async createStaging(format: LogFormat): Promise<Staging> {
    const table = `flowlens_staging_${this.unitId}_${this.stagings.size}`;
    const stagingColumns: string[] = [];
    const appenders: AppendValue[] = [];
    format.fields.forEach((field, i) => {
      const column = format.columns[i] as string;
      // int64 fields are staged as DOUBLE (exact below 2^53) to avoid a BigInt per value.
      const type = field.kind === 'int64' ? 'DOUBLE' : duckdbTypeOf(field);
      stagingColumns.push(`${quoteIdentifier(column)} ${type}`);
      appenders.push(field.kind === 'int64' ? appendDouble : field.kind === 'int32' ? appendInteger : appendVarchar);
    });
    const addressIndexes: number[] = [];
    const targets = [...format.columns];
    const selects = format.fields.map((field, i) => {
      const column = quoteIdentifier(format.columns[i] as string);
      return field.kind === 'int64' ? `CAST(${column} AS BIGINT)` : column;
    });
    for (const [name, target] of [
      ['srcaddr', 'src_ip'],
      ['dstaddr', 'dst_ip'],
    ] as const) {
      const index = format.columns.indexOf(name);
      if (index < 0) continue;
      addressIndexes.push(index);
      stagingColumns.push(`${target}_v4 UINTEGER`, `${target}_v6 UHUGEINT`);
      targets.push(target);
      selects.push(`coalesce(${IPV4_MAPPED_BASE}::UHUGEINT + ${target}_v4, ${target}_v6)`);
    }
    stagingColumns.push('event_id VARCHAR');
    targets.push('event_id', 'unit_id');
    selects.push('event_id', String(this.unitId));
    await this.store.run(`CREATE TEMP TABLE ${table} (${stagingColumns.join(', ')})`);
    const appender = await this.store.connection.createAppender(table, 'main', 'temp');
    const insertSql = `INSERT INTO ${FLOWS_TABLE} (${targets.map(quoteIdentifier).join(', ')}) SELECT ${selects.join(', ')} FROM ${table}`;
    const staging: Staging = { table, appender, appenders, addressIndexes, insertSql, rows: 0 };
    this.stagings.set(format, staging);
    return staging;
  }
}

function appendDouble(appender: DuckDBAppender, value: FieldValue): void {
  if (value === null) appender.appendNull();
  else appender.appendDouble(value as number);
}

function appendInteger(appender: DuckDBAppender, value: FieldValue): void {
  if (value === null) appender.appendNull();
  else appender.appendInteger(value as number);
}

function appendVarchar(appender: DuckDBAppender, value: FieldValue): void {
  if (value === null) appender.appendNull();
  else appender.appendVarchar(value as string);
}

function appendAddressNumber(appender: DuckDBAppender, value: FieldValue): void {
  if (value === null) {
    appender.appendNull();
    appender.appendNull();
    return;
  }
  const v4 = parseIPv4(value as string);
  if (v4 >= 0) {
    appender.appendUInteger(v4);
    appender.appendNull();
    return;
  }
  appender.appendNull();
  const v6 = addressToBigInt(value as string);
  if (v6 === null) appender.appendNull();
  else appender.appendUHugeInt(v6);
}
