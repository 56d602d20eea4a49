import type { Command } from 'commander';
import { Option } from 'commander';
import type { CliContext } from '../context.js';
import { writeErr, writeOut } from '../context.js';
import { logFormatFrom, openData, sourceOptionsFrom } from '../data.js';
import { addReadingOptions, parseSelection } from '../options.js';
import type { ReadingOptions, Selection } from '../options.js';
import { UsageError } from '../../records/index.js';
import { addRemoteEngineOptions, defaultTableFor, remoteSelectionSql, runOnRemoteEngine } from './engines.js';
import type { RemoteEngineOptions } from './engines.js';
import { printQuery } from './table-command.js';
import { addLogTypeOption, checkLogSelection, logTableTypeFrom } from '../log-types.js';
import type { LogTypeOptions } from '../log-types.js';

/** Options of `flowlens insights`. */
export interface InsightsOptions extends ReadingOptions, LogTypeOptions, Omit<RemoteEngineOptions, 'format'> {
  explain?: boolean;
  engine?: string;
  table?: string;
}

/** Adds `--engine` and `--table`: which SQL dialect `--explain`/`--sql` print (running is DuckDB's, for now). */
export function addEngineOptions(command: Command): Command {
  return command
    .addOption(new Option('--engine <engine>', 'SQL dialect to write: duckdb, athena (Trino) or clickhouse').choices(['duckdb', 'athena', 'trino', 'clickhouse']).default('duckdb'))
    .option('--table <name>', 'table the SQL reads (default: flows)');
}

/** `flowlens insights QUERY [SOURCE...]`: a CloudWatch Logs Insights query, compiled to SQL. */
export function registerInsights(program: Command, context: CliContext): void {
  const command = program.command('insights').argument('<query>', "a Logs Insights query, e.g. 'filter action=\"REJECT\" | stats count(*) by srcAddr'").argument('[source...]', 'sources (default: the database)');
  addLogTypeOption(addRemoteEngineOptions(addEngineOptions(addReadingOptions(command))), { choices: ['text'], help: ', or any text (one event per line)' })
    .description('run a CloudWatch Logs Insights query on flow records (compiled to SQL; see docs/queries.md)')
    .option('--explain', 'print the SQL the query compiles to, without running it')
    .action(async (query: string, sources: string[], options: InsightsOptions) => {
      const { compileInsights, flowsSource, logTableSource, logTimeWhere } = await import('../../query/insights/index.js');
      const { getDialect } = await import('../../query/dialect.js');
      const { selectionToSql } = await import('../../query/selection.js');
      const selection = parseSelection(options);
      // Plain-text SOURCEs (--log-type text, or files whose first lines are no flow records) are generic events.
      if (await readsText(context, query, sources, options)) return runOnText(context, query, sources, options, selection);
      // --log-type s3-access|cloudtrail queries that table: fields by column name, @timestamp its request/event time.
      const logTable = logTableTypeFrom(options);
      checkLogSelection(logTable, selection);
      const engine = (options.engine ?? 'duckdb') as Parameters<typeof getDialect>[0];
      const where = engine === 'duckdb' ? await selectionToSql(selection) : remoteSelectionSql(String(engine), selection, options.tableFormat);
      const table = options.table ?? (logTable ? undefined : defaultTableFor(engine, options.tableFormat));
      // Compiling first reports syntax errors before any file is read.
      const compile = (condition: string, dialect = getDialect(engine)): ReturnType<typeof compileInsights> =>
        compileInsights(query, {
          dialect,
          source: logTable
            ? logTableSource(logTable, { table: options.table, where: logTimeWhere(logTable, selection, getDialect(engine)) })
            : flowsSource({ table, where: condition === 'TRUE' || condition === '1 = 1' ? undefined : condition }),
        });
      const compiled = compile(where);
      if (options.explain) {
        await writeOut(context, `${compiled.sql}\n`);
        return;
      }
      // Athena and ClickHouse run the compiled query where the data is (see docs/scale-out.md).
      if (engine !== 'duckdb') return runOnRemoteEngine(context, compiled.sql, options);
      const data = await openData(context, sources, options, selection);
      try {
        // On a store with up-to-date rollups, `stats` over rollup keys reads them (same rows, far fewer of them).
        const { dialectForStore } = await import('../../query/store-dialect.js');
        await printQuery(context, data.store, compile(data.where, await dialectForStore(data.store)).sql, options.format, compiled.columns);
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
  const { looksLikeText } = await import('../text-events.js');
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
  const { compileInsights, eventsSource } = await import('../../query/insights/index.js');
  const { getDialect } = await import('../../query/dialect.js');
  const { TEXT_EVENTS_TABLE, loadTextEvents } = await import('../text-events.js');
  const dialect = getDialect((options.engine ?? 'duckdb') as Parameters<typeof getDialect>[0]);
  const time = dialect.quoteIdentifier('timestamp');
  const window = [
    ...(selection.start !== undefined ? [`r.${time} >= ${Math.round(selection.start * 1000)}`] : []),
    ...(selection.end !== undefined ? [`r.${time} < ${Math.round(selection.end * 1000)}`] : []),
  ];
  const source = { ...eventsSource(options.table ?? TEXT_EVENTS_TABLE), where: window.length ? window.join(' AND ') : undefined };
  const compiled = compileInsights(query, { dialect, source });
  if (options.explain) {
    await writeOut(context, `${compiled.sql}\n`);
    return;
  }
  if (dialect.name !== 'duckdb') return runOnRemoteEngine(context, compiled.sql, options);
  const { Store } = await import('../../store/index.js');
  const { resolveSource } = await import('../../sources/index.js');
  const store = await Store.memory();
  try {
    const resolved = await Promise.all(sources.map((uri) => resolveSource(uri, sourceOptionsFrom(options, context))));
    await loadTextEvents(store, resolved);
    await printQuery(context, store, compiled.sql, options.format, compiled.columns);
  } finally {
    store.close();
  }
}
