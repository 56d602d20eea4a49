import type { Command } from 'commander';
import { UsageError } from '../../records/index.js';
import type { CliContext } from '../context.js';
import { writeOut } from '../context.js';
import { openData } from '../data.js';
import { addReadingOptions, parsePositiveInt, parseSelection } from '../options.js';
import type { ReadingOptions } from '../options.js';
import { renderTable } from '../render.js';
import type { OutputFormat } from '../render.js';

interface SuggestCliOptions extends ReadingOptions {
  by?: string;
  internetThreshold?: string;
  securityGroups?: string;
  interfaces?: string;
}

/** `flowlens suggest security-groups [SOURCE...]`: least-privilege inbound rules from accepted traffic; never applies anything. */
export function registerSuggest(program: Command, context: CliContext): void {
  const suggest = program.command('suggest').description('suggestions derived from traffic (read-only: nothing is applied)');
  addReadingOptions(suggest.command('security-groups').argument('[source...]', 'sources (default: the database)'))
    .description('least-privilege inbound rules per ENI from accepted inbound flows; compare with describe-security-groups JSON')
    .option('--by <grouping>', 'eni, instance or subnet', 'eni')
    .option('--internet-threshold <n>', 'distinct public sources from which a port is treated as internet-facing (0.0.0.0/0)', '20')
    .option('--security-groups <file>', '`aws ec2 describe-security-groups` JSON to compare with')
    .option('--interfaces <file>', '`aws ec2 describe-network-interfaces` JSON (which groups each ENI has)')
    .action(async (sources: string[], options: SuggestCliOptions) => {
      const by = options.by ?? 'eni';
      if (!['eni', 'instance', 'subnet'].includes(by)) throw new UsageError(`--by "${by}" is not eni, instance or subnet`);
      const { suggestSecurityGroups, loadSecurityGroups, loadInterfaceGroups } = await import('../../suggest/index.js');
      const data = await openData(context, sources, options, parseSelection(options));
      try {
        const result = await suggestSecurityGroups(data.store, {
          where: data.where,
          groupBy: by as 'eni',
          internetThreshold: parsePositiveInt(options.internetThreshold, '--internet-threshold', 20),
          securityGroups: options.securityGroups ? loadSecurityGroups(options.securityGroups) : undefined,
          interfaceGroups: options.interfaces ? loadInterfaceGroups(options.interfaces) : undefined,
        });
        const format = (options.format ?? 'table') as OutputFormat;
        if (format === 'json') {
          await writeOut(context, `${JSON.stringify(result, null, 2)}\n`);
          return;
        }
        await writeOut(context, renderTable({ columns: ['target', 'protocol', 'port', 'source', 'peers', 'flows', 'bytes'], rows: result.rules }, format));
        if (result.findings.length > 0 && format === 'table') {
          await writeOut(context, `\ncompared with the current rules:\n${renderTable({ columns: ['kind', 'groupId', 'rule', 'detail'], rows: result.findings }, 'table')}`);
        }
      } finally {
        data.close();
      }
    });
}
