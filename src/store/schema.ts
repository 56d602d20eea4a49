import { ALL_FIELDS, toColumnName } from '../records/index.js';
import type { FieldDefinition } from '../records/index.js';
import { quoteIdentifier } from './sql-text.js';
import { logSchemaStatements } from './log-schema.js';

/** The view every query reads: all known columns, NULL where no ingested format had the field. */
export const FLOWS_TABLE = 'flows';

/** The physical table: only the columns some ingested format had (added on demand), so inserts skip dozens of all-NULL columns. */
export const FLOW_RECORDS_TABLE = 'flow_records';

/** The DuckDB type a field is stored as: integers typed (64-bit counters unsigned, up to 2^64-1), addresses and strings as VARCHAR. */
export function duckdbTypeOf(field: FieldDefinition): string {
  switch (field.kind) {
    case 'int32':
      return 'INTEGER';
    case 'int64':
      return field.name === 'start' || field.name === 'end' ? 'BIGINT' : 'UBIGINT';
    default:
      return 'VARCHAR';
  }
}

/** A stored column: name, DuckDB type, and where its value comes from. */
export interface StoredColumn {
  name: string;
  type: string;
  field?: FieldDefinition;
  description: string;
}

/** Every column of the flows table, in order: the AWS fields, then flowlens's derived and bookkeeping columns. */
export const FLOW_COLUMNS: readonly StoredColumn[] = [
  ...ALL_FIELDS.map((field) => ({
    name: toColumnName(field.name),
    type: duckdbTypeOf(field),
    field,
    description: field.description,
  })),
  { name: 'src_ip', type: 'UHUGEINT', description: 'srcaddr as a 128-bit number (IPv4 mapped into ::ffff:0:0/96), for fast CIDR tests and grouping.' },
  { name: 'dst_ip', type: 'UHUGEINT', description: 'dstaddr as a 128-bit number, like src_ip.' },
  { name: 'event_id', type: 'VARCHAR', description: 'CloudWatch Logs event id when the record came from CloudWatch, else null.' },
  { name: 'unit_id', type: 'INTEGER', description: 'The ingested file/object/batch the record came from (ingest_units.unit_id).' },
];

/** Columns the physical table always has: the default (v2) format's fields and the bookkeeping columns. */
export const BASE_COLUMNS: readonly string[] = [
  ...FLOW_COLUMNS.filter((c) => c.field?.version === 2 && !c.field.name.startsWith('tgw')).map((c) => c.name),
  'src_ip',
  'dst_ip',
  'event_id',
  'unit_id',
];

/** SQL statements that create the store's tables and sequences when missing. */
export function schemaStatements(): string[] {
  const columns = FLOW_COLUMNS.filter((c) => BASE_COLUMNS.includes(c.name))
    .map((c) => `${quoteIdentifier(c.name)} ${c.type}`)
    .join(',\n  ');
  return [
    `CREATE TABLE IF NOT EXISTS ${FLOW_RECORDS_TABLE} (\n  ${columns}\n)`,
    'CREATE SEQUENCE IF NOT EXISTS ingest_unit_seq START 1',
    `CREATE TABLE IF NOT EXISTS ingest_units (
  unit_id INTEGER PRIMARY KEY,
  source VARCHAR NOT NULL,
  unit_key VARCHAR NOT NULL,
  fingerprint VARCHAR NOT NULL,
  content_hash VARCHAR,
  records BIGINT NOT NULL,
  bad_lines BIGINT NOT NULL,
  duplicates BIGINT NOT NULL DEFAULT 0,
  completed_at TIMESTAMP NOT NULL
)`,
    `CREATE TABLE IF NOT EXISTS rejects (
  unit_id INTEGER,
  source VARCHAR,
  line BIGINT,
  code VARCHAR,
  field VARCHAR,
  message VARCHAR,
  text VARCHAR,
  text_length BIGINT
)`,
    // text holds at most an excerpt of a long line; text_length its whole length (stores made before it lack it).
    'ALTER TABLE rejects ADD COLUMN IF NOT EXISTS text_length BIGINT',
    'CREATE TABLE IF NOT EXISTS ingest_cursors (source VARCHAR PRIMARY KEY, cursor VARCHAR NOT NULL, updated_at TIMESTAMP NOT NULL)',
    ...logSchemaStatements(),
  ];
}

/** The `flows` view over the physical table: every documented column, typed NULL for the ones not stored yet. */
export function flowsViewSql(storedColumns: ReadonlySet<string>): string {
  const select = FLOW_COLUMNS.map((c) =>
    storedColumns.has(c.name) ? quoteIdentifier(c.name) : `CAST(NULL AS ${c.type}) AS ${quoteIdentifier(c.name)}`,
  ).join(', ');
  return `CREATE OR REPLACE VIEW ${FLOWS_TABLE} AS SELECT ${select} FROM ${FLOW_RECORDS_TABLE}`;
}
