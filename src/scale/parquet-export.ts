import { mkdir, readdir, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { FlowlensError } from '../records/index.js';
import type { Store } from '../store/index.js';
import { quoteIdentifier, sqlLiteral } from '../sql/index.js';
import { FLOWS_TABLE } from '../store/index.js';
import type { ParquetColumn, PartitionGranularity } from './parquet-schema.js';
import { partitionColumns } from './parquet-schema.js';

/** Parquet compression codecs Athena reads and DuckDB writes. */
export type ParquetCompression = 'zstd' | 'snappy';

/** What to export and how to lay it out. */
export interface ParquetExportOptions {
  /** Local directory that receives `year=/month=/day=[/hour=]` folders. */
  outDir: string;
  columns: readonly ParquetColumn[];
  /** SQL condition on the flows table (the selection); 'TRUE' for everything. */
  where?: string;
  partition?: PartitionGranularity;
  compression?: ParquetCompression;
  /** Rows per row group: Athena splits work by row group, so large groups (~1M rows, tens of MB) scan best. */
  rowGroupSize?: number;
  /** 'error' (default) refuses a non-empty directory, 'append' adds files, 'overwrite' replaces its contents. */
  mode?: 'error' | 'append' | 'overwrite';
}

/** One written file, relative to the export directory. */
export interface ExportedFile {
  path: string;
  bytes: number;
}

/** The outcome of an export. */
export interface ParquetExportResult {
  rows: number;
  /** Records without a `start` time, which no partition can hold. */
  skipped: number;
  files: ExportedFile[];
  partitions: number;
}

/** Default rows per row group (DuckDB's default is 122,880; Athena prefers fewer, larger groups). */
export const DEFAULT_ROW_GROUP_SIZE = 1_048_576;

/** Builds the DuckDB COPY statement that writes the Hive-partitioned Parquet files. */
export function buildExportSql(options: ParquetExportOptions): string {
  const partition = options.partition ?? 'day';
  const where = options.where ?? 'TRUE';
  // make_timestamp(µs) is a zone-less TIMESTAMP, so partitions are UTC whatever the session time zone.
  const ts = `make_timestamp(${quoteIdentifier('start')} * 1000000)`;
  const formats: Record<string, string> = { year: '%Y', month: '%m', day: '%d', hour: '%H' };
  const parts = partitionColumns(partition);
  const select = [
    // AWS's Parquet schema has signed INT_64 counters; the store keeps them unsigned (a value past 2^63-1 fails the cast).
    ...options.columns.map((c) => (c.duckdbType === 'BIGINT' ? `CAST(${quoteIdentifier(c.name)} AS BIGINT) AS ${quoteIdentifier(c.name)}` : quoteIdentifier(c.name))),
    ...parts.map((p) => `strftime(${ts}, ${sqlLiteral(formats[p] ?? '')}) AS ${quoteIdentifier(p)}`),
  ].join(', ');
  const copyOptions = [
    'FORMAT PARQUET',
    `PARTITION_BY (${parts.map(quoteIdentifier).join(', ')})`,
    `COMPRESSION ${options.compression ?? 'zstd'}`,
    `ROW_GROUP_SIZE ${options.rowGroupSize ?? DEFAULT_ROW_GROUP_SIZE}`,
    `FILENAME_PATTERN ${sqlLiteral('flowlens-{uuid}')}`,
    options.mode === 'overwrite' ? 'OVERWRITE true' : 'APPEND true',
  ];
  return (
    `COPY (SELECT ${select} FROM ${FLOWS_TABLE} WHERE (${where}) AND ${quoteIdentifier('start')} IS NOT NULL ` +
    `ORDER BY ${quoteIdentifier('start')}) TO ${sqlLiteral(options.outDir)} (${copyOptions.join(', ')})`
  );
}

/** Writes the selected records as Hive-partitioned Parquet with AWS's column names and types. */
export async function exportParquet(store: Store, options: ParquetExportOptions): Promise<ParquetExportResult> {
  const where = options.where ?? 'TRUE';
  await prepareDirectory(options.outDir, options.mode ?? 'error');
  const counts = await store.query(
    `SELECT count(*) FILTER (WHERE ${quoteIdentifier('start')} IS NOT NULL) AS rows, count(*) FILTER (WHERE ${quoteIdentifier('start')} IS NULL) AS skipped FROM ${FLOWS_TABLE} WHERE ${where}`,
  );
  const row = counts.rows[0] ?? {};
  const rows = Number(row.rows ?? 0);
  if (rows > 0) await store.run(buildExportSql(options));
  const files = await listParquetFiles(options.outDir);
  const partitions = new Set(files.map((f) => f.path.split('/').slice(0, -1).join('/'))).size;
  return { rows, skipped: Number(row.skipped ?? 0), files, partitions };
}

/** Lists the .parquet files under a directory, with paths relative to it ('/'-separated). */
export async function listParquetFiles(dir: string): Promise<ExportedFile[]> {
  const out: ExportedFile[] = [];
  const walk = async (current: string): Promise<void> => {
    const entries = await readdir(current, { withFileTypes: true });
    for (const entry of entries) {
      const full = join(current, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.name.endsWith('.parquet')) out.push({ path: relative(dir, full).split('\\').join('/'), bytes: (await stat(full)).size });
    }
  };
  await walk(dir);
  return out.sort((a, b) => a.path.localeCompare(b.path));
}

async function prepareDirectory(dir: string, mode: 'error' | 'append' | 'overwrite'): Promise<void> {
  await mkdir(dir, { recursive: true });
  if (mode !== 'error') return;
  const entries = await readdir(dir);
  if (entries.length > 0) {
    throw new FlowlensError('export-dir-not-empty', `${dir} is not empty`, {
      hint: 'pass --append to add files next to the existing ones, --overwrite to replace them, or choose another --out',
    });
  }
}
