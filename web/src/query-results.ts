import type { ChartKind, QueryColumn, QueryResponse } from '../../src/server/protocol.js';
import { esc } from './format.js';

/** The sort of the result table: a column index and a direction. */
export interface TableSort {
  column: number;
  desc: boolean;
}

const NUMERIC_TYPE = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|DECIMAL|REAL)/i;
const TIME_TEXT = /^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}(:?\d{2})?)?$/;
const INTEGER_TEXT = /^-?\d+$/;

/** True when a column holds numbers (by its DuckDB type, or every non-null value is a number). */
export function isNumericColumn(result: QueryResponse, index: number): boolean {
  const column = result.columns[index];
  if (column && NUMERIC_TYPE.test(column.type)) return true;
  const values = result.rows.map((row) => row[index]).filter((v) => v !== null && v !== undefined);
  return values.length > 0 && values.every((v) => typeof v === 'number');
}

/** True when a column holds times: a TIMESTAMP/DATE type, or text that reads as ISO date-times. */
export function isTimeColumn(result: QueryResponse, index: number): boolean {
  const column = result.columns[index];
  if (!column) return false;
  if (/^(TIMESTAMP|DATE)/i.test(column.type)) return true;
  const values = result.rows.map((row) => row[index]).filter((v) => v !== null && v !== undefined);
  return values.length > 0 && values.every((v) => typeof v === 'string' && TIME_TEXT.test(v));
}

/** Epoch seconds of a time value (text without a zone is UTC, as flowlens prints it), or NaN. */
export function toEpochSeconds(value: unknown): number {
  if (typeof value !== 'string') return Number.NaN;
  let text = value.replace(' ', 'T');
  if (!/T/.test(text)) text += 'T00:00:00';
  if (!/(Z|[+-]\d{2}:?\d{2})$/.test(text)) text += 'Z';
  return Date.parse(text) / 1000;
}

/** Orders two cell values: numbers (and integer text past 2^53) by value, null last, everything else as text. */
export function compareValues(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return 1;
  if (b === null || b === undefined) return -1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const bigA = toBigInt(a);
  const bigB = toBigInt(b);
  if (bigA !== undefined && bigB !== undefined) return bigA < bigB ? -1 : bigA > bigB ? 1 : 0;
  return String(a).localeCompare(String(b), 'en', { numeric: true });
}

/** The rows sorted by a column (stable: equal values keep the server's order); nulls stay last either way. */
export function sortRows(rows: readonly unknown[][], sort: TableSort | undefined): unknown[][] {
  if (!sort) return [...rows];
  const { column, desc } = sort;
  return rows
    .map((row, i) => ({ row, i }))
    .sort((x, y) => {
      const a = x.row[column];
      const b = y.row[column];
      const nullA = a === null || a === undefined;
      const nullB = b === null || b === undefined;
      if (nullA || nullB) return nullA === nullB ? x.i - y.i : nullA ? 1 : -1;
      return (desc ? -compareValues(a, b) : compareValues(a, b)) || x.i - y.i;
    })
    .map((entry) => entry.row);
}

/** A cell as text: null empty, nested values as JSON. */
export function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/** The result as CSV (RFC 4180): a header line, fields with a comma, quote or line break quoted, quotes doubled, CRLF line ends. */
export function toCsv(columns: readonly QueryColumn[], rows: readonly unknown[][]): string {
  const field = (text: string): string => (/[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text);
  const lines = [columns.map((c) => field(c.name)).join(',')];
  for (const row of rows) lines.push(columns.map((_c, i) => field(cellText(row[i]))).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

/** The result table's HTML: clickable headers (aria-sort on the sorted one), numbers right-aligned. */
export function renderTable(result: QueryResponse, rows: readonly unknown[][], sort: TableSort | undefined): string {
  const numeric = result.columns.map((_c, i) => isNumericColumn(result, i));
  const head = result.columns
    .map((c, i) => {
      const sorted = sort?.column === i;
      const arrow = sorted ? (sort.desc ? ' ▼' : ' ▲') : '';
      return `<th data-col="${i}" class="${numeric[i] ? 'num' : ''}" title="${esc(c.type)} · click to sort" aria-sort="${sorted ? (sort.desc ? 'descending' : 'ascending') : 'none'}">${esc(c.name)}${arrow}</th>`;
    })
    .join('');
  const body = rows
    .map((row) => `<tr>${result.columns.map((_c, i) => `<td${numeric[i] ? ' class="num"' : ''}>${row[i] === null ? '<span class="null">null</span>' : esc(cellText(row[i]))}</td>`).join('')}</tr>`)
    .join('');
  return `<table class="query-table" data-testid="query-table"><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

/** What a result can be drawn as: a time series over its first column, bars per label, or nothing. */
export interface ChartPlan {
  kind: 'time' | 'bar';
  /** Column index of the x axis (time) — or the label columns (bars). */
  labels: number[];
  /** Numeric columns one can plot, and the one shown first. */
  measures: number[];
  measure: number;
}

/** The most rows drawn as bars. */
export const MAX_BARS = 50;

/**
 * Picks a chart for a result: a time series when the first column is a time/bin and a numeric column follows; bars
 * when there are text columns and numeric ones and at most 50 rows. `suggested` (a report's chart) can rule one out.
 */
export function planChart(result: QueryResponse, suggested?: ChartKind): ChartPlan | undefined {
  if (suggested === 'table' || result.rows.length === 0) return undefined;
  const indexes = result.columns.map((_c, i) => i);
  if (suggested !== 'bar' && isTimeColumn(result, 0)) {
    const measures = indexes.filter((i) => i > 0 && isNumericColumn(result, i));
    if (measures.length) return { kind: 'time', labels: [0], measures, measure: measures[0] as number };
  }
  if (suggested === 'time' || result.rows.length > MAX_BARS) return undefined;
  const numeric = indexes.filter((i) => isNumericColumn(result, i));
  const labels = indexes.filter((i) => !numeric.includes(i));
  if (!labels.length || !numeric.length) return undefined;
  // The first number after the labels is the usual measure (`day, day_name, rejections` → rejections).
  const measure = numeric.find((i) => i > (labels[0] as number)) ?? (numeric[0] as number);
  return { kind: 'bar', labels, measures: numeric, measure };
}

/** Horizontal SVG bars of one measure per row label (labels joined with →), the longest bar at full width. */
export function renderBarChart(result: QueryResponse, rows: readonly unknown[][], plan: ChartPlan): string {
  const bars = rows.map((row) => ({ label: plan.labels.map((i) => cellText(row[i])).join(' → '), value: Number(row[plan.measure] ?? 0) }));
  const width = 600;
  const labelWidth = Math.min(300, 12 + 6.7 * Math.max(...bars.map((b) => b.label.length)));
  const barHeight = 16;
  const top = 6;
  const height = top + bars.length * (barHeight + 3) + 8;
  const max = Math.max(...bars.map((b) => b.value), 0);
  const scale = max > 0 ? (width - labelWidth - 80) / max : 0;
  const drawn = bars
    .map((b, i) => {
      const y = top + i * (barHeight + 3);
      const w = Math.max(0, b.value * scale);
      return `<g data-label="${esc(b.label)}" data-value="${b.value}"><text x="${labelWidth - 8}" y="${y + 12}" text-anchor="end">${esc(b.label)}</text>`
        + `<rect x="${labelWidth}" y="${y}" width="${w.toFixed(1)}" height="${barHeight}"><title>${esc(b.label)}: ${esc(b.value.toLocaleString('en-US'))}</title></rect>`
        + `<text x="${labelWidth + w + 6}" y="${y + 12}" class="value">${esc(b.value.toLocaleString('en-US'))}</text></g>`;
    })
    .join('');
  const name = result.columns[plan.measure]?.name ?? '';
  return `<svg class="query-bars" data-testid="query-bars" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${esc(name)} per row">${drawn}</svg>`;
}

/** Sums of one measure per distinct time of the first column, in time order (a report's rows per source add up). */
export function timeSeries(rows: readonly unknown[][], plan: ChartPlan): [number[], number[]] {
  const sums = new Map<number, number>();
  for (const row of rows) {
    const t = toEpochSeconds(row[plan.labels[0] as number]);
    if (Number.isNaN(t)) continue;
    sums.set(t, (sums.get(t) ?? 0) + Number(row[plan.measure] ?? 0));
  }
  const times = [...sums.keys()].sort((a, b) => a - b);
  return [times, times.map((t) => sums.get(t) as number)];
}

function toBigInt(value: unknown): bigint | undefined {
  if (typeof value === 'number') return Number.isInteger(value) ? BigInt(value) : undefined;
  return typeof value === 'string' && INTEGER_TEXT.test(value) ? BigInt(value) : undefined;
}
