import { ALL_FIELDS, UsageError, toColumnName } from '../records/index.js';
import type { FieldDefinition } from '../records/index.js';
import type { ClickHouseClient } from '@clickhouse/client';
import { backquoteIdentifier, backslashStringLiteral } from '../sql/index.js';
import type { ClickHouseFeatures } from '../engines/clickhouse/index.js';

/** The default table name, the same as the DuckDB store's, so report SQL runs unchanged. */
export const CLICKHOUSE_FLOWS_TABLE = 'flows';
/** The ledger of loaded store units (one row per flows table and source object), for idempotent loads. */
export const CLICKHOUSE_UNITS_TABLE = 'flowlens_units';

/** Where the table lives. */
export interface ClickHouseTableOptions {
  database: string;
  table?: string;
  features: ClickHouseFeatures;
  /** Create a column for every field now (clusters, where adding columns later means ALTER ... ON CLUSTER). */
  allFields?: boolean;
}

// Fields with unbounded distinct values stay plain strings; every other string field is an id or an enum
// with few distinct values, which LowCardinality dictionary-encodes.
const HIGH_CARDINALITY = new Set(['ecs-task-arn', 'ecs-task-id', 'ecs-container-id', 'ecs-second-container-id', 'resource-id']);

/** The ClickHouse type of a flow-log field: nullable, since AWS writes '-' for a missing value. */
export function clickHouseTypeOf(field: FieldDefinition, features: ClickHouseFeatures): string {
  const codec = features.modern ? ' CODEC(ZSTD(1))' : '';
  switch (field.kind) {
    case 'int32':
      return `Nullable(Int32)${codec}`;
    case 'int64':
      return `Nullable(Int64)${codec}`;
    case 'address':
      return `Nullable(String)${codec}`;
    default:
      return HIGH_CARDINALITY.has(field.name) || !features.modern ? `Nullable(String)${codec}` : `LowCardinality(Nullable(String))${codec}`;
  }
}

/** The field columns loaded from the store, in AWS order. */
export const CLICKHOUSE_FIELD_COLUMNS: readonly string[] = ALL_FIELDS.map((f) => toColumnName(f.name));

/**
 * The fields the table starts with: AWS's documented v2–v5 columns, which the reports name. Other fields are added
 * by `clickhouse load` when the data has them: every column costs insert time even when NULL, so a
 * table holds only the fields some flow log uses.
 */
export const CLICKHOUSE_BASE_FIELDS: readonly FieldDefinition[] = ALL_FIELDS.filter((f) => f.version <= 5);

/** CREATE DATABASE / TABLE statements: flows partitioned by day, ordered for address lookups and pair aggregation. */
export function clickHouseSchemaStatements(options: ClickHouseTableOptions): string[] {
  const db = quoteClickHouseIdentifier(options.database);
  const table = `${db}.${quoteClickHouseIdentifier(options.table ?? CLICKHOUSE_FLOWS_TABLE)}`;
  const f = options.features;
  const fields = options.allFields ? ALL_FIELDS : CLICKHOUSE_BASE_FIELDS;
  const fieldColumns = fields.map((field) => `  ${quoteClickHouseIdentifier(toColumnName(field.name))} ${clickHouseTypeOf(field, f)}`);
  const derived = [
    // A non-null time for the partition and sort keys (Nullable columns cannot be keys on older servers).
    `  ts DateTime DEFAULT toDateTime(ifNull(start, 0))${f.modern ? ' CODEC(Delta, ZSTD(1))' : ''}`,
    `  src_ip ${ipType(f)} DEFAULT ${ipExpression('srcaddr', f)}`,
    `  dst_ip ${ipType(f)} DEFAULT ${ipExpression('dstaddr', f)}`,
    // Which store unit (source object) the row came from: the key of idempotent reloads.
    `  unit_hash UInt64`,
  ];
  return [
    `CREATE DATABASE IF NOT EXISTS ${db}`,
    [
      `CREATE TABLE IF NOT EXISTS ${table} (`,
      [...fieldColumns, ...derived].join(',\n'),
      ')',
      'ENGINE = MergeTree',
      'PARTITION BY toYYYYMMDD(ts)',
      'ORDER BY (src_ip, dst_ip, ts)',
    ].join('\n'),
    [
      `CREATE TABLE IF NOT EXISTS ${db}.${quoteClickHouseIdentifier(CLICKHOUSE_UNITS_TABLE)} (`,
      '  table_name String, unit_hash UInt64, source String, unit_key String, fingerprint String, records UInt64, loaded_at DateTime',
      ')',
      'ENGINE = ReplacingMergeTree',
      'ORDER BY (table_name, unit_hash)',
    ].join('\n'),
  ];
}

/** The distributed variant for a cluster: a local MergeTree table on each shard plus a Distributed table over them. */
export function clickHouseClusterStatements(options: ClickHouseTableOptions & { cluster: string }): string[] {
  const local = `${options.table ?? CLICKHOUSE_FLOWS_TABLE}_local`;
  const [createDb, createLocal, createUnits] = clickHouseSchemaStatements({ ...options, table: local, allFields: true });
  const onCluster = ` ON CLUSTER ${quoteClickHouseIdentifier(options.cluster)}`;
  const db = quoteClickHouseIdentifier(options.database);
  return [
    `${createDb}${onCluster}`,
    (createLocal ?? '').replace(/^(CREATE TABLE IF NOT EXISTS \S+)/, `$1${onCluster}`),
    (createUnits ?? '').replace(/^(CREATE TABLE IF NOT EXISTS \S+)/, `$1${onCluster}`),
    `CREATE TABLE IF NOT EXISTS ${db}.${quoteClickHouseIdentifier(options.table ?? CLICKHOUSE_FLOWS_TABLE)}${onCluster} AS ${db}.${quoteClickHouseIdentifier(local)}\n` +
      `ENGINE = Distributed(${quoteClickHouseIdentifier(options.cluster)}, ${db}, ${quoteClickHouseIdentifier(local)}, unit_hash)`,
  ];
}

/** Backquotes a ClickHouse identifier; database and table names are limited to letters, digits and '_'. */
export function quoteClickHouseIdentifier(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
    throw new UsageError(`"${name}" is not a valid ClickHouse name`, { hint: 'use letters, digits and _ (not starting with a digit)' });
  }
  return backquoteIdentifier(name);
}

/** A ClickHouse string literal: single quotes, backslash escapes. */
export function clickHouseString(value: string): string {
  return backslashStringLiteral(value);
}

function ipType(features: ClickHouseFeatures): string {
  return features.modern ? 'IPv6' : 'FixedString(16)';
}

function ipExpression(column: string, features: ClickHouseFeatures): string {
  // Both map IPv4 text into ::ffff:0:0/96, like the store's src_ip/dst_ip, so one CIDR test covers both families.
  if (features.modern) return `toIPv6OrDefault(ifNull(${column}, ''))`;
  const text = `ifNull(${column}, '')`;
  return `if(IPv4StringToNum(${text}) != 0 OR ${text} = '0.0.0.0', IPv4ToIPv6(IPv4StringToNum(${text})), IPv6StringToNum(${text}))`;
}

/** ALTER TABLE statements adding the field columns a table lacks (names snake_case). */
export function addColumnStatements(options: ClickHouseTableOptions, existing: ReadonlySet<string>, wanted: readonly string[]): string[] {
  const table = `${quoteClickHouseIdentifier(options.database)}.${quoteClickHouseIdentifier(options.table ?? CLICKHOUSE_FLOWS_TABLE)}`;
  return ALL_FIELDS.filter((field) => wanted.includes(toColumnName(field.name)) && !existing.has(toColumnName(field.name))).map(
    (field) => `ALTER TABLE ${table} ADD COLUMN ${quoteClickHouseIdentifier(toColumnName(field.name))} ${clickHouseTypeOf(field, options.features)}`,
  );
}

/** Creates the database, the flows table and the load ledger when missing; returns the statements run. */
export async function ensureClickHouseSchema(client: ClickHouseClient, options: ClickHouseTableOptions): Promise<string[]> {
  const statements = clickHouseSchemaStatements(options);
  for (const query of statements) await client.command({ query });
  return statements;
}
