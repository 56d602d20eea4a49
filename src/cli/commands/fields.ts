import type { Command } from 'commander';
import { Option } from 'commander';
import { ALL_FIELDS, toColumnName } from '../../records/index.js';
import type { CliContext } from '../context.js';
import { printTable } from './table-command.js';

/** `flowlens fields`: every flow-log field with its column name, version and kind. */
export function registerFields(program: Command, context: CliContext): void {
  program
    .command('fields')
    .description('list every flow-log field flowlens knows (v2–v11 and transit gateway)')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['table', 'json', 'ndjson', 'csv']).default('table'))
    .action(async (options: { format: string }) => {
      const rows = ALL_FIELDS.map((f) => ({ field: f.name, column: toColumnName(f.name), version: f.version, kind: f.kind }));
      await printTable(context, { columns: ['field', 'column', 'version', 'kind'], rows }, options.format);
    });
}
