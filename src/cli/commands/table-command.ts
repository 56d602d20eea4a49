import type { CliContext } from '../context.js';
import { writeOut } from '../context.js';
import { renderTable } from '../render.js';
import type { OutputFormat, Table } from '../render.js';

/** Prints a finished result table in the format the user chose. */
export async function printTable(context: CliContext, table: Table, format: string | undefined): Promise<void> {
  await writeOut(context, renderTable(table, (format ?? 'table') as OutputFormat));
}
