import type { Command } from 'commander';
import { Option } from 'commander';
import { UsageError } from '../../records/index.js';
import type { CliContext } from '../context.js';
import { openData } from '../data.js';
import { addReadingOptions, parseSelection } from '../options.js';
import type { ReadingOptions } from '../options.js';
import { printTable } from './table-command.js';

/** `flowlens query SQL [SOURCE...]`: read-only SQL on the flows table. */
export function registerQuery(program: Command, context: CliContext): void {
  addReadingOptions(program.command('query').argument('<sql>', 'a SELECT statement').argument('[source...]', 'sources (default: the database)'))
    .description('run read-only SQL on the `flows` table (and the Athena-style views); see README "Schema"')
    .addOption(new Option('--sql-only', 'print the SQL that would run and exit').hideHelp())
    .action(async (sql: string, sources: string[], options: ReadingOptions) => {
      const selection = parseSelection(options);
      // The SQL names its own tables, so a selection cannot be applied to it: say so instead of ignoring it.
      if (selection.start !== undefined || selection.end !== undefined || selection.action !== undefined || selection.filterPattern !== undefined) {
        const { selectionToSql } = await import('../../query/selection.js');
        throw new UsageError('--start, --end, --action and --filter-pattern do not apply to `flowlens query`: the SQL chooses its rows', {
          hint: `write the condition in the SQL instead, e.g. … FROM flows WHERE ${await selectionToSql(selection)}`,
        });
      }
      const { runUserSql } = await import('../../query/user-sql.js');
      const data = await openData(context, sources, options, selection);
      try {
        const result = await runUserSql(data.store, sql);
        await printTable(context, result, options.format);
      } finally {
        data.close();
      }
    });
}
