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
    .option('--table-alias <name=target>', 'let your Athena table name (db.table) stand for flows, s3_access or cloudtrail; repeatable', (v: string, all: string[] = []) => [...all, v])
    .action(async (sql: string, sources: string[], options: ReadingOptions & { tableAlias?: string[] }) => {
      const selection = parseSelection(options);
      // The SQL names its own tables, so a selection cannot be applied to it: say so instead of ignoring it.
      if (selection.start !== undefined || selection.end !== undefined || selection.action !== undefined || selection.filterPattern !== undefined) {
        const { selectionToSql } = await import('../../query/selection.js');
        throw new UsageError('--start, --end, --action and --filter-pattern do not apply to `flowlens query`: the SQL chooses its rows', {
          hint: `write the condition in the SQL instead, e.g. … FROM flows WHERE ${await selectionToSql(selection)}`,
        });
      }
      const { runUserSql } = await import('../../query/user-sql.js');
      const { SqlSandbox } = await import('../../store/index.js');
      const { parseTableAliases, stripDatabaseQualifiers, tableAliasStatements } = await import('../../query/table-aliases.js');
      const aliases = parseTableAliases(options.tableAlias ?? []);
      const data = await openData(context, sources, options, selection);
      try {
        // The SQL runs in the sandbox: the database read-only, no files, no extensions, settings locked.
        const sandbox = await SqlSandbox.open(data.store, { setup: tableAliasStatements(aliases) });
        try {
          const result = await runUserSql(sandbox, stripDatabaseQualifiers(sql, aliases));
          await printTable(context, result, options.format);
        } finally {
          await sandbox.close();
        }
      } finally {
        data.close();
      }
    });
}
