import type { CliContext } from './context.js';
import { writeOut } from './context.js';
import { computeWidths, renderAligned, renderCsv, renderNdjsonRows, renderTextRows, stringifyJson } from './render.js';
import type { OutputFormat } from './render.js';

/** Streams rows to stdout in any output format, re-printing headers when the column set changes. */
export class RecordPrinter {
  private columnsKey = '';
  private widths: number[] = [];
  private jsonStarted = false;
  private jsonFirst = true;
  private printedTable = false;

  constructor(
    private readonly context: CliContext,
    private readonly format: OutputFormat,
    readonly fields: string[] | undefined,
  ) {}

  /** Prints a batch of rows with the given columns. */
  async rows(columns: readonly string[], rows: readonly Record<string, unknown>[]): Promise<void> {
    if (rows.length === 0) return;
    const key = columns.join(',');
    const changed = key !== this.columnsKey;
    this.columnsKey = key;
    switch (this.format) {
      case 'ndjson':
        return writeOut(this.context, renderNdjsonRows(rows, columns));
      case 'text':
        return writeOut(this.context, renderTextRows(rows, columns));
      case 'csv':
        return writeOut(this.context, renderCsv({ columns, rows }, changed));
      case 'json': {
        let text = this.jsonStarted ? '' : '[\n';
        this.jsonStarted = true;
        for (const row of rows) {
          const object: Record<string, unknown> = {};
          for (const column of columns) object[column] = row[column] ?? null;
          text += `${this.jsonFirst ? '' : ',\n'}  ${stringifyJson(object)}`;
          this.jsonFirst = false;
        }
        return writeOut(this.context, text);
      }
      default: {
        const table = { columns, rows };
        const widths = computeWidths(table);
        if (changed) this.widths = widths;
        else this.widths = this.widths.map((w, i) => Math.max(w, widths[i] ?? 0));
        const gap = changed && this.printedTable ? '\n' : '';
        this.printedTable = true;
        return writeOut(this.context, `${gap}${renderAligned(table, this.widths, changed)}`);
      }
    }
  }

  /** Ends the output (closes the JSON array). */
  async finish(): Promise<void> {
    if (this.format === 'json') await writeOut(this.context, this.jsonStarted ? '\n]\n' : '[]\n');
  }
}
