import type { Command } from 'commander';
import { Option } from 'commander';
import type { CliContext } from '../context.js';
import { writeErr, writeOut } from '../context.js';
import { logFormatFrom, openData } from '../data.js';
import type { ReadingOptions } from '../options.js';
import { addReadingOptions, parsePositiveInt, parseSelection } from '../options.js';
import { nestedCommand } from './scale-shared.js';

interface ExportOptions extends ReadingOptions {
  out: string;
  partition: 'day' | 'hour';
  compression: 'zstd' | 'snappy';
  rowGroupSize?: string;
  append?: boolean;
  fields?: string;
  overwrite?: boolean;
}

/** `flowlens export parquet --out DIR|s3://bucket/prefix`: Hive-partitioned Parquet with AWS's column names and types. */
export function registerExport(program: Command, context: CliContext): void {
  const exportCommand = program.command('export').description('write flow records for other engines (Parquet for Athena, Spark, DuckDB)');
  addReadingOptions(nestedCommand(exportCommand, 'parquet', context).argument('[source...]', 'sources (default: the database)'), ['table'])
    .description('export records as Hive-partitioned Parquet (year=/month=/day=[/hour=]) with the schema of AWS Parquet flow logs')
    .option('--fields <format>', "fields to write, AWS syntax '${version} ${srcaddr} ...' (default: AWS's v2–v5 Parquet columns plus every other field holding a value)")
    .requiredOption('-o, --out <dir>', 'local directory or s3://bucket/prefix')
    .addOption(new Option('--partition <granularity>', 'partition folders by day or by hour (UTC of `start`)').choices(['day', 'hour']).default('day'))
    .addOption(new Option('--compression <codec>', 'Parquet compression').choices(['zstd', 'snappy']).default('zstd'))
    .option('--row-group-size <rows>', 'rows per row group (default 1048576: large groups scan fastest on Athena)')
    .option('--append', 'add files to a non-empty directory')
    .option('--overwrite', 'replace the contents of a non-empty directory')
    .action(async (sources: string[], options: ExportOptions) => {
      const scale = await import('../../scale/index.js');
      const { presentFieldColumns } = await import('../../query/present-columns.js');
      const data = await openData(context, sources, options, parseSelection(options));
      try {
        const format = options.fields === undefined ? undefined : logFormatFrom({ logFormat: options.fields });
        const columns = format ? scale.parquetColumnsFor(format.columns) : scale.exportColumns(await presentFieldColumns(data.store, data.where));
        const toS3 = options.out.startsWith('s3://');
        const { mkdtemp, rm } = await import('node:fs/promises');
        const { tmpdir } = await import('node:os');
        const { join } = await import('node:path');
        const dir = toS3 ? await mkdtemp(join(tmpdir(), 'flowlens-export-')) : options.out;
        try {
          const { formatBytes } = await import('../../engines/athena/index.js');
          const result = await scale.exportParquet(data.store, {
            outDir: dir,
            columns,
            where: data.where,
            partition: options.partition,
            compression: options.compression,
            rowGroupSize: parsePositiveInt(options.rowGroupSize, '--row-group-size', scale.DEFAULT_ROW_GROUP_SIZE),
            mode: options.overwrite ? 'overwrite' : options.append || toS3 ? 'append' : 'error',
          });
          if (toS3) await upload(context, options, dir, result.files);
          const bytes = result.files.reduce((sum, f) => sum + f.bytes, 0);
          await writeOut(
            context,
            `exported ${result.rows} records into ${result.partitions} partitions, ${result.files.length} files (${formatBytes(bytes)}) at ${options.out}\n` +
              `columns: ${columns.map((c) => `${c.name} ${c.parquetType}`).join(', ')}\n` +
              `create the Athena table with: flowlens athena ddl --format parquet --partition ${options.partition} --location ${toS3 ? options.out : 's3://BUCKET/PREFIX'}` +
              `${sameColumns(columns, scale.AWS_PARQUET_TABLE_COLUMNS) ? '' : ` --log-format '${scale.toLogFormatString(columns)}'`}\n`,
          );
          if (result.skipped > 0) writeErr(context, `warning: ${result.skipped} records without a start time were not exported (no partition can hold them)`);
        } finally {
          if (toS3) await rm(dir, { recursive: true, force: true });
        }
      } finally {
        data.close();
      }
    });
}

async function upload(context: CliContext, options: ExportOptions, dir: string, files: import('../../scale/index.js').ExportedFile[]): Promise<void> {
  const scale = await import('../../scale/index.js');
  const { region, profile, endpointUrl } = options;
  await scale.uploadExport(dir, files, options.out, { region, profile, endpointUrl, env: context.env, concurrency: parsePositiveInt(options.concurrency, '--concurrency', 4) });
}

function sameColumns(a: readonly { name: string }[], b: readonly { name: string }[]): boolean {
  return a.length === b.length && a.every((c, i) => c.name === b[i]?.name);
}
