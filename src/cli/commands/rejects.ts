import type { Command } from 'commander';
import { Option } from 'commander';
import { rejectsSql } from '../../store/rejects.js';
import type { CliContext } from '../context.js';
import { openData } from '../data.js';
import { parsePositiveInt } from '../options.js';
import { printQuery } from './table-command.js';

/** `flowlens rejects`: the bad lines ingest kept aside, with file, line and reason. */
export function registerRejects(program: Command, context: CliContext): void {
  program
    .command('rejects')
    .description('show the bad lines kept aside by ingest (file, line, reason, text)')
    .option('--db <path>', 'database file')
    .option('-n, --limit <n>', 'show at most n', '100')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['table', 'json', 'ndjson', 'csv']).default('table'))
    .action(async (options: { db?: string; limit: string; format: string }) => {
      const data = await openData(context, [], options, {});
      try {
        const limit = parsePositiveInt(options.limit, '--limit', 100);
        await printQuery(context, data.store, await rejectsSql(data.store, limit), options.format);
      } finally {
        data.close();
      }
    });
}
