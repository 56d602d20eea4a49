import { escapeControl } from './escape.js';
import { formatHuman, humanKindOf } from './human.js';
import type { HumanKind } from './human.js';

/** Output formats every tabular command supports. */
export type OutputFormat = 'table' | 'json' | 'ndjson' | 'csv' | 'text';

/** A tabular result: ordered column names and rows keyed by column. */
export interface Table {
  columns: readonly string[];
  /** Rows keyed by column; any object type works (typed result rows need no index signature). */
  rows: readonly object[];
}

/** How a table is laid out for people: the terminal width it must fit (undefined: no limit). */
export interface TableOptions {
  width?: number | undefined;
}

/** Renders a table in the chosen format (table for people; json, ndjson, csv and text for pipes). */
export function renderTable(table: Table, format: OutputFormat, options: TableOptions = {}): string {
  const rows = table.rows.map((row) => table.columns.map((c) => cell(row, c)));
  switch (format) {
    case 'json':
      return rows.length === 0 ? '[]\n' : `[\n${rows.map((row) => `  ${renderJsonObject(table.columns, row)}`).join(',\n')}\n]\n`;
    case 'ndjson':
      return rows.map((row) => `${renderJsonObject(table.columns, row)}\n`).join('');
    case 'csv':
      return renderCsvLine(table.columns) + rows.map(renderCsvLine).join('');
    case 'text':
      return rows.map(renderTextLine).join('');
    default: {
      const layout = layoutTable(table.columns, rows, options.width);
      return renderTableHeader(layout) + renderTableRows(layout, rows) + renderTableFooter(layout);
    }
  }
}

/** One JSON object in column order, exactly: integers keep every digit, `quoted` columns (128-bit) become strings. */
export function renderJsonObject(columns: readonly string[], values: readonly unknown[], quoted?: readonly boolean[]): string {
  let out = '{';
  for (let i = 0; i < columns.length; i++) {
    out += `${i === 0 ? '' : ','}${JSON.stringify(columns[i])}:${jsonValue(values[i], quoted?.[i] === true)}`;
  }
  return `${out}}`;
}

/**
 * True for the DuckDB type written as JSON strings: UHUGEINT, the 128-bit addresses (src_ip, dst_ip) that JSON
 * readers would round as doubles. Other integers (sums are HUGEINT) stay numbers, written with every digit.
 */
export function isQuotedJsonType(type: string): boolean {
  return type === 'UHUGEINT';
}

/** A CSV line (RFC 4180 quoting) with its newline; null as an empty field. */
export function renderCsvLine(values: readonly unknown[]): string {
  return `${values.map((value) => csvCell(formatCell(value, ''))).join(',')}\n`;
}

/** CSV lines of many rows at once, each exactly as renderCsvLine writes it (one string built, no array per row). */
export function renderCsvLines(rows: readonly (readonly unknown[])[]): string {
  let out = '';
  for (const row of rows) {
    for (let i = 0; i < row.length; i++) {
      const value = row[i];
      if (i > 0) out += ',';
      if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') out += String(value);
      else if (typeof value === 'string') out += csvCell(value);
      else out += csvCell(formatCell(value, ''));
    }
    out += '\n';
  }
  return out;
}

/** A text line: space-separated values, `-` for null, control characters escaped (the flow-log line layout). */
export function renderTextLine(values: readonly unknown[]): string {
  return `${values.map((value) => escapeControl(formatCell(value, '-'))).join(' ')}\n`;
}

/** The text of one cell: null/undefined as `missing`, objects as JSON. */
export function formatCell(value: unknown, missing: string): string {
  if (value === null || value === undefined) return missing;
  if (typeof value === 'object') return JSON.stringify(value, jsonReplacer);
  return String(value);
}

/** JSON.stringify replacer writing bigints as numbers when exact, else as strings of their digits. */
export function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value !== 'bigint') return value;
  return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(value) : String(value);
}

/** Where a table's columns go: which are shown (in order, `-1` for the `…` of hidden ones), their widths and kinds. */
export interface TableLayout {
  readonly names: readonly string[];
  readonly shown: readonly number[];
  readonly widths: readonly number[];
  readonly kinds: readonly HumanKind[];
  /** How many columns were left out to fit the width. */
  readonly hidden: number;
  readonly width: number | undefined;
}

/** The narrowest a cell is cut to (with `…`) before columns are dropped. */
const MIN_CELL = 8;
const GAP = 2;
const ELLIPSIS = '…';

/**
 * Lays a table out from a sample of its rows: each column as wide as its widest cell, then, when the total passes
 * `width`, wide columns cut down evenly (cells end in `…`) and, if even that does not fit, columns dropped from the
 * middle (first and last kept, a `…` column where they were) as DuckDB's box renderer does.
 */
export function layoutTable(names: readonly string[], sample: readonly (readonly unknown[])[], width?: number): TableLayout {
  const kinds = names.map(humanKindOf);
  const natural = names.map((name, i) => sample.reduce((w: number, row) => Math.max(w, tableCellText(kinds[i], row[i]).length), escapeControl(name).length));
  const all = names.map((_, i) => i);
  if (width === undefined || fits(natural, all, width)) return { names, shown: all, widths: natural, kinds, hidden: 0, width };
  let shown = all;
  if (!fits(natural.map((w) => Math.min(w, MIN_CELL)), all, width)) shown = keepEnds(natural, width);
  const cap = largestCap(shown.map((i) => (i < 0 ? 1 : (natural[i] ?? 0))), width);
  const widths = names.map((_, i) => Math.min(natural[i] ?? 0, cap));
  return { names, shown, widths, kinds, hidden: names.length - shown.filter((i) => i >= 0).length, width };
}

/** The header and rule lines of a laid-out table. */
export function renderTableHeader(layout: TableLayout): string {
  const header = layout.shown.map((i) => (i < 0 ? ELLIPSIS : fit(escapeControl(layout.names[i] ?? ''), layout.widths[i] ?? 0).padEnd(layout.widths[i] ?? 0)));
  const rule = layout.shown.map((i) => (i < 0 ? ELLIPSIS : '-'.repeat(layout.widths[i] ?? 0)));
  return `${header.join('  ').trimEnd()}\n${rule.join('  ')}\n`;
}

/** Rows of a laid-out table: numbers right-aligned, human units, control characters escaped, long cells cut with `…`. */
export function renderTableRows(layout: TableLayout, rows: readonly (readonly unknown[])[]): string {
  let out = '';
  for (const row of rows) {
    let line = '';
    for (let k = 0; k < layout.shown.length; k++) {
      const i = layout.shown[k] ?? 0;
      if (k > 0) line += '  ';
      if (i < 0) {
        line += ELLIPSIS;
        continue;
      }
      const value = row[i];
      const width = layout.widths[i] ?? 0;
      // Cut to the width only when fitting a terminal; else a cell wider than the sample's overflows.
      const text = layout.width === undefined ? tableCellText(layout.kinds[i], value) : fit(tableCellText(layout.kinds[i], value), width);
      line += typeof value === 'number' || typeof value === 'bigint' ? text.padStart(width) : text.padEnd(width);
    }
    out += `${line.trimEnd()}\n`;
  }
  return out;
}

/** The note under a table whose columns did not all fit; empty when none were hidden. */
export function renderTableFooter(layout: TableLayout): string {
  if (layout.hidden === 0) return '';
  return `(${layout.hidden} of ${layout.names.length} columns hidden to fit ${layout.width} characters)\n`;
}

/** A cell as a table shows it: human units for its kind, `-` for null, control characters escaped. */
export function tableCellText(kind: HumanKind, value: unknown): string {
  // Numbers, in human units or not, hold no control characters.
  const human = formatHuman(kind, value);
  if (human !== undefined) return human;
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  return escapeControl(formatCell(value, '-'));
}

function jsonValue(value: unknown, quoted: boolean): string {
  if (value === null || value === undefined) return 'null';
  switch (typeof value) {
    case 'bigint':
      return quoted ? `"${value}"` : String(value);
    case 'number':
      return quoted && Number.isFinite(value) ? `"${value}"` : JSON.stringify(value);
    case 'string': {
      // Upper-case hex in \u escapes (\u001B), as DuckDB's to_json writes them, so both renderings agree byte for byte.
      const text = JSON.stringify(value);
      return text.includes('\\u00') ? text.replace(/\\\\|\\u00[0-9a-f]{2}/g, (escape) => `${escape.slice(0, 2)}${escape.slice(2).toUpperCase()}`) : text;
    }
    default:
      return JSON.stringify(value, jsonReplacer) ?? 'null';
  }
}

function fits(widths: readonly number[], shown: readonly number[], width: number): boolean {
  return shown.reduce((sum, i) => sum + (i < 0 ? 1 : (widths[i] ?? 0)), 0) + GAP * (shown.length - 1) <= width;
}

/** The first and last columns, alternately, as many as fit at MIN_CELL each with a `…` column between. */
function keepEnds(natural: readonly number[], width: number): number[] {
  const left: number[] = [];
  const right: number[] = [];
  let used = 1;
  let lo = 0;
  let hi = natural.length - 1;
  for (let turn = 0; lo <= hi; turn++) {
    const i = turn % 2 === 0 ? lo : hi;
    const need = Math.min(natural[i] ?? 0, MIN_CELL) + GAP;
    if (used + need > width) break;
    used += need;
    if (turn % 2 === 0) left.push(lo++);
    else right.unshift(hi--);
  }
  if (left.length === 0) left.push(lo++);
  if (lo > hi) return [...left, ...right];
  return [...left, -1, ...right];
}

/** The widest cap on column widths that fits `width` (at least MIN_CELL). */
function largestCap(widths: readonly number[], width: number): number {
  const room = width - GAP * (widths.length - 1);
  let cap = Math.max(...widths, MIN_CELL);
  while (cap > MIN_CELL && widths.reduce((sum, w) => sum + Math.min(w, cap), 0) > room) cap--;
  return cap;
}

function fit(text: string, width: number): string {
  return text.length > width ? `${text.slice(0, Math.max(0, width - 1))}${ELLIPSIS}` : text;
}

function cell(row: object, column: string): unknown {
  return (row as Record<string, unknown>)[column];
}

function csvCell(text: string): string {
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
