import type { Command } from 'commander';
import { UsageError } from '../records/index.js';
import type { CliContext } from './context.js';
import { writeErr, writeOut } from './context.js';
import { openData } from './data.js';
import type { ReadingOptions } from './options.js';
import { parseSelection } from './options.js';
import { renderTable } from './render.js';
import type { OutputFormat } from './render.js';

/** Options of `flowlens report costs`. */
export interface CostsOptions extends ReadingOptions {
  prices?: string;
  interfaces?: string;
  subnets?: string;
  ipRanges?: string;
  awsRegion?: string;
  by?: string;
}

/** Adds the cost report's own options to the report command. */
export function addCostOptions(command: Command): Command {
  return command
    .option('--prices <file>', 'costs: YAML price table overriding the defaults (USD per GB)')
    .option('--interfaces <file>', 'costs: `aws ec2 describe-network-interfaces` JSON (finds NAT gateway interfaces)')
    .option('--subnets <file>', 'costs: `aws ec2 describe-subnets` JSON (subnet CIDR → AZ, for cross-AZ without az-id)')
    .option('--ip-ranges <file>', "costs: AWS's published ip-ranges.json (S3/DynamoDB and other regions' addresses)")
    .option('--aws-region <region>', 'costs: the region of the VPC (for inter-region transfer)')
    .option('--by <grouping>', 'costs: group by subnet, eni, instance or service (default: subnet)');
}

/** Runs `flowlens report costs`: the data-transfer bill explained by flow logs. */
export async function runCostsReport(context: CliContext, sources: readonly string[], options: CostsOptions): Promise<void> {
  const grouping = options.by ?? 'subnet';
  if (!['subnet', 'eni', 'instance', 'service'].includes(grouping)) throw new UsageError(`--by "${grouping}" is not subnet, eni, instance or service`);
  const costs = await import('../costs/index.js');
  const prices = costs.loadPrices(options.prices);
  const data = await openData(context, sources, options, parseSelection(options));
  try {
    const report = await costs.buildCostReport(data.store, {
      where: data.where,
      prices,
      groupBy: grouping as 'subnet',
      region: options.awsRegion ?? options.region,
      interfaces: options.interfaces ? costs.loadInterfaceFacts(options.interfaces) : undefined,
      subnets: options.subnets ? costs.loadSubnetFacts(options.subnets) : undefined,
      ranges: options.ipRanges ? costs.loadAwsRanges(options.ipRanges) : undefined,
    });
    const format = (options.format ?? 'table') as OutputFormat;
    if (format === 'json') {
      await writeOut(context, `${JSON.stringify(report, null, 2)}\n`);
      return;
    }
    const columns = ['category', 'group', 'peer_service', 'gib', 'usd', 'gib_per_day', 'usd_per_month'];
    await writeOut(context, renderTable({ columns, rows: report.lines }, format));
    // What the numbers rest on goes to stderr in every text format, so a CSV or TSV on stdout stays data only.
    const notes = [
      '',
      `window: ${report.days} days; prices: ${report.prices.source}`,
      ...(report.recommendations.length ? ['', 'recommendations:', ...report.recommendations.map((r) => `  - ${r}`)] : []),
      ...(report.unattributed.length ? ['', 'not attributed:', ...report.unattributed.map((u) => `  - ${u.records} records (${u.gib} GiB): ${u.reason}`)] : []),
      '',
      'caveats:',
      ...report.caveats.map((c) => `  - ${c}`),
    ];
    writeErr(context, notes.join('\n'));
  } finally {
    data.close();
  }
}
