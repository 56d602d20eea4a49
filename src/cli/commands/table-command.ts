import type { RowStream, Store } from '../../store/database.js';
import type { CliContext } from '../context.js';
import { tableWidth, writeOut } from '../context.js';
import { printRowStream } from '../record-printer.js';
import { renderTable } from '../render.js';
import type { OutputFormat, Table } from '../render.js';

/** Prints a finished result table in the format the user chose (tables fitted to the terminal). */
export async function printTable(context: CliContext, table: Table, format: string | undefined): Promise<void> {
  await writeOut(context, renderTable(table, (format ?? 'table') as OutputFormat, { width: tableWidth(context) }));
}

/** Runs a query and prints its rows as DuckDB produces them; `columns` picks and orders result columns by name. */
export async function printQuery(context: CliContext, store: Store, sql: string, format: string | undefined, columns?: readonly string[]): Promise<void> {
  const stream = await store.streamRows(sql);
  await printRowStream(context, columns ? pickColumns(stream, columns) : stream, (format ?? 'table') as OutputFormat);
}

/** A RowStream of only the named columns (null for a name the result lacks). */
export function pickColumns(stream: RowStream, columns: readonly string[]): RowStream {
  const indexes = columns.map((name) => stream.columns.indexOf(name));
  return {
    columns: [...columns],
    types: indexes.map((i) => stream.types[i] ?? ''),
    async *[Symbol.asyncIterator]() {
      for await (const rows of stream) yield rows.map((row) => indexes.map((i) => (i < 0 ? null : row[i])));
    },
  };
}
