import type { Command } from 'commander';
import { Option } from 'commander';
import type { CliContext } from '../context.js';
import { writeOut } from '../context.js';
import { openData } from '../data.js';
import { addReadingOptions, parseSelection } from '../options.js';
import type { ReadingOptions } from '../options.js';
import { addRemoteEngineOptions, defaultTableFor, remoteSelectionSql, runOnRemoteEngine } from './engines.js';
import type { RemoteEngineOptions } from './engines.js';
import { printTable } from './table-command.js';
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
  addLogTypeOption(addRemoteEngineOptions(addEngineOptions(addReadingOptions(command))))
    .description('run a CloudWatch Logs Insights query on flow records (compiled to SQL; see docs/queries.md)')
    .option('--explain', 'print the SQL the query compiles to, without running it')
    .action(async (query: string, sources: string[], options: InsightsOptions) => {
      const { compileInsights, flowsSource, logTableSource, logTimeWhere } = await import('../../query/insights/index.js');
      const { getDialect } = await import('../../query/dialect.js');
      const { selectionToSql } = await import('../../query/selection.js');
      const selection = parseSelection(options);
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
        const result = await data.store.query(compile(data.where, await dialectForStore(data.store)).sql);
        await printTable(context, { columns: compiled.columns, rows: result.rows }, options.format);
      } finally {
        data.close();
      }
    });
}
