import { UsageError } from '../records/index.js';
import { backquoteIdentifier, backslashStringLiteral, quoteIdentifier, sqlLiteral } from '../sql/index.js';
import type { ParquetColumn, PartitionGranularity } from './parquet-schema.js';
import { partitionColumns } from './parquet-schema.js';

/** A Hive/Athena column: name and type as written in DDL. */
export interface HiveColumn {
  name: string;
  type: string;
}

/** Everything a CREATE EXTERNAL TABLE statement says, before rendering. */
export interface AthenaTableSpec {
  database?: string | undefined;
  table: string;
  columns: HiveColumn[];
  partitions: HiveColumn[];
  /** The ROW FORMAT ... STORED AS ... clauses, already rendered. */
  storage: string;
  location: string;
  properties: Record<string, string>;
}

/** Options of the flow-log tables. */
export interface FlowLogTableOptions {
  table?: string | undefined;
  database?: string | undefined;
  /** s3://bucket/prefix: for text, the prefix holding AWSLogs/; for Parquet, the `flowlens export parquet` prefix. */
  location: string;
  columns: readonly ParquetColumn[];
  /** Parquet exports: day (year/month/day) or hour partitions. */
  partition?: PartitionGranularity | undefined;
  /** First day of the projected range, yyyy/MM/dd (text) — its year starts the Parquet year range. */
  startDate?: string | undefined;
  /** Last projected year for Parquet exports (integer projection needs an upper bound). */
  endYear?: number | undefined;
  /** Text layout: account ids and regions to project; without them the partition is `injected` (queries must name it). */
  accounts?: readonly string[] | undefined;
  regions?: readonly string[] | undefined;
  /**
   * Text: `account-region-day` (default; one table over every account and region) or `year-month-day` (one table per
   * account and region, partitioned like the seeds' and the Athena console's daily tables).
   */
  layout?: TextPartitionLayout | undefined;
}

/** How a text flow-log table is partitioned (see FlowLogTableOptions.layout). */
export type TextPartitionLayout = 'account-region-day' | 'year-month-day';

/** The default first projected day: VPC Flow Logs to S3 were launched in 2018; older data is rare. */
export const DEFAULT_START_DATE = '2018/01/01';

const TEXT_STORAGE = [
  "ROW FORMAT DELIMITED FIELDS TERMINATED BY ' '",
  "STORED AS INPUTFORMAT 'org.apache.hadoop.mapred.TextInputFormat'",
  "OUTPUTFORMAT 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat'",
].join('\n');

const PARQUET_STORAGE = [
  "ROW FORMAT SERDE 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe'",
  "STORED AS INPUTFORMAT 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat'",
  "OUTPUTFORMAT 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat'",
].join('\n');

/**
 * The table over flow logs delivered by AWS as text to S3 (AWSLogs/{account}/vpcflowlogs/{region}/yyyy/MM/dd/),
 * with partition projection so no MSCK REPAIR TABLE or ALTER TABLE ADD PARTITION is ever needed
 * (Athena User Guide, "Create and query a table for Amazon VPC flow logs using partition projection").
 */
export function buildTextFlowLogTable(options: FlowLogTableOptions): AthenaTableSpec {
  if (options.layout === 'year-month-day') return buildDailyTextTable(options);
  const location = withTrailingSlash(checkS3(options.location));
  const startDate = checkDate(options.startDate ?? DEFAULT_START_DATE);
  const properties: Record<string, string> = {
    // Each delivered file starts with a header line naming the fields.
    'skip.header.line.count': '1',
    'projection.enabled': 'true',
    ...listProjection('aws_account', options.accounts),
    ...listProjection('aws_region', options.regions),
    'projection.day.type': 'date',
    'projection.day.range': `${startDate},NOW`,
    'projection.day.format': 'yyyy/MM/dd',
    'projection.day.interval': '1',
    'projection.day.interval.unit': 'DAYS',
    'storage.location.template': `${location}AWSLogs/\${aws_account}/vpcflowlogs/\${aws_region}/\${day}`,
  };
  return {
    database: options.database,
    table: options.table ?? 'vpc_flow_logs',
    columns: options.columns.map((c) => ({ name: c.name, type: c.athenaType })),
    partitions: [
      { name: 'aws_account', type: 'string' },
      { name: 'aws_region', type: 'string' },
      { name: 'day', type: 'string' },
    ],
    storage: TEXT_STORAGE,
    location,
    properties,
  };
}

/**
 * The text table of one account and region partitioned by year, month and day (integer projection, two-digit month
 * and day), over AWSLogs/{account}/vpcflowlogs/{region}/yyyy/MM/dd/: every predicate on the partitions works, so
 * `year='2021' AND month='12' AND day='04'` and flowlens's date ranges both prune.
 */
function buildDailyTextTable(options: FlowLogTableOptions): AthenaTableSpec {
  const [account, region] = [options.accounts ?? [], options.regions ?? []];
  if (account.length !== 1 || region.length !== 1) {
    throw new UsageError('--partition-layout year-month-day makes a table for one account and one region: pass one --accounts and one --regions value', {
      hint: 'make one table per account and region, or use the default account-region-day layout for all of them',
    });
  }
  const base = `${withTrailingSlash(checkS3(options.location))}AWSLogs/${account[0]}/vpcflowlogs/${region[0]}/`;
  const startYear = Number(checkDate(options.startDate ?? DEFAULT_START_DATE).slice(0, 4));
  const endYear = options.endYear ?? new Date().getUTCFullYear() + 5;
  const properties: Record<string, string> = {
    'skip.header.line.count': '1',
    'projection.enabled': 'true',
    'projection.year.type': 'integer',
    'projection.year.range': `${startYear},${endYear}`,
    'projection.month.type': 'integer',
    'projection.month.range': '1,12',
    'projection.month.digits': '2',
    'projection.day.type': 'integer',
    'projection.day.range': '1,31',
    'projection.day.digits': '2',
    'storage.location.template': `${base}\${year}/\${month}/\${day}`,
  };
  return {
    database: options.database,
    table: options.table ?? 'vpc_flow_logs',
    columns: options.columns.map((c) => ({ name: c.name, type: c.athenaType })),
    partitions: ['year', 'month', 'day'].map((name) => ({ name, type: 'string' })),
    storage: TEXT_STORAGE,
    location: base,
    properties,
  };
}

/** The table over a `flowlens export parquet` prefix (Hive-style year=/month=/day=[/hour=]), with integer partition projection. */
export function buildParquetFlowLogTable(options: FlowLogTableOptions): AthenaTableSpec {
  const location = withTrailingSlash(checkS3(options.location));
  const startYear = Number(checkDate(options.startDate ?? DEFAULT_START_DATE).slice(0, 4));
  const endYear = options.endYear ?? new Date().getUTCFullYear() + 5;
  if (endYear < startYear) throw new UsageError(`the projected years end (${endYear}) before they start (${startYear})`);
  const parts = partitionColumns(options.partition ?? 'day');
  const ranges: Record<string, [string, string]> = { year: [String(startYear), String(endYear)], month: ['1', '12'], day: ['1', '31'], hour: ['0', '23'] };
  const properties: Record<string, string> = { 'projection.enabled': 'true' };
  for (const part of parts) {
    const [low, high] = ranges[part] ?? ['0', '0'];
    properties[`projection.${part}.type`] = 'integer';
    properties[`projection.${part}.range`] = `${low},${high}`;
    // Folder names are zero-padded (month=01), as `flowlens export parquet` and AWS's Hive-compatible prefixes write them.
    if (part !== 'year') properties[`projection.${part}.digits`] = '2';
  }
  properties['storage.location.template'] = location + parts.map((p) => `${p}=\${${p}}`).join('/');
  return {
    database: options.database,
    table: options.table ?? 'vpc_flow_logs_parquet',
    columns: options.columns.map((c) => ({ name: c.name, type: c.athenaType })),
    partitions: parts.map((name) => ({ name, type: 'string' })),
    storage: PARQUET_STORAGE,
    location,
    properties,
  };
}

/** Renders CREATE EXTERNAL TABLE IF NOT EXISTS for Athena (Hive DDL: backquoted names, single-quoted properties). */
export function renderCreateTable(spec: AthenaTableSpec): string {
  const name = spec.database ? `${quoteHiveIdentifier(spec.database)}.${quoteHiveIdentifier(spec.table)}` : quoteHiveIdentifier(spec.table);
  const columns = spec.columns.map((c) => `  ${quoteHiveIdentifier(c.name)} ${c.type}`).join(',\n');
  const lines = [`CREATE EXTERNAL TABLE IF NOT EXISTS ${name} (`, columns, ')'];
  if (spec.partitions.length > 0) {
    lines.push(`PARTITIONED BY (${spec.partitions.map((p) => `${quoteHiveIdentifier(p.name)} ${p.type}`).join(', ')})`);
  }
  lines.push(spec.storage, `LOCATION ${hiveString(spec.location)}`);
  const properties = Object.entries(spec.properties).map(([k, v]) => `  ${hiveString(k)} = ${hiveString(v)}`);
  if (properties.length > 0) lines.push('TBLPROPERTIES (', properties.join(',\n'), ')');
  return `${lines.join('\n')};\n`;
}

/** Quotes a Hive identifier with backquotes (Athena DDL uses Hive syntax; `end` is reserved). */
export function quoteHiveIdentifier(name: string): string {
  return backquoteIdentifier(name);
}

/** A single-quoted Hive string literal (backslash and quote escaped). */
export function hiveString(value: string): string {
  return backslashStringLiteral(value);
}

function listProjection(column: string, values: readonly string[] | undefined): Record<string, string> {
  // Injected projection: Athena takes the value from the query's WHERE clause, so any account/region works.
  if (!values || values.length === 0) return { [`projection.${column}.type`]: 'injected' };
  return { [`projection.${column}.type`]: 'enum', [`projection.${column}.values`]: values.join(',') };
}

function checkS3(location: string): string {
  if (!/^s3:\/\/[^/]+/.test(location)) throw new UsageError(`--location "${location}" is not an s3://bucket/prefix location`);
  return location;
}

function withTrailingSlash(location: string): string {
  return location.endsWith('/') ? location : `${location}/`;
}

function checkDate(date: string): string {
  const normalized = date.replaceAll('-', '/');
  if (!/^\d{4}\/\d{2}\/\d{2}$/.test(normalized)) throw new UsageError(`"${date}" is not a date like 2024/01/31`);
  return normalized;
}

const DUCKDB_TYPES: Record<string, string> = { int: 'INTEGER', bigint: 'BIGINT', string: 'VARCHAR' };

/**
 * A DuckDB view with exactly the columns and types of a Parquet table spec, over a local copy of its location:
 * what Athena would show, for checking exports and for running the same SQL locally.
 */
export function renderDuckDbView(spec: AthenaTableSpec, localRoot: string, viewName: string = spec.table): string {
  const columns = [...spec.columns, ...spec.partitions].map((c) => {
    const type = DUCKDB_TYPES[c.type];
    if (!type) throw new UsageError(`column ${c.name} has type ${c.type}, which has no DuckDB equivalent here`);
    return `CAST(${quoteIdentifier(c.name)} AS ${type}) AS ${quoteIdentifier(c.name)}`;
  });
  const glob = `${localRoot.replace(/\/+$/, '')}/**/*.parquet`;
  return (
    `CREATE OR REPLACE VIEW ${quoteIdentifier(viewName)} AS SELECT ${columns.join(', ')} ` +
    `FROM read_parquet(${sqlLiteral(glob)}, hive_partitioning = true, hive_types_autocast = false, union_by_name = true)`
  );
}
