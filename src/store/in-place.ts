import type { LogFormat, ParseIssue } from '../parse/index.js';
import { FlowLogDecoder, inspectHeader, tokenizeLine } from '../parse/index.js';
import { toColumnName } from '../records/index.js';
import type { FieldDefinition, FieldValue } from '../records/index.js';
import type { InPlaceGroup, InPlacePlan } from '../sources/in-place.js';
import { flowsColumnsRead } from './columns-read.js';
import type { Store } from './database.js';
import { ROLLUP_UNITS_TABLE } from './rollups.js';
import { FLOW_COLUMNS, FLOWS_TABLE } from './schema.js';
import type { StoredColumn } from './schema.js';
import { quoteIdentifier, sqlLiteral } from './sql-text.js';

/** How the flows of files read in place are offered: a view over the files, or a table loaded from them once. */
export type InPlaceMode = 'view' | 'table';

/** What `table` mode loads: the fields the given SELECT statements read (all fields when not given). */
export interface InPlaceLoadOptions {
  /** The SELECT statements the loaded `flows` will answer: only the fields they name are loaded. */
  reads?: readonly string[] | undefined;
  /** The selection's condition on `flows` (its fields are loaded too). */
  where?: string;
}

/** The table `table` mode loads (the `flows` view of the store then reads it). */
export const IN_PLACE_TABLE = 'in_place_flows';

/** Bad lines of files read in place, judged as ingest judges them, and the lines ingest would have read but DuckDB refused. */
export interface InPlaceRejects {
  /** Lines ingest too refuses, with its code and message. */
  issues: ParseIssue[];
  /** Records ingest reads that DuckDB refused (e.g. doubled spaces): added to the records as ingest reads them. */
  records: { file: string; format: LogFormat; values: FieldValue[] }[];
  /** A header line mid-file naming another layout: only ingest reads such a file right. */
  layoutChange: boolean;
}

/** The table of records DuckDB refused but ingest reads; the in-place `flows` includes its rows. */
export const IN_PLACE_EXTRA_TABLE = 'in_place_extra';

/** The table a query over files read in place is answered into before it is printed (see runInPlaceQuery). */
export const IN_PLACE_RESULT_TABLE = 'in_place_result';

// DuckDB's CSV buffer per file being read; its default (16 times max_line_size, 32 MiB) for each file in flight
// leaves too little of flowlens's memory limit to the query itself.
const CSV_BUFFER_BYTES = 8 * 1024 * 1024;

// The address-number columns and the address field each is computed from.
const ADDRESS_NUMBERS: Readonly<Record<string, string>> = { src_ip: 'srcaddr', dst_ip: 'dstaddr' };

const ENUM_TYPES: readonly [name: string, field: string, values: readonly string[]][] = [
  ['flowlens_action', 'action', ['ACCEPT', 'REJECT']],
  ['flowlens_log_status', 'log-status', ['OK', 'NODATA', 'SKIPDATA']],
];

/**
 * Makes the store's `flows` read the planned files in place. `view`: a TEMP view over DuckDB's `read_csv` of the
 * files on the store's own connection (each query reads them; bad lines go to DuckDB's reject tables). `table`: the
 * files loaded once into a table the stored `flows` view reads, so another instance (the SQL sandbox, which has no
 * file access) sees the records; returns the rejects of that load.
 */
export async function openInPlace(store: Store, plan: InPlacePlan, mode: InPlaceMode, options: InPlaceLoadOptions = {}): Promise<InPlaceRejects | undefined> {
  const types = ENUM_TYPES.map(([name, , values]) => `CREATE TYPE IF NOT EXISTS ${quoteIdentifier(name)} AS ENUM (${values.map((v) => sqlLiteral(v)).join(', ')})`);
  // No rollups describe these records: reports must read them.
  const setup = [...types, `DROP TABLE IF EXISTS ${quoteIdentifier(ROLLUP_UNITS_TABLE)}`];
  if (mode === 'view') {
    const select = inPlaceFlowsSql(plan);
    // One round trip: DuckDB runs the statements in order.
    await store.run(
      [
        ...setup,
        `CREATE OR REPLACE TEMP TABLE ${IN_PLACE_EXTRA_TABLE} AS ${select} LIMIT 0`,
        `CREATE OR REPLACE TEMP VIEW ${FLOWS_TABLE} AS ${select} UNION ALL SELECT * FROM ${IN_PLACE_EXTRA_TABLE}`,
      ].join(';\n'),
    );
    return undefined;
  }
  await store.run(setup.join(';\n'));
  // The table holds the files' own fields that the statements read; the view adds the address numbers (computed
  // when read) and the other columns as typed NULLs. A field that was not loaded fails the query that reads a value
  // of it, rather than answering with NULLs.
  const fields = new Set(plan.groups.flatMap((group) => group.format.columns));
  const read = await fieldsToLoad(store, fields, options);
  const loaded = FLOW_COLUMNS.filter((column) => (fields.has(column.name) || column.name === 'unit_id') && (read === undefined || read.has(column.name)));
  // action and log-status are kept in the table as the ENUM values read_csv checks them with (one byte each, no
  // string made per row while loading); the view gives their text.
  const stored = loaded.map((column) => ({ ...column, type: enumTypeOf(column.name) ?? column.type }));
  await store.run(`CREATE OR REPLACE TABLE ${IN_PLACE_TABLE} AS ${inPlaceFlowsSql(plan, stored, 'unread')}`);
  const view = FLOW_COLUMNS.map((column) => {
    const name = quoteIdentifier(column.name);
    if (loaded.includes(column)) return enumTypeOf(column.name) === undefined ? name : `CAST(${name} AS ${column.type}) AS ${name}`;
    const address = ADDRESS_NUMBERS[column.name];
    if (address !== undefined && fields.has(address)) return read === undefined || read.has(address) ? `ip_to_number(${quoteIdentifier(address)}) AS ${name}` : notLoadedSql(column);
    if (fields.has(column.name) || column.name === 'unit_id') return notLoadedSql(column);
    return `CAST(NULL AS ${column.type}) AS ${name}`;
  });
  await store.run(`CREATE OR REPLACE VIEW main.${FLOWS_TABLE} AS SELECT ${view.join(', ')} FROM ${IN_PLACE_TABLE}`);
  const rejects = await readInPlaceRejects(store, plan);
  if (!rejects.layoutChange) await insertRecords(store, IN_PLACE_TABLE, plan, rejects.records, stored);
  return rejects;
}

// The flows columns `table` mode loads, or undefined for all of them: those the statements and the selection read
// (with the address text of a number they read), and at least one field so that the rows are there to count.
async function fieldsToLoad(store: Store, fields: ReadonlySet<string>, options: InPlaceLoadOptions): Promise<Set<string> | undefined> {
  if (options.reads === undefined) return undefined;
  const where = options.where === undefined || options.where === 'TRUE' ? [] : [`SELECT 1 FROM ${FLOWS_TABLE} WHERE ${options.where}`];
  const read = await flowsColumnsRead(store, [...options.reads, ...where]);
  if (read === undefined) return undefined;
  for (const [number, address] of Object.entries(ADDRESS_NUMBERS)) if (read.has(number)) read.add(address);
  const first = FLOW_COLUMNS.find((column) => fields.has(column.name));
  if (first && ![...read].some((name) => fields.has(name))) read.add(first.name);
  return read;
}

// A column of the files that was not loaded: reading a value of it is an error (a query names every column it reads).
function notLoadedSql(column: StoredColumn): string {
  const message = `flowlens did not load column ${column.name} from the SOURCE files read in place; set FLOWLENS_IN_PLACE=off to read them through ingest`;
  return `CAST(error(${sqlLiteral(message)}) AS ${column.type}) AS ${quoteIdentifier(column.name)}`;
}

/**
 * Answers `sql` (one SELECT over `flows` opened in `view` mode) into a temporary table and returns the SELECT that
 * reads it, with the bad lines of the files: DuckDB's rejects are only known once the files were read, and records
 * ingest reads but DuckDB refused are added and the query answered again before anything is printed. Returns
 * undefined when a file changes layout mid-file (only ingest reads it right).
 */
export async function runInPlaceQuery(store: Store, plan: InPlacePlan, sql: string): Promise<{ sql: string; rejects: InPlaceRejects } | undefined> {
  const answer = `CREATE OR REPLACE TEMP TABLE ${IN_PLACE_RESULT_TABLE} AS ${sql}`;
  await store.run(answer);
  const rejects = await readInPlaceRejects(store, plan);
  if (rejects.layoutChange) return undefined;
  if (rejects.records.length > 0) {
    await store.run(`DELETE FROM ${IN_PLACE_EXTRA_TABLE}`);
    await insertRecords(store, IN_PLACE_EXTRA_TABLE, plan, rejects.records, FLOW_COLUMNS);
    await store.run(answer);
  }
  return { sql: `SELECT * FROM ${IN_PLACE_RESULT_TABLE}`, rejects };
}

// Rows of records read by flowlens's parser, with src_ip/dst_ip and unit_id as the in-place SELECT makes them.
async function insertRecords(store: Store, table: string, plan: InPlacePlan, records: InPlaceRejects['records'], columns: readonly StoredColumn[]): Promise<void> {
  for (const record of records) {
    const values = new Map(record.format.columns.map((column, i) => [column, record.values[i] ?? null]));
    const select = columns.map((column) => {
      const address = ADDRESS_NUMBERS[column.name];
      if (values.has(column.name)) return `CAST(${sqlLiteral(values.get(column.name) as string | number | bigint | null)} AS ${column.type})`;
      if (address !== undefined && values.has(address)) return `ip_to_number(${sqlLiteral(values.get(address) as string | null)})`;
      if (column.name === 'unit_id') return String(plan.files.indexOf(record.file) + 1);
      return `CAST(NULL AS ${column.type})`;
    });
    await store.run(`INSERT INTO ${table} (${columns.map((c) => quoteIdentifier(c.name)).join(', ')}) SELECT ${select.join(', ')}`);
  }
}

/**
 * The SELECT of flows columns (by default all; names and types as the stored view has them) from the planned files.
 * Lines with a typed field out of range are refused whether a query reads that field or not: `check` 'all' makes
 * DuckDB cast every typed field (a query over a view reads only some), 'unread' only those `columns` do not select
 * (a table loaded with these columns casts the selected ones itself).
 */
export function inPlaceFlowsSql(plan: InPlacePlan, columns: readonly StoredColumn[] = FLOW_COLUMNS, check: 'all' | 'unread' = 'all'): string {
  const files = `[${plan.files.map((f) => sqlLiteral(f)).join(', ')}]`;
  return plan.groups.map((group) => groupSql(group, files, columns, check)).join('\nUNION ALL\n');
}

/**
 * The bad lines DuckDB set aside while reading the planned files (every scan so far on the store's connection),
 * each judged again by flowlens's own parser so that codes and messages are those ingest reports.
 */
export async function readInPlaceRejects(store: Store, plan: InPlacePlan): Promise<InPlaceRejects> {
  const found = await store.query(`SELECT table_name FROM duckdb_tables() WHERE temporary AND table_name IN ('reject_errors', 'reject_scans')`);
  if (found.rows.length < 2) return { issues: [], records: [], layoutChange: false };
  const { rows } = await store.query(`SELECT s.file_path AS file, e.line::BIGINT AS line, any_value(e.csv_line) AS text
FROM reject_errors e JOIN reject_scans s ON e.scan_id = s.scan_id AND e.file_id = s.file_id
GROUP BY ALL ORDER BY file, line`);
  const formats = new Map<string, LogFormat>();
  for (const group of plan.groups) for (const file of group.files) formats.set(file, group.format);
  const result: InPlaceRejects = { issues: [], records: [], layoutChange: false };
  for (const row of rows) {
    const file = String(row.file);
    const line = Number(row.line);
    const text = String(row.text ?? '').replace(/^[\r\n]+/, '').replace(/\r$/, '');
    const format = formats.get(file);
    if (format !== undefined) judgeLine(result, file, line, text, format);
  }
  return result;
}

// Decides a refused line as ingest would: a bad line (its issue), nothing (a blank line or the file's own header
// repeated), a record (its values), or a header of another layout.
function judgeLine(result: InPlaceRejects, file: string, line: number, text: string, format: LogFormat): void {
  const header = inspectHeader(tokenizeLine(text));
  if (header !== null) {
    if (!('fields' in header) || header.header !== format.header) result.layoutChange = true;
    return;
  }
  const decoder = new FlowLogDecoder(
    {
      row: (rowFormat, values) => {
        if (rowFormat === format) result.records.push({ file, format, values: [...values] });
        else result.layoutChange = true;
      },
      issue: (issue) => result.issues.push(issue),
    },
    { file, format },
  );
  decoder.pushLines([text], line);
  decoder.finish();
}

function groupSql(group: InPlaceGroup, files: string, wanted: readonly StoredColumn[], check: 'all' | 'unread'): string {
  const present = new Map(group.format.fields.map((field, i) => [group.format.columns[i] as string, field]));
  const columns = group.format.fields
    .map((field, i) => `${sqlLiteral(group.format.columns[i] as string)}: ${sqlLiteral(csvType(field))}`)
    .join(', ');
  const reader = `read_csv(${`[${group.files.map((f) => sqlLiteral(f)).join(', ')}]`}, delim = ' ', header = true, nullstr = '-', auto_detect = false, quote = '', escape = '', compression = ${sqlLiteral(group.compression)}, store_rejects = true, filename = true, buffer_size = ${CSV_BUFFER_BYTES}, columns = {${columns}})`;
  const select = wanted.map((column) => {
    const name = quoteIdentifier(column.name);
    const field = present.get(column.name);
    const address = ADDRESS_NUMBERS[column.name];
    if (field) return `${flowValueSql(field, name, column.type)} AS ${name}`;
    if (address !== undefined && present.has(address)) return `ip_to_number(${quoteIdentifier(address)}) AS ${name}`;
    if (column.name === 'unit_id') return `CAST(list_position(${files}, filename) AS INTEGER) AS unit_id`;
    return `CAST(NULL AS ${column.type}) AS ${name}`;
  });
  // Ingest refuses a line when any field is out of its range, whether a query reads that field or not; DuckDB only
  // casts the columns a query reads. A condition on every typed column makes it cast them all, so lines a query's
  // columns would let through still go to the rejects (the condition itself is always true).
  const selected = new Set(wanted.map((column) => column.name));
  const typed = group.format.fields
    .filter((field) => csvType(field) !== 'VARCHAR' && (check === 'all' || !selected.has(toColumnName(field.name))))
    .map((field) => quoteIdentifier(toColumnName(field.name)));
  return `SELECT ${select.join(', ')} FROM ${reader}${typed.length ? ` WHERE hash(${typed.join(', ')}) IS NOT NULL` : ''}`;
}

// The ENUM type of the flows column of an enumerated field (action, log_status), or undefined.
function enumTypeOf(columnName: string): string | undefined {
  return ENUM_TYPES.find(([, field]) => toColumnName(field) === columnName)?.[0];
}

// The type read_csv reads a field as: exactly the values ingest accepts where a DuckDB type has that range, so
// other values become rejected lines rather than rows.
function csvType(field: FieldDefinition): string {
  const enumType = ENUM_TYPES.find(([, name]) => name === field.name);
  if (enumType) return enumType[0];
  if (field.name === 'srcport' || field.name === 'dstport') return 'USMALLINT';
  if (field.name === 'protocol' || field.name === 'tcp-flags') return 'UTINYINT';
  if (field.kind === 'int32') return 'UINTEGER';
  if (field.kind === 'int64') return 'UBIGINT';
  return 'VARCHAR';
}

// A field's value as the flows column: start/end written in milliseconds read as seconds (as ingest does).
function flowValueSql(field: FieldDefinition, name: string, type: string): string {
  if (field.name === 'start' || field.name === 'end') {
    return `TRY_CAST(CASE WHEN ${name} > 2147483647 AND ${name} <= 2147483647000 THEN ${name} // 1000 ELSE ${name} END AS ${type})`;
  }
  if (field.kind === 'int32') return `TRY_CAST(${name} AS ${type})`;
  return `CAST(${name} AS ${type})`;
}

/** Drops the in-place `flows` view, so the stored `flows` shows what a later ingest into the scratch store loads. */
export async function dropInPlaceView(store: Store): Promise<void> {
  await store.run('DROP VIEW IF EXISTS temp.flows');
}
