import type { Command } from 'commander';
import { Option } from 'commander';
import { formatError } from '../../records/index.js';
import type { CliContext } from '../context.js';
import { writeErr, writeOut } from '../context.js';
import { renderTable } from '../render.js';

interface SourcesOptions {
  profile?: string;
  region?: string;
  endpointUrl?: string;
  logGroupPrefix?: string;
  format: 'table' | 'json';
}

/** `flowlens sources`: the log groups and flow log configurations of an account, as SOURCEs to read. */
export function registerSources(program: Command, context: CliContext): void {
  program
    .command('sources')
    .description(
      'list CloudWatch Logs log groups (with stored bytes) and, where EC2 permits, the flow log configurations, as s3:// and cwl:// SOURCEs',
    )
    .option('--log-group-prefix <prefix>', 'only log groups whose name starts with this')
    .option('--profile <name>', 'AWS profile')
    .option('--region <region>', 'AWS region')
    .option('--endpoint-url <url>', 'endpoint of a CloudWatch Logs- and EC2-compatible service')
    .addOption(
      new Option('-f, --format <format>', 'output format').choices(['table', 'json']).default('table'),
    )
    .action(async (options: SourcesOptions) => {
      const { listFlowLogConfigs, listLogGroups } = await import('../../sources/discover.js');
      const aws = { profile: options.profile, region: options.region, endpointUrl: options.endpointUrl };
      const logGroups = await listLogGroups(aws, options.logGroupPrefix);
      // DescribeFlowLogs needs ec2:DescribeFlowLogs, which log readers often lack: say so and go on.
      const flowLogs = await listFlowLogConfigs(aws).catch((error: unknown) => {
        writeErr(
          context,
          `warning: flow log configurations not listed: ${formatError(error).replace(/^error: /, '')}`,
        );
        return null;
      });
      if (options.format === 'json') {
        await writeOut(context, `${JSON.stringify({ logGroups, flowLogs }, null, 2)}\n`);
        return;
      }
      const groupRows = logGroups.map((g) => ({
        ...g,
        storedBytes: g.storedBytes,
        retentionDays: g.retentionDays ?? 'never expires',
      }));
      let text = `Log groups\n${renderTable({ columns: ['source', 'storedBytes', 'retentionDays', 'created'], rows: groupRows }, 'table')}`;
      if (flowLogs) {
        text += `\nFlow logs\n${renderTable({ columns: ['id', 'resource', 'traffic', 'destination', 'status', 'aggregationSeconds', 'format'], rows: flowLogs.map((f) => ({ ...f })) }, 'table')}`;
      }
      await writeOut(context, text);
    });
}
