import { enrichedFlowsSql, ensureEnrichment } from '../../enrich/index.js';
import type { EnrichmentColumn } from '../../enrich/index.js';
import { findLogTableType } from '../../parse/index.js';
import { getDialect } from '../../engines/index.js';
import type { SqlDialect } from '../../engines/index.js';
import { defaultTableFor, remoteSelectionSql } from '../remote-selection.js';
import type { PartitionValues, TableFormat } from '../remote-selection.js';
import { runGeneratedSql } from '../../engines/index.js';
import type { GeneratedSqlRun, QueryEngine, TableResult } from '../../engines/index.js';
import { selectionToSql } from '../selection.js';
import type { RecordSelection } from '../selection.js';
import { dialectForStore } from '../../engines/index.js';
import type { Store } from '../../store/database.js';
import { TEXT_EVENTS_TABLE } from '../../store/text-events.js';
import { compileInsights } from './compiler.js';
import type { CompiledInsights } from './compiler.js';
import { eventsSource, flowsSource } from './fields.js';
import { logTableSource, logTimeWhere } from './log-sources.js';


/** What an Insights query reads and how: the records selected, the log it queries, the engine and table it is written for. */
export interface InsightsRunOptions extends GeneratedSqlRun {
  selection?: RecordSelection | undefined;
  /** vpc (the flows table, default), s3-access or cloudtrail (their tables), text (the events table of plain lines). */
  logType?: 'vpc' | 's3-access' | 'cloudtrail' | 'text' | undefined;
  /** The engine the SQL is written for (default duckdb; runInsights runs DuckDB only). */
  engine?: QueryEngine | undefined;
  /** The table read (default: flows, the Athena DDL's, the log's or `events`). */
  table?: string | undefined;
  /** Athena: layout of the table, so the time window also prunes partitions. */
  tableFormat?: TableFormat | undefined;
  /** Athena text tables: the accounts and regions their injected partitions are read for. */
  partitions?: PartitionValues | undefined;
  /** At most this many rows are read; `truncated` tells when more existed. */
  maxRows?: number | undefined;
}

/** Compiles a Logs Insights query to SQL for the options' engine (syntax errors throw QueryError before anything is read). */
export async function compileInsightsQuery(query: string, options: InsightsRunOptions = {}): Promise<CompiledInsights> {
  const engine = options.engine ?? 'duckdb';
  const where = engine === 'duckdb' || isLogTable(options.logType) ? await selectionToSql(flowOnly(options)) : remoteSelectionSql(engine, options.selection ?? {}, options.tableFormat, options.partitions);
  return compileFor(query, options, where, getDialect(engine));
}

/**
 * Runs a Logs Insights query on the store: compiled for the store's dialect (`stats` reads the rollups when they are
 * up to date), rows named as Insights names them.
 */
export async function runInsights(store: Store, query: string, options: InsightsRunOptions = {}): Promise<TableResult> {
  const compiled = await insightsSqlForStore(store, query, options);
  const result = await runGeneratedSql(store, compiled.sql, options.maxRows, options);
  if (compiled.columns.length !== result.columns.length) return result;
  // Insights names the output columns (e.g. `count(*)`); rows are keyed by them.
  const rows = result.rows.map((row) => Object.fromEntries(compiled.columns.map((name, i) => [name, row[result.columns[i] ?? '']])));
  return { ...result, columns: compiled.columns, rows };
}

/**
 * The SQL an Insights query runs on the store (for its dialect: `stats` over rollup keys reads the rollups when they
 * are up to date) and the output column names, for callers that stream the rows themselves.
 */
export async function insightsSqlForStore(store: Store, query: string, options: InsightsRunOptions = {}): Promise<CompiledInsights> {
  if ((options.engine ?? 'duckdb') !== 'duckdb') throw new TypeError('runInsights runs on the DuckDB store; use compileInsightsQuery for other engines');
  const where = await selectionToSql(flowOnly(options));
  const compiled = compileFor(query, options, where, getDialect('duckdb'));
  const dialect = options.dialect ?? (await dialectForStore(store));
  if (compiled.enrichment) await ensureEnrichment(store, compiled.enrichment);
  return dialect === getDialect('duckdb') ? compiled : { ...compileFor(query, options, where, dialect), columns: compiled.columns };
}

function compileFor(query: string, options: InsightsRunOptions, where: string, dialect: SqlDialect): CompiledInsights {
  const selection = options.selection ?? {};
  const logType = options.logType ?? 'vpc';
  if (logType === 'text') {
    const time = dialect.quoteIdentifier('timestamp');
    const window = [
      ...(selection.start !== undefined ? [`r.${time} >= ${Math.round(selection.start * 1000)}`] : []),
      ...(selection.end !== undefined ? [`r.${time} < ${Math.round(selection.end * 1000)}`] : []),
    ];
    return compileInsights(query, { dialect, source: { ...eventsSource(options.table ?? TEXT_EVENTS_TABLE), where: window.length ? window.join(' AND ') : undefined } });
  }
  if (logType !== 'vpc') {
    const table = findLogTableType(logType);
    if (!table) throw new TypeError(`unknown log type ${logType}`);
    return compileInsights(query, { dialect, source: logTableSource(table, { table: options.table, where: logTimeWhere(table, selection, dialect) }) });
  }
  const table = options.table ?? defaultTableFor(dialect.name, options.tableFormat);
  const condition = where === 'TRUE' || where === '1 = 1' ? undefined : where;
  // Enrichment fields exist on the flowlens store only (its range tables); elsewhere they stay unknown names.
  const enrichment = dialect.name === 'duckdb' ? new Set<EnrichmentColumn>() : undefined;
  const compiled = compileInsights(query, { dialect, source: flowsSource({ table, where: condition, enrichment }) });
  if (!enrichment || enrichment.size === 0) return compiled;
  // Read from flows plus the enrichment columns used; the distinct addresses come from the whole-store rollup when current.
  const pairs = dialect.rollups?.wholeStore?.pairs;
  const from = `(${enrichedFlowsSql({ table, columns: [...enrichment], addresses: pairs && table === 'flows' ? { table: pairs } : { table } })})`;
  // On current rollups a stats reads the rollup rows with the same columns joined (far fewer rows than flows).
  const rollupFrom = (rollup: string): string => `(${enrichedFlowsSql({ table: rollup, columns: [...enrichment], addresses: pairs ? { table: pairs } : { table: rollup } })})`;
  const enrichedSource = { ...flowsSource({ table, where: condition, enrichment }), from, flows: table === 'flows', rollupFrom };
  return { ...compileInsights(query, { dialect, source: enrichedSource }), enrichment: [...new Set([...enrichment].map((c) => c.kind))] };
}

function isLogTable(logType: InsightsRunOptions['logType']): boolean {
  return logType !== undefined && logType !== 'vpc';
}

/** The flow-record part of the selection; S3 access, CloudTrail and text events take only the time window (applied in compileFor). */
function flowOnly(options: InsightsRunOptions): RecordSelection {
  return isLogTable(options.logType) ? {} : (options.selection ?? {});
}
