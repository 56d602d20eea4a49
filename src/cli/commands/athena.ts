import type { Command } from 'commander';
import { Option } from 'commander';
import { UsageError } from '../../records/index.js';
import type { CliContext } from '../context.js';
import { writeErr, writeOut } from '../context.js';
import { logFormatFrom } from '../data.js';
import { splitList } from '../options.js';
import { runOnAthena } from '../remote-engines.js';
import type { AthenaCliOptions } from '../remote-engines.js';
import { addAwsOptions, nestedCommand } from './scale-shared.js';

interface DdlOptions {
  logType: 'vpc' | 's3-access' | 'cloudtrail';
  format: 'text' | 'parquet';
  location?: string;
  table?: string;
  database?: string;
  logFormat?: string;
  partition: 'day' | 'hour';
  startDate?: string;
  endYear?: string;
  accounts?: string;
  regions?: string;
}

const PLACEHOLDER_LOCATION = 's3://amzn-s3-demo-bucket/prefix/';

/** `flowlens athena ddl|query`: table DDL with partition projection, and SQL run on Athena. */
export function registerAthena(program: Command, context: CliContext): void {
  const athena = program.command('athena').description('Amazon Athena: CREATE TABLE statements with partition projection, and queries');
  nestedCommand(athena, 'ddl', context)
    .description('print CREATE EXTERNAL TABLE with partition projection (no MSCK REPAIR or ALTER TABLE ADD PARTITION ever needed)')
    .addOption(new Option('--log-type <type>', 'which logs the table reads').choices(['vpc', 's3-access', 'cloudtrail']).default('vpc'))
    .addOption(new Option('--format <format>', 'VPC flow logs: text as AWS delivers it, or a `flowlens export parquet` prefix').choices(['text', 'parquet']).default('text'))
    .option('--location <s3uri>', 'text: the prefix holding AWSLogs/; parquet: the export prefix; s3-access: the log destination prefix')
    .option('--table <name>', 'table name (default: vpc_flow_logs, vpc_flow_logs_parquet, s3_access_logs or cloudtrail_logs)')
    .option('--database <name>', 'database to create the table in')
    .option('--log-format <format>', "the flow log's fields, AWS syntax '${version} ${srcaddr} ...' (default: text, the v2 format; parquet, AWS's v2–v5 columns)")
    .addOption(new Option('--partition <granularity>', 'parquet: day or hour partitions, as exported').choices(['day', 'hour']).default('day'))
    .option('--start-date <yyyy/MM/dd>', 'first day the projection covers (default 2018/01/01)')
    .option('--end-year <year>', 'parquet: last projected year (default: this year + 5)')
    .option('--accounts <ids>', 'account ids to project (comma-separated; default: injected, name it in WHERE)')
    .option('--regions <names>', 'regions to project (comma-separated; default: injected)')
    .addOption(
      new Option('--partition-layout <layout>', 'text: account-region-day (default) or year-month-day (one account and region); s3-access: date-based (default) or flat')
        .choices(['account-region-day', 'year-month-day', 'date-based', 'flat']),
    )
    .action(async (options: DdlOptions & { partitionLayout?: string }) => {
      const scale = await import('../../scale/index.js');
      if (options.location === undefined) writeErr(context, `note: no --location given; replace ${PLACEHOLDER_LOCATION} with your bucket and prefix`);
      const common = {
        table: options.table,
        database: options.database,
        location: options.location ?? PLACEHOLDER_LOCATION,
        startDate: options.startDate,
        accounts: splitList(options.accounts),
        regions: splitList(options.regions),
      };
      const layout = options.partitionLayout;
      const fits = layout === undefined || (options.logType === 's3-access' ? ['date-based', 'flat'] : options.logType === 'vpc' && options.format === 'text' ? ['account-region-day', 'year-month-day'] : []).includes(layout);
      if (!fits) throw new UsageError(`--partition-layout ${layout} does not apply to --log-type ${options.logType} --format ${options.format}`, { hint: 'text flow logs: account-region-day or year-month-day; s3-access: date-based or flat' });
      let spec;
      if (options.logType === 's3-access') spec = scale.buildS3AccessLogTable({ ...common, layout: layout as 'date-based' | 'flat' | undefined });
      else if (options.logType === 'cloudtrail') spec = scale.buildCloudTrailTable(common);
      else {
        const format = logFormatFrom(options);
        const fallback = options.format === 'parquet' ? scale.AWS_PARQUET_TABLE_COLUMNS : scale.DEFAULT_PARQUET_COLUMNS;
        const columns = format ? scale.parquetColumnsFor(format.columns) : [...fallback];
        const endYear = options.endYear === undefined ? undefined : Number(options.endYear);
        if (endYear !== undefined && !Number.isInteger(endYear)) throw new UsageError(`--end-year "${options.endYear}" is not a year`);
        const flowOptions = { ...common, columns, partition: options.partition, endYear, layout: layout as 'account-region-day' | 'year-month-day' | undefined };
        spec = options.format === 'parquet' ? scale.buildParquetFlowLogTable(flowOptions) : scale.buildTextFlowLogTable(flowOptions);
      }
      await writeOut(context, scale.renderCreateTable(spec));
    });

  addAthenaOptions(nestedCommand(athena, 'query', context).argument('<sql>', 'SQL to run on Athena (Trino dialect)'))
    .description('run SQL on Athena and print the result, the data scanned and its cost')
    .action(async (sql: string, options: AthenaCliOptions) => {
      await runOnAthena(context, sql, options);
    });
}

/** Adds the options of commands that run on Athena. */
export function addAthenaOptions(command: Command): Command {
  return addAwsOptions(command)
    .option('--workgroup <name>', 'Athena workgroup (default: primary)')
    .option('--output <s3uri>', "s3:// prefix for result files (default: the workgroup's)")
    .option('--database <name>', 'Glue database of the table')
    .option('--catalog <name>', 'data catalog (default: AwsDataCatalog)')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['table', 'json', 'ndjson', 'csv']).default('table'));
}

