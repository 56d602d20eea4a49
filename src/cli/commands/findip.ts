import type { Command } from 'commander';
import { cidrRange, UsageError } from '../../records/index.js';
import type { CliContext } from '../context.js';
import { openData } from '../data.js';
import type { OpenedData } from '../data.js';
import { addReadingOptions, parsePositiveInt, parseSelection } from '../options.js';
import type { ReadingOptions } from '../options.js';
import type { OutputFormat } from '../render.js';
import { parseFieldList } from './print.js';

/** `flowlens findip IP... --in SOURCE`: every flow whose source or destination is one of the addresses or CIDRs. */
export function registerFindip(program: Command, context: CliContext): void {
  addReadingOptions(program.command('findip').argument('<address...>', 'IPv4/IPv6 addresses or CIDRs'), ['table', 'text', 'ndjson', 'json', 'csv'])
    .description('print every flow from or to the given addresses (or CIDRs)')
    .option('-i, --in <sources>', 'comma-separated sources to search (default: the database)')
    .option('--fields <names>', 'comma-separated fields to print')
    .option('-n, --limit <n>', 'print at most n records')
    .action(async (addresses: string[], options: ReadingOptions & { in?: string; fields?: string; limit?: string }) => {
      const limit = options.limit === undefined ? undefined : parsePositiveInt(options.limit, '--limit', 1);
      const ranges = addresses.map((address) => {
        try {
          return cidrRange(address);
        } catch (error) {
          throw new UsageError(`findip: ${(error as Error).message}`, { hint: 'give addresses like 10.0.1.5, 2001:db8::1 or CIDRs like 10.0.1.0/24' });
        }
      });
      const sources = options.in ? options.in.split(',') : [];
      const data = await openData(context, sources, options, parseSelection(options));
      try {
        await printFindip(context, data, ranges, { fields: parseFieldList(options.fields), format: options.format as OutputFormat, limit });
      } finally {
        data.close();
      }
    });
}

/**
 * Prints the flows of the ranges in start order. The rollups (when up to date) narrow the scan to the units and
 * address texts that hold the ranges; the columns with values come from a sample (a full pass only for undecided
 * ones), a table's widths from one pass, then DuckDB renders each row's line, so 800,000 rows cross into JS as 800,000 strings, not 11 million values.
 */
async function printFindip(
  context: CliContext,
  data: OpenedData,
  ranges: readonly { low: bigint; high: bigint }[],
  options: { fields: string[] | undefined; format: OutputFormat; limit: number | undefined },
): Promise<void> {
  const { findipFlowsSql } = await import('../../query/flow-queries.js');
  const { readFindipPruning } = await import('../../query/findip-pruning.js');
  const { FLOW_COLUMNS, quoteIdentifier, readStoredColumns } = await import('../../store/index.js');
  const { lineColumnKind, printSqlLines, readLineProfile, readPresentColumns } = await import('../sql-lines.js');
  const { ALL_COLUMNS } = await import('../../records/index.js');
  const found = findipFlowsSql(data.where, ranges, await readFindipPruning(data.store, ranges));
  const ordered = (columns: string): string =>
    `SELECT ${columns} FROM ${found} AS f ORDER BY "start", unit_id${options.limit === undefined ? '' : ` LIMIT ${options.limit}`}`;
  const types = new Map(FLOW_COLUMNS.map((c) => [c.name, c.type]));
  const lineColumns = (names: readonly string[]): { name: string; kind: 'integer' | 'text' }[] | undefined => {
    const out = names.map((name) => ({ name, kind: lineColumnKind(types.get(name) ?? '') }));
    return out.every((c) => c.kind !== undefined) ? (out as { name: string; kind: 'integer' | 'text' }[]) : undefined;
  };
  // Columns with values among all found rows, as presentFieldColumns (a field the table lacks is NULL everywhere).
  let columns = options.fields;
  if (!columns) {
    const stored = await readStoredColumns(data.store);
    const present = await readPresentColumns(data.store, found, ALL_COLUMNS.filter((c) => stored.has(c)));
    columns = present.length > 0 ? present : ALL_COLUMNS.slice(0, 14);
  }
  const selected = lineColumns(columns);
  // A table needs its widths first: one pass over the printed rows, which also tells whether SQL pads like JS.
  const profile = selected && options.format === 'table' ? await readLineProfile(data.store, options.limit === undefined ? found : `(${ordered('*')})`, selected, 'table') : undefined;
  if (selected && (profile?.renderable ?? true)) {
    await printSqlLines(context, data.store, ordered(selected.map((c) => quoteIdentifier(c.name)).join(', ')), selected, options.format, profile?.widths);
    return;
  }
  // Values SQL cannot render as JS does (see readLineProfile): rows as JS objects through the RecordPrinter.
  const { RecordPrinter } = await import('../record-printer.js');
  const printer = new RecordPrinter(context, options.format, options.fields);
  for await (const batch of data.store.stream(ordered(columns.map(quoteIdentifier).join(', ')))) await printer.rows(columns, batch);
  await printer.finish();
}
