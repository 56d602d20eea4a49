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
    .option('--table-alias <name=target>', 'let your Athena table name (db.table) stand for flows, s3_access or cloudtrail; repeatable', (v: string, all: string[] = []) => [...all, v])
    .action(async (sql: string, sources: string[], options: ReadingOptions & { tableAlias?: string[]; sqlOnly?: boolean }) => {
      const { parseTableAliases, stripDatabaseQualifiers, tableAliasStatements } = await import('../../query/table-aliases.js');
      const aliases = parseTableAliases(options.tableAlias ?? []);
      const text = stripDatabaseQualifiers(sql, aliases);
      if (options.sqlOnly) {
        const { rewritePrestoFormats } = await import('../../engines/duckdb/index.js');
        return writeOut(context, `${rewritePrestoFormats(text)}\n`);
      }
      const { restrictFlowsStatements, streamUserSql } = await import('../../engines/duckdb/index.js');
      const { SqlSandbox } = await import('../../engines/duckdb/index.js');
      const data = await openData(context, sources, options, parseSelection(options), 'table', [text]);
      try {
        // The SQL runs in the sandbox (the database read-only, no files, no extensions, settings locked) on
        // connections where `flows` holds only the selected records and the table aliases exist.
        const setup = [...(await restrictFlowsStatements(data.store, data.where)), ...tableAliasStatements(aliases)];
        const sandbox = await SqlSandbox.open(data.store, { setup });
        try {
          await streamUserSql(sandbox, text, (stream) => printRowStream(context, stream, (options.format ?? 'table') as OutputFormat));
        } finally {
          await sandbox.close();
        }
      } finally {
        data.close();
      }
    });
}
