/** Output formats every tabular command supports. */
export type OutputFormat = 'table' | 'json' | 'ndjson' | 'csv' | 'text';

/** A tabular result: ordered column names and rows keyed by column. */
export interface Table {
  columns: readonly string[];
  /** Rows keyed by column; any object type works (typed result rows need no index signature). */
  rows: readonly object[];
}

/** Renders a table in the chosen format (table for people; json, ndjson, csv and text for pipes). */
export function renderTable(table: Table, format: OutputFormat): string {
  switch (format) {
    case 'json':
      return `${stringifyJson(table.rows.map((row) => pick(row, table.columns)), 2)}\n`;
    case 'ndjson':
      return renderNdjsonRows(table.rows, table.columns);
    case 'csv':
      return renderCsv(table, true);
    case 'text':
      return renderTextRows(table.rows, table.columns);
    default:
      return renderAligned(table, computeWidths(table));
  }
}

/** One JSON object per line, keys in column order, bigints as exact numbers. */
export function renderNdjsonRows(rows: readonly object[], columns: readonly string[]): string {
  let out = '';
  for (const row of rows) out += `${stringifyJson(pick(row, columns))}\n`;
  return out;
}

/** Space-separated values with `-` for null: the flow-log line layout, so grep and awk keep working. */
export function renderTextRows(rows: readonly object[], columns: readonly string[]): string {
  let out = '';
  for (const row of rows) out += `${columns.map((c) => formatCell(cell(row, c), '-')).join(' ')}\n`;
  return out;
}

/** CSV (RFC 4180 quoting), optionally with the header row. */
export function renderCsv(table: Table, header: boolean): string {
  const lines = header ? [table.columns.map(csvCell).join(',')] : [];
  for (const row of table.rows) lines.push(table.columns.map((c) => csvCell(formatCell(cell(row, c), ''))).join(','));
  return lines.length ? `${lines.join('\n')}\n` : '';
}

/** Column widths for an aligned table: the widest of the header and the cells. */
export function computeWidths(table: Table): number[] {
  return table.columns.map((column) =>
    table.rows.reduce((width: number, row) => Math.max(width, formatCell(cell(row, column), '-').length), column.length),
  );
}

/** An aligned text table (numbers right-aligned), with a header unless `header` is false. */
export function renderAligned(table: Table, widths: readonly number[], header = true): string {
  const lines: string[] = [];
  if (header) {
    lines.push(table.columns.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd());
    lines.push(widths.map((w) => '-'.repeat(w)).join('  '));
  }
  for (const row of table.rows) {
    lines.push(
      table.columns
        .map((c, i) => {
          const value = cell(row, c);
          const text = formatCell(value, '-');
          const width = widths[i] ?? 0;
          return typeof value === 'number' || typeof value === 'bigint' ? text.padStart(width) : text.padEnd(width);
        })
        .join('  ')
        .trimEnd(),
    );
  }
  return lines.length ? `${lines.join('\n')}\n` : '';
}

/** The text of one cell: null/undefined as `missing`, objects as JSON. */
export function formatCell(value: unknown, missing: string): string {
  if (value === null || value === undefined) return missing;
  if (typeof value === 'object') return stringifyJson(value);
  return String(value);
}

/** JSON.stringify replacer writing bigints as numbers (rounded beyond 2^53: use stringifyJson for exact digits). */
export function jsonReplacer(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? Number(value) : value;
}

// A marker no JSON string can contain unescaped: bigints are written as markers, then the markers as bare digits.
const BIGINT_MARK = `\u0000bigint${process.pid}:`;
const BIGINT_MARKS = new RegExp(`"\\\\u0000bigint${process.pid}:(-?\\d+)"`, 'g');

/** JSON text with bigints as exact numbers (64-bit counters beyond 2^53 keep every digit). */
export function stringifyJson(value: unknown, indent?: number): string {
  let marked = false;
  const text = JSON.stringify(
    value,
    (_key, v: unknown) => {
      if (typeof v !== 'bigint') return v;
      if (v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER)) return Number(v);
      marked = true;
      return `${BIGINT_MARK}${v}`;
    },
    indent,
  );
  return marked ? text.replace(BIGINT_MARKS, '$1') : text;
}

function pick(row: object, columns: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const column of columns) out[column] = cell(row, column) ?? null;
  return out;
}

function cell(row: object, column: string): unknown {
  return (row as Record<string, unknown>)[column];
}

function csvCell(text: string): string {
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
