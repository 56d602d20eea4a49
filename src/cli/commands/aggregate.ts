import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { openData } from '../data.js';
import { addReadingOptions, parseSelection } from '../options.js';
import { parseFieldList } from '../options.js';
import type { ReadingOptions } from '../options.js';
import { printRowStream } from '../record-printer.js';
import type { OutputFormat } from '../render.js';

/** `flowlens aggregate [SOURCE...]`: flows grouped by 5-tuple (or --by keys) with packet/byte statistics. */
export function registerAggregate(program: Command, context: CliContext): void {
  addReadingOptions(program.command('aggregate').argument('[source...]', 'sources (default: the database)'))
    .description('group flows by 5-tuple (or --by fields): count, min/max/sum of packets and bytes, first start, last end')
    .option('--by <fields>', 'group-by fields (default: srcaddr,dstaddr,srcport,dstport,protocol)')
    .option('-n, --limit <n>', 'show the n groups with most bytes (default: all)')
    .action(async (sources: string[], options: ReadingOptions & { by?: string; limit?: string }) => {
      const keys = parseFieldList(options.by) ?? ['srcaddr', 'dstaddr', 'srcport', 'dstport', 'protocol'];
      const data = await openData(context, sources, options, parseSelection(options), 'view');
      try {
        const { streamAggregate } = await import('../../query/flow-results.js');
        const limit = options.limit === undefined ? undefined : Number(options.limit);
        await printRowStream(context, await streamAggregate(data.store, keys, data.where, limit, (sql) => data.prepare(sql)), (options.format ?? 'table') as OutputFormat);
      } finally {
        data.close();
      }
    });
}
