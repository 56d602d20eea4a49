import type { Command } from 'commander';
import { Option } from 'commander';
import type { CliContext } from '../context.js';
import { writeOut } from '../context.js';
import { openData } from '../data.js';
import type { ReadingOptions } from '../options.js';
import { addReadingOptions, parsePositiveInt } from '../options.js';
import { connectOptions, DEFAULT_CLICKHOUSE_DATABASE, runOnClickHouse } from '../remote-engines.js';
import type { ClickHouseCliOptions } from '../remote-engines.js';
import { nestedCommand } from './scale-shared.js';

interface SchemaOptions extends ClickHouseCliOptions {
  print?: boolean;
  cluster?: string;
  serverVersion?: string;
}

interface LoadOptions extends ClickHouseCliOptions, ReadingOptions {
  batchRows?: string;
}

/** `flowlens clickhouse schema|load|query`: a MergeTree table, bulk loads from the store, and SQL on ClickHouse. */
export function registerClickHouse(program: Command, context: CliContext): void {
  const clickhouse = program.command('clickhouse').description('ClickHouse: create the flows table, load the store into it, query it');
  addConnection(nestedCommand(clickhouse, 'schema', context))
    .description('create the database, the flows MergeTree table (partitioned by day) and the load ledger')
    .option('--print', 'print the statements instead of running them')
    .option('--cluster <name>', 'with --print: statements for a cluster (local tables ON CLUSTER + a Distributed table)')
    .option('--server-version <version>', 'with --print: write SQL for this server version (default: 18.16, Debian\'s)')
    .action(async (options: SchemaOptions) => {
      const [scale, engines] = await Promise.all([import('../../scale/index.js'), import('../../engines/clickhouse/index.js')]);
      const database = options.database ?? DEFAULT_CLICKHOUSE_DATABASE;
      if (options.print) {
        const features = engines.clickHouseFeatures(options.serverVersion ?? '18.16.1');
        const base = { database, features, ...(options.table ? { table: options.table } : {}) };
        const statements = options.cluster ? scale.clickHouseClusterStatements({ ...base, cluster: options.cluster }) : scale.clickHouseSchemaStatements(base);
        await writeOut(context, statements.map((s) => `${s};\n`).join('\n'));
        return;
      }
      const connection = await engines.connectClickHouse(connectOptions(options, context, false));
      try {
        await scale.ensureClickHouseSchema(connection.client, { database, features: connection.features, ...(options.table ? { table: options.table } : {}) });
        await writeOut(context, `created ${database}.${options.table ?? scale.CLICKHOUSE_FLOWS_TABLE} on ClickHouse ${connection.features.version}\n`);
      } finally {
        await connection.close();
      }
    });

  addReadingOptions(addConnection(nestedCommand(clickhouse, 'load', context)).argument('[source...]', 'sources (default: the database)'), ['table'])
    .description('bulk-load the store (or SOURCEs) into ClickHouse, once per source object: reruns load only what is new')
    .option('--batch-rows <n>', 'rows per INSERT (default 1000000)')
    .action(async (sources: string[], options: LoadOptions) => {
      const [scale, engines] = await Promise.all([import('../../scale/index.js'), import('../../engines/clickhouse/index.js')]);
      const database = options.database ?? DEFAULT_CLICKHOUSE_DATABASE;
      const data = await openData(context, sources, options, {});
      const connection = await engines.connectClickHouse(connectOptions(options, context, false));
      try {
        const table = { database, features: connection.features, ...(options.table ? { table: options.table } : {}) };
        await scale.ensureClickHouseSchema(connection.client, table);
        const result = await scale.loadIntoClickHouse(data.store, connection.client, {
          ...table,
          batchRows: parsePositiveInt(options.batchRows, '--batch-rows', 1_000_000),
        });
        await writeOut(
          context,
          `loaded ${result.rows} records from ${result.units} units into ${database}.${options.table ?? scale.CLICKHOUSE_FLOWS_TABLE} ` +
            `in ${result.seconds.toFixed(1)} s (${Math.round(result.recordsPerSecond)} records/s); ${result.skippedUnits} units were already loaded\n`,
        );
      } finally {
        await connection.close();
        data.close();
      }
    });

  addConnection(nestedCommand(clickhouse, 'query', context).argument('<sql>', 'SQL to run on ClickHouse'))
    .description('run SQL on ClickHouse (default database: flowlens)')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['table', 'json', 'ndjson', 'csv']).default('table'))
    .action(async (sql: string, options: ClickHouseCliOptions & { format: string }) => {
      await runOnClickHouse(context, sql, options);
    });
}

/** Adds the connection options (--url, --database, --table, --user, --password). */
export function addConnection(command: Command): Command {
  return command
    .option('--url <url>', 'ClickHouse HTTP endpoint (default: $FLOWLENS_CLICKHOUSE_URL or http://127.0.0.1:8123)')
    .option('--database <name>', `ClickHouse database (default: ${DEFAULT_CLICKHOUSE_DATABASE})`)
    .option('--table <name>', 'flows table name (default: flows)')
    .option('--user <name>', 'ClickHouse user (default: default)')
    .option('--password <password>', 'ClickHouse password (default: $CLICKHOUSE_PASSWORD or empty)');
}

