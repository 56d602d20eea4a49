import { ALL_FIELDS, toColumnName } from '../records/index.js';
import type { FieldDefinition } from '../records/index.js';
import { quoteIdentifier } from './sql-text.js';
import { logSchemaStatements } from './log-schema.js';
import { IPV4_MAPPED_BASE } from '../sql/ipv4-mapped.js';

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

/**
 * How a new store keeps a field column: as numbers or small codes instead of text, with the text made again in the
 * `flows` view. `columns` are the physical columns that replace the field (with their types), `codes` the values of an
 * enum field (stored as their 1-based position), and `view` is the field's value in the view, made from the physical
 * columns. Ingest's chunk files hold the physical columns already (see ChunkTable). A store created before this
 * layout keeps the field's own text column.
 */
export interface NarrowForm {
  readonly columns: readonly { readonly name: string; readonly type: string }[];
  readonly codes?: readonly string[];
  view(p: (name: string) => string): string;
}

const ACTION_CODES = ['ACCEPT', 'REJECT'] as const;
const LOG_STATUS_CODES = ['OK', 'NODATA', 'SKIPDATA'] as const;
const IPV4_BASE = Number(IPV4_MAPPED_BASE);

// An enum field as a UTINYINT code 1…n (the token parser accepts only these values; anything else is NULL).
function enumForm(name: string, values: readonly string[]): NarrowForm {
  const code = `${name}_code`;
  return {
    columns: [{ name: code, type: 'UTINYINT' }],
    codes: values,
    view: (p) => `CAST(CASE ${p(code)} ${values.map((v, i) => `WHEN ${i + 1} THEN '${v}'`).join(' ')} END AS VARCHAR)`,
  };
}

// An address as its 128-bit number (src_ip/dst_ip, always stored) and, only when that number does not give the text
// back (IPv6, an IPv4 written with leading zeros), the text itself in a side column the unit writer fills.
function addressForm(number: string, side: string): NarrowForm {
  return {
    columns: [{ name: side, type: 'VARCHAR' }],
    view: (p) => `coalesce(${p(side)}, ${ipv4TextSql(p(number))})`,
  };
}

/** Dotted-quad text of an IPv4-mapped 128-bit number (NULL for any other number). */
export function ipv4TextSql(number: string): string {
  // UHUGEINT bounds: compared with a smaller integer type, an IPv6 number above 2^127 would not convert. In range, the
  // number fits a BIGINT whose low 32 bits are the address: one narrowing cast, then 64-bit shifts, costs less per row
  // than 128-bit arithmetic for each octet (the view renders every printed address).
  const v = `CAST(${number} AS BIGINT)`;
  const octet = (shift: number): string => `CAST((${v} >> ${shift}) & 255 AS VARCHAR)`;
  return `CASE WHEN ${number} BETWEEN ${IPV4_BASE}::UHUGEINT AND ${IPV4_BASE + 4294967295}::UHUGEINT THEN concat(${octet(24)}, '.', ${octet(16)}, '.', ${octet(8)}, '.', ${octet(0)}) END`;
}

/** The field columns a new store keeps in another form (see NarrowForm). */
export const NARROW_FORMS: ReadonlyMap<string, NarrowForm> = new Map([
  ['srcaddr', addressForm('src_ip', 'src_text')],
  ['dstaddr', addressForm('dst_ip', 'dst_text')],
  ['action', enumForm('action', ACTION_CODES)],
  ['log_status', enumForm('log_status', LOG_STATUS_CODES)],
]);

/** The stored code (see NarrowForm) of an enum field's text `text`, as SQL: NULL for any other text. */
export function enumCodeSql(field: string, text: string): string {
  const codes = NARROW_FORMS.get(field)?.codes;
  if (!codes) throw new Error(`${field} is not an enum field`);
  return `CASE ${text} ${codes.map((v, i) => `WHEN '${v}' THEN ${i + 1}`).join(' ')} END`;
}

/** True when the physical table keeps field text columns (a store created before the narrow layout). */
export function isTextLayout(stored: ReadonlySet<string>): boolean {
  return stored.has('srcaddr');
}

/** The physical columns (name and type) that hold a field column in the given layout. */
export function physicalColumnsOf(column: string, textLayout: boolean): { name: string; type: string }[] {
  const narrow = textLayout ? undefined : NARROW_FORMS.get(column);
  if (narrow) return [...narrow.columns];
  const type = FLOW_COLUMNS.find((c) => c.name === column)?.type;
  if (!type) throw new Error(`no stored type for column ${column}`);
  return [{ name: column, type }];
}

/** Columns the physical table always has: the default (v2) format's fields (in their narrow form) and the bookkeeping columns. */
export const BASE_COLUMNS: readonly string[] = [
  ...FLOW_COLUMNS.filter((c) => c.field?.version === 2 && !c.field.name.startsWith('tgw')).flatMap((c) => physicalColumnsOf(c.name, false).map((p) => p.name)),
  'src_ip',
  'dst_ip',
  'event_id',
  'unit_id',
];

const PHYSICAL_TYPES = new Map<string, string>([
  ...FLOW_COLUMNS.map((c): [string, string] => [c.name, c.type]),
  ...[...NARROW_FORMS.values()].flatMap((f) => f.columns.map((c): [string, string] => [c.name, c.type])),
]);

/**
 * A column definition of a new table. 128-bit address numbers are run-length encoded: DuckDB unpacks bit-packed
 * UHUGEINT values narrower than 32 bits (addresses of one subnet) about 20 times slower than plain ones, and every
 * scan that tests or groups an address decodes them; ingest writes a chunk's records ordered by source and then
 * destination address, and the rollups' keys come grouped, so runs keep the columns small. A table created before
 * keeps DuckDB's own choice.
 */
export function columnDefinitionSql(name: string, type: string): string {
  return `${quoteIdentifier(name)} ${type}${type === 'UHUGEINT' ? ' USING COMPRESSION rle' : ''}`;
}

/** SQL statements that create the store's tables and sequences when missing. */
export function schemaStatements(): string[] {
  const columns = BASE_COLUMNS.map((name) => columnDefinitionSql(name, PHYSICAL_TYPES.get(name) as string)).join(',\n  ');
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

/**
 * The `flows` view over the physical table: every documented column with its documented type, made from its narrow
 * form when the store keeps one, typed NULL for the ones not stored yet.
 */
export function flowsViewSql(storedColumns: ReadonlySet<string>): string {
  return `CREATE OR REPLACE VIEW ${FLOWS_TABLE} AS SELECT ${flowColumnsSql(storedColumns)} FROM ${FLOW_RECORDS_TABLE}`;
}

/** The select list of the `flows` view (see flowsViewSql); `prefix` qualifies the physical columns (e.g. `r.`). */
export function flowColumnsSql(storedColumns: ReadonlySet<string>, prefix = ''): string {
  return FLOW_COLUMNS.map((c) => `${storedValueSql(c.name, storedColumns, prefix) ?? `CAST(NULL AS ${c.type})`} AS ${quoteIdentifier(c.name)}`).join(', ');
}

/** A flows column's value made from the physical columns, or undefined when the store does not hold it. */
export function storedValueSql(column: string, storedColumns: ReadonlySet<string>, prefix = ''): string | undefined {
  if (storedColumns.has(column)) return `${prefix}${quoteIdentifier(column)}`;
  const narrow = isTextLayout(storedColumns) ? undefined : NARROW_FORMS.get(column);
  if (narrow && narrow.columns.every((c) => storedColumns.has(c.name))) return narrow.view((name) => `${prefix}${quoteIdentifier(name)}`);
  return undefined;
}
