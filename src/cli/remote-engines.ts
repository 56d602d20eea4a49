import type { TableFormat } from '../query/remote-selection.js';
import type { Command } from 'commander';
import { Option } from 'commander';
import { UsageError } from '../records/index.js';
import type { CliContext } from './context.js';
import { writeErr } from './context.js';
import { RowWriter } from './record-printer.js';
import type { OutputFormat } from './render.js';
import type { AwsCliOptions } from './commands/scale-shared.js';
import type { AthenaConnectorOptions, Connector, ConnectorResult } from '../engines/index.js';
import type { AthenaCost } from '../engines/athena/index.js';

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

/** Runs finished SQL on Athena or ClickHouse through the engine's connector and prints the rows (and what the run cost). */
export async function runOnRemoteEngine(context: CliContext, sql: string, options: RemoteEngineOptions & { format?: string }): Promise<void> {
  const engine = options.engine ?? 'duckdb';
  if (engine === 'athena' || engine === 'trino') return runOnAthena(context, sql, options);
  if (engine === 'clickhouse') {
    const { clickhouseUrl, database, format } = options;
    return runOnClickHouse(context, sql, { ...(clickhouseUrl === undefined ? {} : { clickhouseUrl }), ...(database === undefined ? {} : { database }), ...(format === undefined ? {} : { format }) });
  }
  throw new UsageError(`unknown engine ${engine}`);
}

/** Runs SQL on Athena, prints the rows, then the query id, data scanned and cost on stderr. */
export async function runOnAthena(context: CliContext, sql: string, options: AthenaCliOptions): Promise<void> {
  const { createAthenaConnector } = await import('../engines/athena/index.js');
  await runAndPrint(context, createAthenaConnector(athenaConnectorOptions(options, context)), sql, options.format);
}

/** The Athena connector's settings from the command's options and environment. */
export function athenaConnectorOptions(options: AthenaCliOptions, context: CliContext): AthenaConnectorOptions {
  const { region, profile, endpointUrl, workgroup, database, catalog, output } = options;
  return { region, profile, endpointUrl, workgroup, database, catalog, outputLocation: output, env: context.env };
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
  const { createClickHouseConnector } = await import('../engines/clickhouse/index.js');
  await runAndPrint(context, createClickHouseConnector(connectOptions(options, context)), sql, options.format);
}

/** Runs the SQL on the connector, prints the rows, then one line about the run on stderr; closes the connector. */
async function runAndPrint(context: CliContext, connector: Connector, sql: string, format: string | undefined): Promise<void> {
  try {
    // Rows are printed as the engine returns them (Athena's result pages, ClickHouse's streamed rows): a large
    // result is never held whole.
    const writer = new RowWriter(context, (format ?? 'table') as OutputFormat);
    let printed = 0;
    const result = await connector.run(sql, {
      onRows: async (columns, _types, rows) => {
        await writer.columns(columns);
        await writer.rows(rows.map((row) => columns.map((column) => row[column] ?? null)));
        printed += rows.length;
      },
    });
    await writer.columns(result.columns);
    await writer.finish();
    const { renderCostLine } = await import('../engines/athena/cost.js');
    for (const line of renderRunLines(result, printed, renderCostLine)) writeErr(context, line);
  } finally {
    await connector.close();
  }
}

// What a remote run reports for people: Athena's query id, time, data scanned and cost; ClickHouse's time.
function renderRunLines(result: ConnectorResult, rows: number, renderCostLine: (cost: AthenaCost) => string): string[] {
  const { athena } = result;
  if (!athena) return [`${result.engine}: ${rows} rows in ${(result.elapsedMs / 1000).toFixed(3)} s`];
  return [`athena: query ${athena.queryExecutionId}, ${rows} rows, ${athena.totalExecutionTimeMs} ms`, renderCostLine(athena.cost)];
}
