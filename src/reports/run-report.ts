import { ensureEnrichment } from '../enrich/index.js';
import { findLogTableType } from '../parse/index.js';
import { getDialect } from '../engines/index.js';
import type { SqlDialect } from '../engines/index.js';
import { logTimeWhere } from '../query/insights/index.js';
import { defaultTableFor, remoteSelectionSql } from '../query/remote-selection.js';
import type { PartitionValues, TableFormat } from '../query/remote-selection.js';
import { runGeneratedSql } from '../engines/index.js';
import type { GeneratedSqlRun, QueryEngine, TableResult } from '../engines/index.js';
import { selectionToSql } from '../query/selection.js';
import type { RecordSelection } from '../query/selection.js';
import { dialectForStore } from '../engines/index.js';
import type { Store } from '../store/database.js';
import { buildReportSql, ENRICHMENT_REPORTS, findReport, LOG_REPORTS, REPORTS } from './index.js';
import type { ReportDefinition } from './types.js';

/** What a report runs on: the records selected, its parameters and row limit, and the engine and table it is written for. */
export interface RunReportOptions extends GeneratedSqlRun {
  selection?: RecordSelection | undefined;
  /** Report parameters by name (see listReports), e.g. `{ cidr: '10.0.1.0/24' }`. */
  params?: Readonly<Record<string, string>> | undefined;
  /** Rows to return; the report's default when undefined. */
  limit?: number | undefined;
  /** The engine the SQL is written for (default duckdb; runReport runs DuckDB only, reportSql writes any). */
  engine?: QueryEngine | undefined;
  /** The table read (default: flows, the Athena DDL's or the S3 access / CloudTrail table). */
  table?: string | undefined;
  /** Athena: layout of the table, so the time window also prunes partitions. */
  tableFormat?: TableFormat | undefined;
  /** Athena text tables: the accounts and regions their injected partitions are read for. */
  partitions?: PartitionValues | undefined;
  /** At most this many rows are read; `truncated` tells when more existed. */
  maxRows?: number | undefined;
}

/** One line of the report list: name, description, parameters and the log it reads. */
export interface ReportSummary {
  name: string;
  description: string;
  defaultLimit: number | null;
  params: { name: string; description: string; default: string | number | null }[];
  origin: string | null;
  logType: 'vpc' | 's3-access' | 'cloudtrail';
}

/** Every built-in report (flow-log ones first, then the enrichment ones, S3 access and CloudTrail), as `flowlens report --list` and the page list them. */
export function listReports(): ReportSummary[] {
  return [...REPORTS, ...ENRICHMENT_REPORTS, ...LOG_REPORTS].map((r) => ({
    name: r.name,
    description: r.description,
    defaultLimit: r.defaultLimit ?? null,
    params: r.params.map((p) => ({ name: p.name, description: p.description, default: p.default ?? null })),
    origin: r.origin ?? null,
    logType: r.logType ?? 'vpc',
  }));
}

/** The SQL a report runs for the options' engine (checking the name and parameters), without running it. */
export async function reportSql(name: string, options: RunReportOptions = {}): Promise<string> {
  const plan = await planReport(name, options);
  return plan.build(plan.where, getDialect(options.engine ?? 'duckdb'));
}

/**
 * Runs a named report on the store: selection → SQL for the store's dialect (its rollups when up to date) → rows.
 * Throws QueryError 'unknown-report' or 'syntax' (bad parameter) before reading anything.
 */
export async function runReport(store: Store, name: string, options: RunReportOptions = {}): Promise<TableResult> {
  if ((options.engine ?? 'duckdb') !== 'duckdb') throw new TypeError('runReport runs on the DuckDB store; use reportSql for other engines');
  return runGeneratedSql(store, await reportSqlForStore(store, name, options), options.maxRows, options);
}

/** The SQL a report runs on the store (for its dialect: the rollups when up to date), for callers that stream rows. */
export async function reportSqlForStore(store: Store, name: string, options: RunReportOptions = {}): Promise<string> {
  if ((options.engine ?? 'duckdb') !== 'duckdb') throw new TypeError('runReport runs on the DuckDB store; use reportSql for other engines');
  const plan = await planReport(name, options);
  plan.build(plan.where, getDialect('duckdb'));
  if (plan.report.enrichment) await ensureEnrichment(store, plan.report.enrichment);
  return plan.build(plan.where, options.dialect ?? (await dialectForStore(store)));
}

interface ReportPlan {
  report: ReportDefinition;
  where: string;
  build(where: string, dialect: SqlDialect): string;
}

async function planReport(name: string, options: RunReportOptions): Promise<ReportPlan> {
  const report = findReport(name);
  const engine = options.engine ?? 'duckdb';
  const selection = options.selection ?? {};
  // S3 access and CloudTrail reports read their table; the time window applies to its request or event time.
  const logTable = report.logType ? findLogTableType(report.logType) : undefined;
  const table = options.table ?? logTable?.table ?? defaultTableFor(engine, options.tableFormat);
  const where = logTable
    ? (logTimeWhere(logTable, selection, getDialect(engine)) ?? 'TRUE')
    : engine === 'duckdb'
      ? await selectionToSql(selection)
      : remoteSelectionSql(engine, selection, options.tableFormat, options.partitions);
  return {
    report,
    where,
    build: (condition, dialect) => buildReportSql(report, { dialect, table, where: condition, limit: options.limit, params: options.params ?? {} }),
  };
}
