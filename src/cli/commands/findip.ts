import type { Command } from 'commander';
import { cidrRange, UsageError } from '../../records/index.js';
import type { CliContext } from '../context.js';
import { openData } from '../data.js';
import type { OpenedData } from '../data.js';
import { addReadingOptions, parsePositiveInt, parseSelection } from '../options.js';
import { parseFieldList } from '../options.js';
import type { ReadingOptions } from '../options.js';
import type { OutputFormat } from '../render.js';

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
 * Prints the flows of the ranges in start order (planFindip plans the reading); DuckDB renders each line
 * (printFlowRows), so 800,000 rows never become 11 million JS values.
 */
async function printFindip(
  context: CliContext,
  data: OpenedData,
  ranges: readonly { low: bigint; high: bigint }[],
  options: { fields: string[] | undefined; format: OutputFormat; limit: number | undefined },
): Promise<void> {
  const { planFindip } = await import('../../query/findip.js');
  const { printFlowRows } = await import('../sql-lines.js');
  const { RecordPrinter } = await import('../record-printer.js');
  const plan = await planFindip(data.store, data.where, ranges, { fields: options.fields, limit: options.limit });
  try {
    await printFlowRows(context, data.store, plan.slices(plan.columns), plan.columns, options.format, () => new RecordPrinter(context, options.format, options.fields));
  } finally {
    await plan.close();
  }
}
