import type { Command } from 'commander';
import { Option } from 'commander';
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
        // text is an excerpt of a long line; text_length its whole length (computed for stores made before the column).
        const kept = Number(await data.store.scalar("SELECT count(*) FROM duckdb_columns() WHERE table_name = 'rejects' AND column_name = 'text_length'")) > 0;
        const length = kept ? 'coalesce(text_length, length(text))' : 'length(text)';
        await printQuery(context, data.store, `SELECT source AS file, line, code, message, text, ${length} AS text_length FROM rejects ORDER BY unit_id, line LIMIT ${limit}`, options.format);
      } finally {
        data.close();
      }
    });
}
