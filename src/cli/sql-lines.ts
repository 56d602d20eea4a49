import { closeSync, fstatSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { QueryError } from '../records/index.js';
import type { Store } from '../store/database.js';
import { FLOW_COLUMNS } from '../store/schema.js';
import { applySettings } from '../store/settings.js';
import { quoteIdentifier, sqlLiteral } from '../sql/index.js';
import type { CliContext } from './context.js';
import { OutputClosedError, writeOut } from './context.js';
import type { RecordPrinter } from './record-printer.js';
import { renderCsvLine } from './render.js';
import type { OutputFormat } from './render.js';
import { capSlicedReadMemory, runSlices } from '../query/start-slices.js';
import type { SliceQueries } from '../query/start-slices.js';

/** A result column rendered by SQL: its name and whether DuckDB holds it as an integer (UHUGEINT addresses: `huge`) or as text. */
export interface LineColumn {
  name: string;
  kind: 'integer' | 'huge' | 'text';
}

/** What one pass over the rows tells before printing: the columns with values, table widths, and whether SQL can render them. */
export interface LineProfile {
  /** The columns holding at least one value, in the given order. */
  present: string[];
  /** Per column: the widest cell (null as `-`) and the header. */
  widths: Map<string, number>;
  /** False when a value would pad differently in SQL than in JS (non-ASCII text in a table). */
  renderable: boolean;
}

/** The LineColumn kinds of DuckDB types; undefined for a type SQL rendering does not handle (lists, timestamps, …). */
export function lineColumnKind(type: string): LineColumn['kind'] | undefined {
  if (type === 'VARCHAR') return 'text';
  if (type === 'UHUGEINT') return 'huge';
  return ['TINYINT', 'SMALLINT', 'INTEGER', 'BIGINT', 'HUGEINT', 'UTINYINT', 'USMALLINT', 'UINTEGER', 'UBIGINT'].includes(type) ? 'integer' : undefined;
}

/** SQL of one pass over `from` that profiles the columns for printing in `format` (see LineProfile). */
export function lineProfileSql(from: string, columns: readonly LineColumn[], format: OutputFormat): string {
  const probes = columns.flatMap((column, i) => {
    const c = quoteIdentifier(column.name);
    const out = [`count(${c}) > 0 AS p${i}`];
    if (format === 'table') out.push(`max(length(${column.kind === 'integer' ? `CAST(${c} AS VARCHAR)` : c})) AS w${i}`);
    return out;
  });
  return `SELECT ${probes.join(', ')} FROM ${from} AS f`;
}

/**
 * Reads a LineProfile (lineProfileSql) for the rows of `from`. A table is never renderable by SQL: tables for
 * people show human units, fit the terminal and escape control characters, which the RowWriter does.
 */
export async function readLineProfile(store: Store, from: string, columns: readonly LineColumn[], format: OutputFormat): Promise<LineProfile> {
  const row = (await store.query(lineProfileSql(from, columns, format))).rows[0] ?? {};
  const widths = new Map<string, number>();
  const present = columns.filter((column, i) => {
    widths.set(column.name, Math.max(column.name.length, Number(row[`w${i}`] ?? 0)));
    return row[`p${i}`] === true;
  });
  return { present: present.map((c) => c.name), widths, renderable: format !== 'table' };
}

export { readPresentColumns } from '../query/present-columns.js';

/**
 * SQL expression of one output line (without its newline) in `format`, the same text the JS renderers write for the
 * row (renderJsonObject, renderCsvLine, renderTextLine; json as ndjson lines). So a large result is formatted by
 * DuckDB's threads and crosses into JS as one string a row instead of one value a cell. Tables are not rendered by
 * SQL (see readLineProfile).
 */
export function lineSql(columns: readonly LineColumn[], format: Exclude<OutputFormat, 'table'>): string {
  switch (format) {
    case 'ndjson':
    case 'json':
      // DuckDB's to_json writes what renderJsonObject writes (\u escapes in upper-case hex in both); one
      // struct's to_json costs less per row than a concat of the keys and each value's text.
      // 128-bit integers as strings, as renderJsonObject writes them: JSON readers hold numbers as doubles.
      return `to_json({${columns.map((c) => `${sqlLiteral(c.name)}: ${c.kind === 'huge' ? `CAST(${quoteIdentifier(c.name)} AS VARCHAR)` : quoteIdentifier(c.name)}`).join(', ')}})`;
    case 'csv':
      return concat(columns.map((c) => csvCellSql(c)), "','");
    default:
      return concat(columns.map((c) => cellText(c)), "' '");
  }
}

/**
 * Prints rows as lines that DuckDB renders (lineSql), with each format's header and footer; not tables (see
 * readLineProfile). `queries` is one query, or several whose rows follow each other (the slices of a start-ordered
 * read, startSlices). Into the process's own stdout (a pipe, a device or a file), slices are rendered two at a time
 * on two connections of one thread each into temporary files, copied to stdout in order in large blocks
 * (printSlices); one query is written by DuckDB itself where stdout is a pipe or a device (COPY, as it is produced),
 * else through a temporary file. Any other stream (and json, whose lines need separators) gets the lines chunk by
 * chunk. No JS value is made per cell. A closed stdout ends the work with OutputClosedError.
 */
export async function printSqlLines(context: CliContext, store: Store, queries: string | SliceQueries, columns: readonly LineColumn[], format: OutputFormat): Promise<void> {
  if (format === 'table') throw new Error('printSqlLines does not print tables');
  const header = format === 'csv' ? renderCsvLine(columns.map((c) => c.name)) : '';
  const linesOf = (query: string): string => `SELECT ${lineSql(columns, format)} AS line FROM (${query}) AS q`;
  if (format === 'json') {
    let first = true;
    await runSlices(queries, async (query) => {
      let rows = 0;
      for await (const batch of store.streamText(linesOf(query))) {
        await writeOut(context, `${first ? '[\n' : ',\n'}  ${batch.join(',\n  ')}`);
        first = false;
        rows += batch.length;
      }
      return rows;
    });
    await writeOut(context, first ? '[]\n' : '\n]\n');
    return;
  }
  const target = stdoutKind(context);
  await writeOut(context, header);
  if (target === 'stream') {
    await runSlices(queries, async (query) => {
      let rows = 0;
      for await (const batch of store.streamText(linesOf(query))) {
        await writeOut(context, `${batch.join('\n')}\n`);
        rows += batch.length;
      }
      return rows;
    });
    return;
  }
  const folder = mkdtempSync(join(tmpdir(), 'flowlens-lines-'));
  const removeFolder = (): void => rmSync(folder, { recursive: true, force: true });
  // Interrupted (Ctrl-C on a long print), the slices' files go before the process ends.
  const onSignal = (signal: NodeJS.Signals): void => {
    removeFolder();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.kill(process.pid, signal);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    if (typeof queries !== 'string') await printSlices(context, store, queries, linesOf, folder);
    else if (target === 'file' || !(await copyToStdout(store, linesOf(queries)))) await copyThroughFile(context, store.connection, linesOf(queries), join(folder, 'lines.txt'));
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    removeFolder();
  }
}

/**
 * Prints the flows columns `columns` of `queries` (one query, or slices whose rows follow each other) in `format`,
 * under the sliced-read memory cap: lines rendered by DuckDB (printSqlLines) when the format is not a table and
 * every column has a type SQL renders, else rows through the RecordPrinter `printer` makes.
 */
export async function printFlowRows(
  context: CliContext,
  store: Store,
  queries: string | SliceQueries,
  columns: readonly string[],
  format: OutputFormat,
  printer: () => RecordPrinter,
): Promise<void> {
  const types = new Map(FLOW_COLUMNS.map((c) => [c.name, c.type]));
  const lineColumns = columns.map((name) => ({ name, kind: lineColumnKind(types.get(name) ?? '') }));
  const restore = await capSlicedReadMemory(store);
  try {
    if (format !== 'table' && lineColumns.every((c): c is LineColumn => c.kind !== undefined)) {
      await printSqlLines(context, store, queries, lineColumns, format);
      return;
    }
    const rows = printer();
    await runSlices(queries, async (sql) => {
      let count = 0;
      for await (const batch of await store.streamRows(sql)) {
        await rows.arrays(columns, batch);
        count += batch.length;
      }
      return count;
    });
    await rows.finish();
  } finally {
    await restore();
  }
}

// FORCE_QUOTE with no quote character writes every line as it is, without scanning it for characters to quote: one
// VARCHAR column, no quoting or escaping, each line followed by a newline.
const COPY_OPTIONS = `(FORMAT csv, HEADER false, QUOTE '', ESCAPE '', DELIMITER '\t', NULLSTR '', USE_TMP_FILE false, FORCE_QUOTE *)`;

/** The slices rendered at once by printSlices, each on its own connection. */
const PARALLEL_SLICES = 2;

/**
 * Prints the lines of the slices of `queries` through temporary files in `folder`, PARALLEL_SLICES at a time, each on
 * a connection of its own and DuckDB held to one thread a query: a slice's work (scan, sort, rendering) gains little
 * from a second thread, and two slices at once keep both cores busy with less work than one slice on two threads.
 * Each slice's row count goes back to `queries` in order, when the slice has ended.
 */
async function printSlices(context: CliContext, store: Store, queries: SliceQueries, linesOf: (query: string) => string, folder: string): Promise<void> {
  const running: { connection: DuckDBConnection; file: string; rows: Promise<number>; ended: boolean }[] = [];
  const spare: DuckDBConnection[] = [store.connection];
  let opened: DuckDBConnection | undefined;
  let slices = 0;
  const restore = await applySettings(store, { threads: '1' });
  // Starts the next slice (after giving the count of the oldest one not counted yet); false when there is none.
  const startNext = async (rows: number | undefined): Promise<boolean> => {
    const step = await queries.next(rows);
    if (step.done) return false;
    if (spare.length === 0) spare.push((opened = await store.connectSession()));
    const connection = spare.pop() as DuckDBConnection;
    const file = join(folder, `lines-${slices++}.txt`);
    const slice = { connection, file, rows: copyRows(connection, `COPY (${linesOf(step.value)}) TO ${sqlLiteral(file)} ${COPY_OPTIONS}`), ended: false };
    // Awaited in order below; an error then ends the print.
    slice.rows.then(
      () => (slice.ended = true),
      () => (slice.ended = true),
    );
    running.push(slice);
    return true;
  };
  let stopped = true;
  try {
    while (running.length < PARALLEL_SLICES && (await startNext(undefined)));
    for (let slice = running.shift(); slice; slice = running.shift()) {
      const rows = await slice.rows;
      spare.push(slice.connection);
      await startNext(rows);
      await copyLines(context, slice.file, '');
      rmSync(slice.file, { force: true });
    }
    stopped = false;
  } finally {
    // Stopped early (a closed stdout, an error): the slices still running end before their connection and files go.
    for (const slice of running) if (!slice.ended) slice.connection.interrupt();
    await Promise.allSettled(running.map((slice) => slice.rows));
    opened?.closeSync();
    // After an error the store is closed next: the error that stopped the print is the one to report.
    await restore().catch((error: unknown) => {
      if (!stopped) throw error;
    });
  }
}

/**
 * Has DuckDB write the lines of `query` to the process's stdout itself (COPY to /dev/stdout); false when it cannot
 * lock it and wrote nothing: a device other processes write too (/dev/null, a terminal) may be locked by another DuckDB.
 */
async function copyToStdout(store: Store, query: string): Promise<boolean> {
  try {
    await copyRows(store.connection, `COPY (${query}) TO '/dev/stdout' ${COPY_OPTIONS}`);
    return true;
  } catch (error) {
    const message = (error as Error).message;
    if (/broken pipe|EPIPE/i.test(message)) throw new OutputClosedError();
    if (/Could not set lock/i.test(message)) return false;
    throw error;
  }
}

/** Has DuckDB write the lines of `query` to `file`, then copies them to stdout. */
async function copyThroughFile(context: CliContext, connection: DuckDBConnection, query: string, file: string): Promise<void> {
  await copyRows(connection, `COPY (${query}) TO ${sqlLiteral(file)} ${COPY_OPTIONS}`);
  await copyLines(context, file, '');
}

/** Runs a COPY statement; resolves to the rows it wrote. */
async function copyRows(connection: DuckDBConnection, sql: string): Promise<number> {
  try {
    const result = await connection.runAndReadAll(sql);
    return Number(result.getRows()[0]?.[0] ?? 0);
  } catch (error) {
    throw new QueryError('sql', (error as Error).message, { sql, cause: error });
  }
}

/**
 * Where stdout goes: the process's own pipe or device (DuckDB can open /dev/stdout and write there), a file (which
 * DuckDB would truncate when opening it again) or a socket, or a stream of this process (tests, embedding).
 */
function stdoutKind(context: CliContext): 'pipe' | 'file' | 'stream' {
  const fd = (context.stdout as { fd?: unknown }).fd;
  if (fd !== 1) return 'stream';
  try {
    const stat = fstatSync(1);
    // A socket (Node's child_process pipes are socket pairs) takes the file's way: DuckDB cannot open it by name, but the
    // lines it writes to temporary files are copied to the descriptor as for a file.
    return stat.isFIFO() || stat.isCharacterDevice() ? 'pipe' : stat.isFile() || stat.isSocket() ? 'file' : 'stream';
  } catch {
    return 'stream';
  }
}

/**
 * Copies the lines of `file` to stdout (after `header`, when there is a line) through one reused buffer: a new 1 MiB
 * buffer per read costs a fresh mapping and its page faults. Resolves to whether there was a line.
 */
async function copyLines(context: CliContext, file: string, header: string): Promise<boolean> {
  const fd = openSync(file, 'r');
  try {
    let buffer = Buffer.allocUnsafe(COPY_BLOCK_BYTES);
    let kept = 0;
    let wroteHeader = false;
    for (;;) {
      if (kept === buffer.length) {
        // A line longer than the buffer: make room for it.
        const grown = Buffer.allocUnsafe(buffer.length * 2);
        buffer.copy(grown, 0, 0, kept);
        buffer = grown;
      }
      const read = readSync(fd, buffer, kept, buffer.length - kept, null);
      const total = kept + read;
      if (total === 0) break;
      // Whole lines only (the last read takes the rest), so that a JSON line is never split.
      const end = read === 0 ? total : buffer.lastIndexOf(10, total - 1) + 1;
      if (end > 0) {
        const bytes = buffer.subarray(0, end);
        if (!wroteHeader) {
          await writeOut(context, header);
          wroteHeader = true;
        }
        if (!(await writeWhole(context, bytes))) throw new OutputClosedError();
      }
      buffer.copy(buffer, 0, end, total);
      kept = total - end;
      if (read === 0) break;
    }
    return wroteHeader;
  } finally {
    closeSync(fd);
  }
}

const COPY_BLOCK_BYTES = 1 << 20;

/**
 * Writes bytes that are reused afterwards to stdout; false when stdout is gone (e.g. a closed pipe). A process's own
 * stdout with nothing queued gets them by a synchronous write to its descriptor; any other stream gets a copy, since
 * it may keep the buffer it is given.
 */
async function writeWhole(context: CliContext, bytes: Buffer): Promise<boolean> {
  const fd = (context.stdout as { fd?: unknown }).fd;
  if (typeof fd === 'number' && context.stdout.writableLength === 0) {
    let written = 0;
    try {
      while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written);
      return true;
    } catch (error) {
      // A non-blocking descriptor that is full: the stream queues the rest.
      if ((error as NodeJS.ErrnoException).code === 'EAGAIN') {
        await writeOut(context, Buffer.from(bytes.subarray(written)));
        return true;
      }
      if ((error as NodeJS.ErrnoException).code === 'EPIPE') return false;
      throw error;
    }
  }
  await writeOut(context, Buffer.from(bytes));
  return !context.stdout.destroyed;
}

/** A cell as renderTextLine writes it: the value's text with control characters escaped (escapeControl), `-` when missing. */
function cellText(column: LineColumn): string {
  const c = quoteIdentifier(column.name);
  if (column.kind !== 'text') return `coalesce(CAST(${c} AS VARCHAR), '-')`;
  const escaped = `array_to_string(list_transform(string_split(${c}, ''), ch -> CASE WHEN regexp_matches(ch, ${CONTROL_CLASS}) THEN '\\x' || lower(lpad(to_hex(unicode(ch)), 2, '0')) ELSE ch END), '')`;
  return `CASE WHEN ${c} IS NULL THEN '-' WHEN regexp_matches(${c}, ${CONTROL_CLASS}) THEN ${escaped} ELSE ${c} END`;
}

/** The characters escapeControl escapes, as an RE2 class in a SQL literal. */
const CONTROL_CLASS = "'[\\x00-\\x1f\\x7f-\\x9f]'";

/** A CSV cell as renderCsv writes it: empty when missing, quoted when it holds a quote, comma or line break. */
function csvCellSql(column: LineColumn): string {
  const c = quoteIdentifier(column.name);
  if (column.kind !== 'text') return `coalesce(CAST(${c} AS VARCHAR), '')`;
  const special = [`'"'`, `','`, 'chr(10)', 'chr(13)'].map((s) => `contains(${c}, ${s})`).join(' OR ');
  return `CASE WHEN ${c} IS NULL THEN '' WHEN ${special} THEN '"' || replace(${c}, '"', '""') || '"' ELSE ${c} END`;
}

function concat(parts: readonly string[], separator: string): string {
  return parts.length === 1 ? (parts[0] ?? "''") : `concat(${parts.join(`, ${separator}, `)})`;
}
