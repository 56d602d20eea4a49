import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { writeErr, writeOut } from '../context.js';
import { logFormatFrom, openData, sourceOptionsFrom } from '../data.js';
import { addReadingOptions, parseSelection, splitList } from '../options.js';
import type { ReadingOptions, Selection } from '../options.js';
import { UsageError } from '../../records/index.js';
import { addEngineOptions, addRemoteEngineOptions, runOnRemoteEngine } from '../remote-engines.js';
import type { RemoteEngineOptions } from '../remote-engines.js';
import type { QueryEngine } from '../../engines/index.js';
import type { InsightsRunOptions } from '../../query/insights/run-insights.js';
import type { RowStream, Store } from '../../store/index.js';
import { printRowStream } from '../record-printer.js';
import type { OutputFormat } from '../render.js';
import { addLogTypeOption, checkLogSelection, logTableTypeFrom } from '../log-types.js';
import type { LogTypeOptions } from '../log-types.js';

/** Options of `flowlens insights`. */
export interface InsightsOptions extends ReadingOptions, LogTypeOptions, Omit<RemoteEngineOptions, 'format'> {
  explain?: boolean;
  engine?: string;
  table?: string;
}

/** `flowlens insights QUERY [SOURCE...]`: a CloudWatch Logs Insights query, compiled and run by runInsights (src/query/insights/run-insights.ts). */
export function registerInsights(program: Command, context: CliContext): void {
  const command = program.command('insights').argument('<query>', "a Logs Insights query, e.g. 'filter action=\"REJECT\" | stats count(*) by srcAddr'").argument('[source...]', 'sources (default: the database)');
  addLogTypeOption(addRemoteEngineOptions(addEngineOptions(addReadingOptions(command))), { choices: ['text'], help: ', or any text (one event per line)' })
    .description('run a CloudWatch Logs Insights query on flow records (compiled to SQL; see docs/queries.md)')
    .option('--explain', 'print the SQL the query compiles to, without running it')
    .action(async (query: string, sources: string[], options: InsightsOptions) => {
      const { compileInsightsQuery } = await import('../../query/insights/run-insights.js');
      const selection = parseSelection(options);
      // Plain-text SOURCEs (--log-type text, or files whose first lines are no flow records) are generic events.
      if (await readsText(context, query, sources, options)) return runOnText(context, query, sources, options, selection);
      // --log-type s3-access|cloudtrail queries that table: fields by column name, @timestamp its request/event time.
      const logTable = logTableTypeFrom(options);
      checkLogSelection(logTable, selection);
      const run = { selection, logType: logTable?.name, engine: (options.engine ?? 'duckdb') as QueryEngine, table: options.table, tableFormat: options.tableFormat, partitions: { accounts: splitList(options.accounts), regions: splitList(options.regions) } };
      // Compiling first reports syntax errors before any file is read.
      const compiled = await compileInsightsQuery(query, run);
      if (options.explain) {
        await writeOut(context, `${compiled.sql}\n`);
        return;
      }
      // Athena and ClickHouse run the compiled query where the data is (see docs/scale-out.md).
      if (run.engine !== 'duckdb') return runOnRemoteEngine(context, compiled.sql, options);
      const data = await openData(context, sources, options, selection, 'table', [compiled.sql]);
      try {
        await printSandboxed(context, data.store, query, run, options.format);
      } finally {
        data.close();
      }
    });
}

/** True when the SOURCEs are read as text events: --log-type text, or auto-detected local files that hold no flow records. */
async function readsText(context: CliContext, query: string, sources: readonly string[], options: InsightsOptions): Promise<boolean> {
  if (options.logType === 'text') {
    if (sources.length === 0) throw new UsageError('--log-type text reads SOURCEs: name the files (or - for standard input)');
    return true;
  }
  if (sources.length === 0 || (options.logType !== undefined && options.logType !== 'auto') || (options.engine ?? 'duckdb') !== 'duckdb') return false;
  // A syntax error is reported before any file is read.
  const { parseInsights } = await import('../../query/insights/index.js');
  parseInsights(query);
  const { resolveSource } = await import('../../sources/index.js');
  const { looksLikeText } = await import('../../store/text-events.js');
  const resolved = await Promise.all(sources.map((uri) => resolveSource(uri, sourceOptionsFrom(options, context))));
  if (!(await looksLikeText(sources, resolved, logFormatFrom(options)))) return false;
  writeErr(context, 'log type: text (the first lines are no flow records; pass --log-type vpc to read them as flow logs)');
  return true;
}

/** Runs the query on SOURCEs loaded as text events: @message the line, JSON fields discovered, --start/--end on @timestamp. */
async function runOnText(context: CliContext, query: string, sources: readonly string[], options: InsightsOptions, selection: Selection): Promise<void> {
  if (selection.action !== undefined || selection.filterPattern !== undefined) {
    throw new UsageError(`${selection.action !== undefined ? '--action' : '--filter-pattern'} applies to flow logs, not text events`, { hint: "filter in the query instead: filter @message like /ERROR/" });
  }
  const { compileInsightsQuery } = await import('../../query/insights/run-insights.js');
  const run = { selection, logType: 'text' as const, engine: (options.engine ?? 'duckdb') as QueryEngine, table: options.table };
  const compiled = await compileInsightsQuery(query, run);
  if (options.explain) {
    await writeOut(context, `${compiled.sql}\n`);
    return;
  }
  if (run.engine !== 'duckdb') return runOnRemoteEngine(context, compiled.sql, options);
  const { loadTextEvents } = await import('../../store/text-events.js');
  const { Store } = await import('../../store/index.js');
  const { resolveSource } = await import('../../sources/index.js');
  const store = await Store.memory();
  try {
    const resolved = await Promise.all(sources.map((uri) => resolveSource(uri, sourceOptionsFrom(options, context))));
    await loadTextEvents(store, resolved);
    await printSandboxed(context, store, query, run, options.format);
  } finally {
    store.close();
  }
}

/**
 * Runs an Insights query as user SQL and prints its rows as they come: checked by DuckDB's parser, in the sandbox
 * (no files, settings locked), after loading.
 */
async function printSandboxed(context: CliContext, store: Store, query: string, run: InsightsRunOptions, format: string | undefined): Promise<void> {
  const { insightsSqlForStore } = await import('../../query/insights/run-insights.js');
  const { streamUserSql } = await import('../../engines/duckdb/index.js');
  const { SqlSandbox } = await import('../../engines/duckdb/index.js');
  const compiled = await insightsSqlForStore(store, query, run);
  const sandbox = await SqlSandbox.open(store);
  try {
    const hint = 'see docs/queries.md for the Logs Insights commands flowlens supports; --explain prints the SQL';
    await streamUserSql(sandbox, compiled.sql, (stream) => printRowStream(context, renameColumns(stream, compiled.columns), (format ?? 'table') as OutputFormat), { hint });
  } finally {
    await sandbox.close();
  }
}

/** The stream with Insights' own column names (by position) when the SQL's result has as many columns. */
function renameColumns(stream: RowStream, columns: readonly string[]): RowStream {
  return columns.length === stream.columns.length ? { columns: [...columns], types: stream.types, [Symbol.asyncIterator]: () => stream[Symbol.asyncIterator]() } : stream;
}
