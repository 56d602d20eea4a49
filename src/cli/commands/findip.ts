import type { Command } from 'commander';
import { cidrRange, UsageError } from '../../records/index.js';
import type { CliContext } from '../context.js';
import { openData } from '../data.js';
import { addReadingOptions, parsePositiveInt, parseSelection } from '../options.js';
import type { ReadingOptions } from '../options.js';
import { RecordPrinter } from '../record-printer.js';
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
        const { findipFlowsSql } = await import('../../query/flow-queries.js');
        const { presentFieldColumns } = await import('../../query/present-columns.js');
        const found = findipFlowsSql(data.where, ranges);
        const fields = parseFieldList(options.fields);
        const columns = fields ?? (await presentFieldColumns(data.store, 'TRUE', found));
        const printer = new RecordPrinter(context, options.format as OutputFormat, fields);
        const { quoteIdentifier } = await import('../../store/index.js');
        for await (const batch of data.store.stream(`SELECT ${columns.map(quoteIdentifier).join(', ')} FROM ${found} AS f ORDER BY "start", unit_id${limit === undefined ? '' : ` LIMIT ${limit}`}`)) {
          await printer.rows(columns, batch);
        }
        await printer.finish();
      } finally {
        data.close();
      }
    });
}
