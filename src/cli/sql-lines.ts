import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Store } from '../store/database.js';
import { quoteIdentifier, sqlLiteral } from '../store/sql-text.js';
import type { CliContext } from './context.js';
import { writeOut } from './context.js';
import { renderAligned, renderCsv } from './render.js';
import type { OutputFormat } from './render.js';

/** A result column rendered by SQL: its name and whether DuckDB holds it as an integer or as text. */
export interface LineColumn {
  name: string;
  kind: 'integer' | 'text';
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
  return ['TINYINT', 'SMALLINT', 'INTEGER', 'BIGINT', 'UTINYINT', 'USMALLINT', 'UINTEGER', 'UBIGINT'].includes(type) ? 'integer' : undefined;
}

/** SQL of one pass over `from` that profiles the columns for printing in `format` (see LineProfile). */
export function lineProfileSql(from: string, columns: readonly LineColumn[], format: OutputFormat): string {
  const probes = columns.flatMap((column, i) => {
    const c = quoteIdentifier(column.name);
    const out = [`count(${c}) > 0 AS p${i}`];
    if (format === 'table') out.push(`max(length(${cellText(column)})) AS w${i}`);
    // JS pads by UTF-16 units and SQL by characters: they agree on ASCII.
    if (column.kind === 'text' && format === 'table') out.push(`coalesce(bool_and(strlen(${c}) = length(${c})), TRUE) AS r${i}`);
    return out;
  });
  return `SELECT ${probes.join(', ')} FROM ${from} AS f`;
}

/** Reads a LineProfile (lineProfileSql) for the rows of `from`. */
export async function readLineProfile(store: Store, from: string, columns: readonly LineColumn[], format: OutputFormat): Promise<LineProfile> {
  const row = (await store.query(lineProfileSql(from, columns, format))).rows[0] ?? {};
  const widths = new Map<string, number>();
  let renderable = true;
  const present = columns.filter((column, i) => {
    widths.set(column.name, Math.max(column.name.length, Number(row[`w${i}`] ?? 0)));
    if (row[`r${i}`] === false) renderable = false;
    return row[`p${i}`] === true;
  });
  return { present: present.map((c) => c.name), widths, renderable };
}

const PRESENT_SAMPLE_ROWS = 2048;

/**
 * The columns holding at least one value among the rows of `from`, in order. The first 2,048 rows usually show every
 * present column, so the full pass (reading every row's columns) runs only for the columns they leave undecided.
 */
export async function readPresentColumns(store: Store, from: string, columns: readonly string[]): Promise<string[]> {
  const probe = async (names: readonly string[], source: string): Promise<{ present: Set<string>; rows: number }> => {
    const row = (await store.query(`SELECT count(*) AS n, ${names.map((n, i) => `count(${quoteIdentifier(n)}) > 0 AS p${i}`).join(', ')} FROM ${source} AS f`)).rows[0] ?? {};
    return { present: new Set(names.filter((_, i) => row[`p${i}`] === true)), rows: Number(row.n) };
  };
  if (columns.length === 0) return [];
  const first = await probe(columns, `(SELECT * FROM ${from} AS s LIMIT ${PRESENT_SAMPLE_ROWS})`);
  const seen = first.present;
  // A sample shorter than its limit held every row: nothing is left undecided.
  const undecided = first.rows < PRESENT_SAMPLE_ROWS ? [] : columns.filter((c) => !seen.has(c));
  const more = undecided.length > 0 ? (await probe(undecided, from)).present : new Set<string>();
  return columns.filter((c) => seen.has(c) || more.has(c));
}

/**
 * SQL expression of one output line (without its newline) in `format`, the same text the JS renderers write for the
 * row (renderNdjsonRows, renderCsv, renderTextRows, renderAligned with `widths`; json as ndjson lines). So a large
 * result is formatted by DuckDB's threads and crosses into JS as one string a row instead of one value a cell.
 */
export function lineSql(columns: readonly LineColumn[], format: OutputFormat, widths?: ReadonlyMap<string, number>): string {
  switch (format) {
    case 'ndjson':
    case 'json':
      // DuckDB's JSON matches JSON.stringify but for a few lines fixJsonLine repairs.
      return `to_json({${columns.map((c) => `${sqlLiteral(c.name)}: ${quoteIdentifier(c.name)}`).join(', ')}})`;
    case 'csv':
      return concat(columns.map((c) => csvCellSql(c)), "','");
    case 'text':
      return concat(columns.map((c) => cellText(c)), "' '");
    default: {
      const cells = columns.map((column) => {
        const width = widths?.get(column.name) ?? column.name.length;
        const c = quoteIdentifier(column.name);
        // Numbers right-aligned, text and the `-` of a missing value left-aligned, as renderAligned does.
        return column.kind === 'integer'
          ? `CASE WHEN ${c} IS NULL THEN rpad('-', ${width}, ' ') ELSE lpad(CAST(${c} AS VARCHAR), ${width}, ' ') END`
          : `rpad(coalesce(${c}, '-'), ${width}, ' ')`;
      });
      // trimEnd of renderAligned: ASCII whitespace (readLineProfile sends non-ASCII tables to JS).
      return `rtrim(${concat(cells, "'  '")}, ' ' || chr(9) || chr(10) || chr(11) || chr(12) || chr(13))`;
    }
  }
}

/**
 * A JSON line of DuckDB's as the JS renderers write the row (stringifyJson: integers exact, whatever their size).
 * They differ only for a \u escape DuckDB writes in upper case (\u000B): lower-cased here, unless the backslash is
 * itself escaped.
 */
export function fixJsonLine(line: string): string {
  return line.includes('\\u00') ? line.replace(/(?<!\\)((?:\\\\)*)\\u00([0-9A-F]{2})/g, (_match, lead: string, hex: string) => `${lead}\\u00${hex.toLowerCase()}`) : line;
}

/**
 * Prints rows as lines that DuckDB renders (lineSql), with each format's header and footer. Every format but json
 * has DuckDB write the lines to a temporary file (COPY, on its own threads) that is then copied to stdout in large
 * blocks: no JS string is made per row (3 µs a row through the client API: 2.4 s for 800,000 rows). json, whose
 * lines need separators, streams the rows as strings.
 */
export async function printSqlLines(context: CliContext, store: Store, query: string, columns: readonly LineColumn[], format: OutputFormat, widths?: ReadonlyMap<string, number>): Promise<void> {
  const names = columns.map((c) => c.name);
  const header = format === 'table' ? renderAligned({ columns: names, rows: [] }, names.map((n) => widths?.get(n) ?? n.length)) : format === 'csv' ? renderCsv({ columns: names, rows: [] }, true) : '';
  let lines = `SELECT ${lineSql(columns, format, widths)} AS line FROM (${query}) AS q`;
  if (format === 'json') {
    let first = true;
    for await (const batch of store.streamText(lines)) {
      await writeOut(context, `${first ? '[\n' : ',\n'}  ${batch.map(fixJsonLine).join(',\n  ')}`);
      first = false;
    }
    await writeOut(context, first ? '[]\n' : '\n]\n');
    return;
  }
  if (format === 'ndjson') {
    // A line fixJsonLine would change (a \u00 escape) is rare: DuckDB marks it with a leading
    // \x01 byte (never raw in JSON), so the copy looks for one byte instead of parsing every line.
    const flag = `contains(j, '\\u00')`;
    lines = `SELECT CASE WHEN ${flag} THEN chr(1) || j ELSE j END AS line FROM (SELECT CAST(${lineSql(columns, format, widths)} AS VARCHAR) AS j, * FROM (${query}) AS q) AS m`;
  }
  const folder = mkdtempSync(join(tmpdir(), 'flowlens-lines-'));
  try {
    const file = join(folder, 'lines.txt');
    // One VARCHAR column, no quoting or escaping: each line is written as it is, followed by a newline.
    await store.run(`COPY (${lines}) TO ${sqlLiteral(file)} (FORMAT csv, HEADER false, QUOTE '', ESCAPE '', DELIMITER '\t', NULLSTR '', USE_TMP_FILE false)`);
    await copyLines(context, file, header, format === 'ndjson');
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

/**
 * Copies the lines of `file` to stdout (after `header`, when there is a line) through one reused buffer: a new 1 MiB
 * buffer per read costs a fresh mapping and its page faults. With `json`, a line marked with a leading \x01 byte
 * goes through fixJsonLine: only a block holding one becomes strings.
 */
async function copyLines(context: CliContext, file: string, header: string, json: boolean): Promise<void> {
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
        let bytes = buffer.subarray(0, end);
        if (json && bytes.includes(1)) {
          bytes = Buffer.from(bytes.toString('utf8').split('\n').map((line) => (line.charCodeAt(0) === 1 ? fixJsonLine(line.slice(1)) : line)).join('\n'));
        }
        if (!wroteHeader) {
          await writeOut(context, header);
          wroteHeader = true;
        }
        if (context.stdout.destroyed || !(await writeWhole(context, bytes))) return;
      }
      buffer.copy(buffer, 0, end, total);
      kept = total - end;
      if (read === 0) break;
    }
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

/** A cell as renderTextRows/renderAligned write it: the value's text, `-` when missing. */
function cellText(column: LineColumn): string {
  const c = quoteIdentifier(column.name);
  return column.kind === 'integer' ? `coalesce(CAST(${c} AS VARCHAR), '-')` : `coalesce(${c}, '-')`;
}

/** A CSV cell as renderCsv writes it: empty when missing, quoted when it holds a quote, comma or line break. */
function csvCellSql(column: LineColumn): string {
  const c = quoteIdentifier(column.name);
  if (column.kind === 'integer') return `coalesce(CAST(${c} AS VARCHAR), '')`;
  const special = [`'"'`, `','`, 'chr(10)', 'chr(13)'].map((s) => `contains(${c}, ${s})`).join(' OR ');
  return `CASE WHEN ${c} IS NULL THEN '' WHEN ${special} THEN '"' || replace(${c}, '"', '""') || '"' ELSE ${c} END`;
}

function concat(parts: readonly string[], separator: string): string {
  return parts.length === 1 ? (parts[0] ?? "''") : `concat(${parts.join(`, ${separator}, `)})`;
}
