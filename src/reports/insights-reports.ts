import { compileInsights, flowsSource, parseInsights } from '../query/insights/index.js';
import { byteStatsByNumbers } from './address-numbers.js';
import type { ReportContext, ReportDefinition, ReportParam } from './types.js';

/**
 * A report defined by a Logs Insights query (the AWS sample queries for VPC flow logs), compiled through the
 * dialect. `--limit` replaces the query's limit; `{name}` in the query is replaced by a parameter (quoted).
 */
function insightsReport(name: string, description: string, query: string, origin: string, params: ReportParam[] = []): ReportDefinition {
  const limit = /\|\s*limit\s+(\d+)\s*$/.exec(query)?.[1];
  return {
    name,
    description,
    defaultLimit: limit === undefined ? undefined : Number(limit),
    params,
    origin,
    build(ctx: ReportContext) {
      let text = query;
      for (const param of params) text = text.replaceAll(`{${param.name}}`, JSON.stringify(String(ctx.params[param.name])));
      const q = parseInsights(text);
      if (ctx.limit !== undefined) {
        q.commands = q.commands.filter((c) => c.kind !== 'limit');
        q.commands.push({ kind: 'limit', count: ctx.limit, pos: text.length });
      }
      const where = ctx.where === 'TRUE' ? undefined : ctx.where;
      return compileInsights(q, { dialect: ctx.dialect, source: flowsSource({ table: ctx.table, where }) }).sql;
    },
  };
}

const CONSOLE = 'CloudWatch console sample query (VPC Flow Logs)';
const GUIDE = 'CloudWatch Logs user guide, sample queries for Amazon VPC flow logs';

// Tie-breaking sort keys are added to the AWS queries so every engine returns the same rows in the same order.
export const rejectedSources = insightsReport(
  'rejected-sources',
  'the 20 source addresses with the most rejected flows',
  'filter action="REJECT" | stats count(*) as numRejections by srcAddr | sort numRejections desc, srcAddr asc | limit 20',
  `${CONSOLE}: Top 20 source IP addresses with highest number of rejected requests`,
);

export const topBytes = insightsReport(
  'top-bytes',
  'the 10 source/destination pairs with the most bytes (Insights names)',
  'stats sum(bytes) as bytesTransferred by srcAddr, dstAddr | sort bytesTransferred desc, srcAddr asc, dstAddr asc | limit 10',
  `${CONSOLE}: Top 10 byte transfers by source and destination IP addresses`,
);

export const topPackets = insightsReport(
  'top-packets',
  'the 15 source/destination pairs with the most packets',
  'stats sum(packets) as packetsTransferred by srcAddr, dstAddr | sort packetsTransferred desc, srcAddr asc, dstAddr asc | limit 15',
  `${GUIDE}: Find the top 15 packet transfers across hosts`,
);

const byteStatsQuery = insightsReport(
  'byte-stats',
  'average, min and max bytes per flow for each source/destination pair',
  'stats avg(bytes), min(bytes), max(bytes) by srcAddr, dstAddr',
  `${CONSOLE}: Average, min, and max byte transfers by source and destination IP addresses`,
);

// On a store with current rollups, grouped by address numbers: the same rows without making every record's texts.
export const byteStats: ReportDefinition = { ...byteStatsQuery, build: (ctx) => byteStatsByNumbers(ctx) ?? byteStatsQuery.build(ctx) };

export const udpSources = insightsReport(
  'udp-sources',
  'source addresses sending UDP, with their flow counts',
  'filter protocol=17 | stats count(*) by srcAddr',
  `${CONSOLE}: IP addresses using UDP transfer protocol`,
);

export const subnetTopBytes = insightsReport(
  'subnet-top-bytes',
  'the 15 destinations receiving the most bytes from hosts of a subnet (--param cidr=10.0.1.0/24)',
  'filter isIpInSubnet(srcAddr, {cidr}) | stats sum(bytes) as bytesTransferred by dstAddr | sort bytesTransferred desc, dstAddr asc | limit 15',
  `${GUIDE}: Find the top 15 byte transfers for hosts on a given subnet (isIpInSubnet so IPv6 subnets work too)`,
  [{ name: 'cidr', description: 'the subnet, IPv4 or IPv6 CIDR', default: undefined, kind: 'cidr' }],
);

export const skippedRecords = insightsReport(
  'skipped-records',
  'hours in which flow records were skipped (SKIPDATA), with counts',
  'filter logStatus="SKIPDATA" | stats count(*) by bin(1h) as t | sort t',
  `${GUIDE}: Find the IP addresses where flow records were skipped during the capture window`,
);
