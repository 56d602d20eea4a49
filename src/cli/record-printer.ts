import type { RowStream } from '../store/database.js';
import type { CliContext } from './context.js';
import { tableWidth, writeOut } from './context.js';
import { isQuotedJsonType, layoutTable, renderCsvLine, renderCsvLines, renderJsonObject, renderTableFooter, renderTableHeader, renderTableRows, renderTextLine } from './render.js';
import type { OutputFormat, TableLayout } from './render.js';

/** Rows a table holds back to size its columns before it starts printing; later rows reuse those widths. */
export const TABLE_SAMPLE_ROWS = 1000;

/**
 * Writes rows (arrays in column order) to stdout as they come, in any output format. The column set may change
 * between batches (records of several formats): csv and table then print a new header, json stays one array.
 * A table holds back its first TABLE_SAMPLE_ROWS rows to size its columns to the terminal, then streams.
 */
export class RowWriter {
  private names: readonly string[] = [];
  private quoted: boolean[] = [];
  private key: string | undefined;
  private layout: TableLayout | undefined;
  private sample: (readonly unknown[])[] = [];
  private jsonRows = 0;
  private tables = 0;

  constructor(
    private readonly context: CliContext,
    private readonly format: OutputFormat,
  ) {}

  /** Sets the columns of the rows that follow (and their DuckDB types, when known: 128-bit integers become JSON strings). */
  async columns(names: readonly string[], types?: readonly string[]): Promise<void> {
    const key = names.join('\u0000');
    if (key === this.key) return;
    await this.endTable();
    const first = this.key === undefined;
    this.key = key;
    this.names = names;
    this.quoted = names.map((_, i) => isQuotedJsonType(types?.[i] ?? ''));
    if (this.format === 'csv') await writeOut(this.context, renderCsvLine(names));
    if (this.format === 'table' && !first) this.sample = [];
  }

  /** Writes a batch of rows of the current columns. */
  async rows(rows: readonly (readonly unknown[])[]): Promise<void> {
    if (rows.length === 0) return;
    switch (this.format) {
      case 'ndjson':
        return writeOut(this.context, this.mapJoin(rows, (row) => `${renderJsonObject(this.names, row, this.quoted)}\n`));
      case 'json': {
        const text = this.mapJoin(rows, (row) => `${this.jsonRows++ === 0 ? '[\n' : ',\n'}  ${renderJsonObject(this.names, row, this.quoted)}`);
        return writeOut(this.context, text);
      }
      case 'csv':
        return writeOut(this.context, renderCsvLines(rows));
      case 'text':
        return writeOut(this.context, this.mapJoin(rows, renderTextLine));
      default:
        if (this.layout) return writeOut(this.context, renderTableRows(this.layout, rows));
        this.sample.push(...rows);
        if (this.sample.length >= TABLE_SAMPLE_ROWS) await this.startTable();
    }
  }

  /** Ends the output: the rows a table still holds, its footer, the end of the JSON array. */
  async finish(): Promise<void> {
    if (this.format === 'table' && this.key === undefined) return;
    await this.endTable();
    if (this.format === 'json') await writeOut(this.context, this.jsonRows === 0 ? '[]\n' : '\n]\n');
  }

  private async startTable(): Promise<void> {
    this.layout = layoutTable(this.names, this.sample, tableWidth(this.context));
    const gap = this.tables++ > 0 ? '\n' : '';
    const rows = this.sample;
    this.sample = [];
    await writeOut(this.context, gap + renderTableHeader(this.layout) + renderTableRows(this.layout, rows));
  }

  private async endTable(): Promise<void> {
    if (this.format !== 'table' || this.key === undefined) return;
    if (!this.layout) await this.startTable();
    const layout = this.layout;
    this.layout = undefined;
    if (layout) await writeOut(this.context, renderTableFooter(layout));
  }

  private mapJoin(rows: readonly (readonly unknown[])[], render: (row: readonly unknown[]) => string): string {
    let out = '';
    for (const row of rows) out += render(row);
    return out;
  }
}

/** Prints a query's rows as DuckDB produces them; a closed stdout stops the query (see writeOut). */
export async function printRowStream(context: CliContext, stream: RowStream, format: OutputFormat): Promise<void> {
  const writer = new RowWriter(context, format);
  await writer.columns(stream.columns, stream.types);
  for await (const rows of stream) await writer.rows(rows);
  await writer.finish();
}

/** Streams row objects to stdout in any output format, re-printing headers when the column set changes. */
export class RecordPrinter {
  private readonly writer: RowWriter;

  constructor(
    context: CliContext,
    format: OutputFormat,
    readonly fields: string[] | undefined,
  ) {
    this.writer = new RowWriter(context, format);
  }

  /** Prints a batch of rows with the given columns. */
  async rows(columns: readonly string[], rows: readonly Record<string, unknown>[]): Promise<void> {
    if (rows.length === 0) return;
    await this.writer.columns(columns);
    await this.writer.rows(rows.map((row) => columns.map((c) => row[c] ?? null)));
  }

  /** Prints a batch of rows given as arrays in the order of `columns`. */
  async arrays(columns: readonly string[], rows: readonly (readonly unknown[])[]): Promise<void> {
    if (rows.length === 0) return;
    await this.writer.columns(columns);
    await this.writer.rows(rows);
  }

  /** Ends the output (closes the JSON array, prints a table's held rows). */
  async finish(): Promise<void> {
    await this.writer.finish();
  }
}
