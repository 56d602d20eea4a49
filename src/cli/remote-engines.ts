import type { TableFormat } from '../query/remote-selection.js';
import type { Command } from 'commander';
import { Option } from 'commander';
import { UsageError } from '../records/index.js';
import type { CliContext } from './context.js';
import { writeErr } from './context.js';
import { printTable } from './commands/table-command.js';
import { RowWriter } from './record-printer.js';
import type { OutputFormat } from './render.js';
import type { AwsCliOptions } from './commands/scale-shared.js';

/** Options of commands that run SQL on Athena. */
export interface AthenaCliOptions extends AwsCliOptions {
  workgroup?: string;
  output?: string;
  database?: string;
  catalog?: string;
  format?: string;
}

/** Connection options of the ClickHouse commands. */
export interface ClickHouseCliOptions {
  url?: string;
  clickhouseUrl?: string;
  database?: string;
  table?: string;
  user?: string;
  password?: string;
}

/** The default ClickHouse database flowlens creates. */
export const DEFAULT_CLICKHOUSE_DATABASE = 'flowlens';

/** Options that say where a report or Insights query runs when --engine is athena or clickhouse. */
export interface RemoteEngineOptions extends AthenaCliOptions {
  engine?: string;
  table?: string;
  tableFormat?: TableFormat;
  clickhouseUrl?: string;
}

/** Adds `--engine` and `--table`: which engine the SQL is written for and runs on, and the table it reads. */
export function addEngineOptions(command: Command): Command {
  return command
    .addOption(new Option('--engine <engine>', 'SQL dialect to write: duckdb, athena (Trino) or clickhouse').choices(['duckdb', 'athena', 'trino', 'clickhouse']).default('duckdb'))
    .option('--table <name>', 'table the SQL reads (default: flows)');
}

/** Adds the Athena (--workgroup, --output, --database, --catalog, --table-format) and ClickHouse (--clickhouse-url) options. */
export function addRemoteEngineOptions(command: Command): Command {
  return command
    .option('--workgroup <name>', 'athena: workgroup (default: primary)')
    .option('--output <s3uri>', "athena: s3:// prefix for result files (default: the workgroup's)")
    .option('--database <name>', 'athena: Glue database; clickhouse: database (default: flowlens)')
    .option('--catalog <name>', 'athena: data catalog (default: AwsDataCatalog)')
    .addOption(
      new Option('--table-format <format>', 'athena: layout of --table (as `athena ddl` made it), so --start/--end also prune partitions')
        .choices(['parquet', 'text', 'text-ymd'])
        .default('parquet'),
    )
    .option('--clickhouse-url <url>', 'clickhouse: HTTP endpoint (default: $FLOWLENS_CLICKHOUSE_URL or http://127.0.0.1:8123)');
}

/** Runs finished SQL on Athena or ClickHouse and prints the rows (and, for Athena, the data scanned and its cost). */
export async function runOnRemoteEngine(context: CliContext, sql: string, options: RemoteEngineOptions & { format?: string }): Promise<void> {
  if (options.engine === 'athena' || options.engine === 'trino') return runOnAthena(context, sql, options);
  if (options.engine === 'clickhouse') {
    const target: Parameters<typeof runOnClickHouse>[2] = {};
    if (options.clickhouseUrl !== undefined) target.clickhouseUrl = options.clickhouseUrl;
    if (options.database !== undefined) target.database = options.database;
    if (options.format !== undefined) target.format = options.format;
    return runOnClickHouse(context, sql, target);
  }
  throw new UsageError(`unknown engine ${options.engine}`);
}

/** Runs SQL on Athena, prints the rows, then data scanned and cost on stderr. */
export async function runOnAthena(context: CliContext, sql: string, options: AthenaCliOptions): Promise<void> {
  const scale = await import('../scale/index.js');
  const { AthenaClient } = await import('@aws-sdk/client-athena');
  const client = new AthenaClient(await scale.buildAwsClientConfig(options, context.env));
  try {
    // Each result page is printed as it arrives: a large result is never held whole.
    const writer = new RowWriter(context, (options.format ?? 'table') as OutputFormat);
    let printed = 0;
    const result = await scale.runAthenaQuery(
      client,
      { sql, workgroup: options.workgroup, database: options.database, catalog: options.catalog, outputLocation: options.output },
      {
        onRows: async (columns, _types, rows) => {
          await writer.columns(columns);
          await writer.rows(rows.map((row) => columns.map((column) => row[column] ?? null)));
          printed += rows.length;
        },
      },
    );
    await writer.columns(result.columns);
    await writer.finish();
    writeErr(context, `athena: query ${result.queryExecutionId}, ${printed} rows, ${result.stats.totalExecutionTimeMs} ms`);
    writeErr(context, scale.renderCostLine(result.cost));
  } finally {
    client.destroy();
  }
}

/** Connection settings from options and environment. */
export function connectOptions(options: ClickHouseCliOptions, context: CliContext, useDatabase = true) {
  return {
    url: options.clickhouseUrl ?? options.url ?? context.env.FLOWLENS_CLICKHOUSE_URL,
    // Commands that create the database first connect without it (they name tables in full).
    database: useDatabase ? (options.database ?? DEFAULT_CLICKHOUSE_DATABASE) : undefined,
    username: options.user,
    password: options.password ?? context.env.CLICKHOUSE_PASSWORD,
  };
}

/** Runs SQL on ClickHouse and prints the rows; the query time goes to stderr. */
export async function runOnClickHouse(context: CliContext, sql: string, options: ClickHouseCliOptions & { format?: string }): Promise<void> {
  const scale = await import('../scale/index.js');
  const connection = await scale.connectClickHouse(connectOptions(options, context));
  try {
    const started = performance.now();
    const result = await scale.runClickHouseQuery(connection.client, sql);
    await printTable(context, result, options.format);
    writeErr(context, `clickhouse: ${result.rows.length} rows in ${((performance.now() - started) / 1000).toFixed(3)} s`);
  } finally {
    await connection.close();
  }
}
