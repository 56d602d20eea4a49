import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { openData } from '../data.js';
import { addReadingOptions, parseSelection } from '../options.js';
import type { ReadingOptions } from '../options.js';
import { printQuery } from './table-command.js';

/** `flowlens ipset [SOURCE...]`: the unique addresses seen, as flowlogs_reader's ipset. */
export function registerIpset(program: Command, context: CliContext): void {
  addReadingOptions(program.command('ipset').argument('[source...]', 'sources (default: the database)'), ['text', 'table', 'json', 'ndjson', 'csv'])
    .description('unique source and destination addresses, in numeric order')
    .action(async (sources: string[], options: ReadingOptions) => {
      const data = await openData(context, sources, options, parseSelection(options));
      try {
        const { ipsetSql } = await import('../../query/flow-queries.js');
        await printQuery(context, data.store, ipsetSql(data.where), options.format, ['address']);
      } finally {
        data.close();
      }
    });
}
