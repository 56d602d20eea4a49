import type { Command } from 'commander';
import { Option } from 'commander';
import type { CliContext } from '../context.js';
import { writeOut } from '../context.js';
import { openData } from '../data.js';
import { addReadingOptions, parseSelection } from '../options.js';
import type { ReadingOptions } from '../options.js';
import { printRowStream } from '../record-printer.js';
import type { OutputFormat } from '../render.js';

/** `flowlens query SQL [SOURCE...]`: read-only SQL on the flows table. */
export function registerQuery(program: Command, context: CliContext): void {
  addReadingOptions(program.command('query').argument('<sql>', 'a SELECT statement').argument('[source...]', 'sources (default: the database)'))
    .description('run read-only SQL on the `flows` table (and the Athena-style views); --start, --end, --action and --filter-pattern narrow what `flows` holds; see README "Schema"')
    .addOption(new Option('--sql-only', 'print the SQL that would run and exit').hideHelp())
    .action(async (sql: string, sources: string[], options: ReadingOptions & { sqlOnly?: boolean }) => {
      if (options.sqlOnly) {
        const { toReadOnlySql } = await import('../../query/user-sql.js');
        return writeOut(context, `${toReadOnlySql(sql)}\n`);
      }
      const { restrictFlows, streamUserSql } = await import('../../query/user-sql-stream.js');
      const data = await openData(context, sources, options, parseSelection(options));
      try {
        await restrictFlows(data.store, data.where);
        await printRowStream(context, await streamUserSql(data.store, sql), (options.format ?? 'table') as OutputFormat);
      } finally {
        data.close();
      }
    });
}
