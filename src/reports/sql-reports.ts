import { PRIVATE_CIDRS } from '../sql/index.js';
import { rollupCondition, rollupTablesFor } from '../store/rollups.js';
import type { SqlDialect } from '../engines/index.js';
import { portScansByNumbers } from './address-numbers.js';
import type { ReportContext, ReportDefinition } from './types.js';

const HOUR = 3600;

/** The 50 source/destination pairs with most bytes: the seed's Athena "VpcFlowLogsTotalBytesTransferred", biggest first. */
export const topTalkers: ReportDefinition = {
  name: 'top-talkers',
  description: 'the source/destination address pairs with the most bytes',
  defaultLimit: 50,
  params: [],
  origin: 'Athena predefined query VpcFlowLogsTotalBytesTransferred (seed 003)',
  build(ctx) {
    const c = cols(ctx.dialect);
    // On a store with up-to-date rollups, the address-pair sums (per hour, or whole-store) give the same totals from far fewer rows.
    const rollup = rollupSource(ctx, 'pairs');
    const flows = rollup ? 'sum(flows)::BIGINT' : 'count(*)';
    return `SELECT ${c.srcaddr}, ${c.dstaddr}, sum(${c.bytes}) AS totalbytes, sum(${c.packets}) AS totalpackets, ${flows} AS flows
FROM ${rollup?.table ?? from(ctx)}
${where(rollup ? { ...ctx, where: rollup.where } : ctx, `${c.srcaddr} IS NOT NULL AND ${c.dstaddr} IS NOT NULL`)}
GROUP BY ${c.srcaddr}, ${c.dstaddr}
ORDER BY totalbytes DESC, ${c.srcaddr}, ${c.dstaddr}
${ctx.dialect.limit(ctx.limit ?? 50)}`;
  },
};

/** Rejected TCP connections to one port per source and time bucket. */
function portRejects(name: string, port: number, service: string): ReportDefinition {
  return {
    name,
    description: `rejected TCP connections to port ${port} (${service}) per source and hour`,
    defaultLimit: undefined,
    params: [{ name: 'bucket', description: 'bucket width in seconds', default: HOUR, kind: 'number' }],
    origin: port === 22 ? 'the SSH-rejects metric filter of seed 004 and the VPC guide' : 'the RDP counterpart of ssh-rejects',
    build(ctx) {
      const d = ctx.dialect;
      const c = cols(d);
      const bucket = d.timeBucket(c.start, Number(ctx.params.bucket));
      return `SELECT ${d.formatEpochMillis(`${bucket} * 1000`)} AS "time", ${c.srcaddr}, count(*) AS rejections, sum(${c.packets}) AS totalpackets
FROM ${from(ctx)}
${where(ctx, `${c.action} = 'REJECT' AND ${c.protocol} = 6 AND ${c.dstport} = ${port}`)}
GROUP BY ${bucket}, ${c.srcaddr}
ORDER BY ${bucket}, rejections DESC, ${c.srcaddr}
${d.limit(ctx.limit)}`;
    },
  };
}

export const sshRejects = portRejects('ssh-rejects', 22, 'SSH');
export const rdpRejects = portRejects('rdp-rejects', 3389, 'RDP');

const DAY_NAMES = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

/** REJECT on TCP by ISO day of week: seed 004's Athena query, aggregated. */
export const rejectsByWeekday: ReportDefinition = {
  name: 'rejects-by-weekday',
  description: 'rejected TCP flows by day of week (1 = Monday), with distinct sources',
  defaultLimit: undefined,
  params: [],
  origin: "seed 004's Athena query (day_of_week(from_iso8601_timestamp(dt)) … WHERE action = 'REJECT' AND protocol = 6)",
  build(ctx) {
    const d = ctx.dialect;
    const c = cols(d);
    const day = d.dayOfWeek(c.start);
    // Searched CASE: old ClickHouse releases return null from `CASE x WHEN …`.
    const name = `CASE ${DAY_NAMES.map((n, i) => `WHEN ${day} = ${i + 1} THEN '${n}'`).join(' ')} END`;
    return `SELECT ${day} AS "day", ${name} AS day_name, count(*) AS rejections, ${d.countDistinct(c.srcaddr)} AS sources
FROM ${from(ctx)}
${where(ctx, `${c.action} = 'REJECT' AND ${c.protocol} = 6`)}
GROUP BY ${day}
ORDER BY ${day}
${d.limit(ctx.limit)}`;
  },
};

/** Sources reaching many distinct ports or hosts within one time window. */
export const portScans: ReportDefinition = {
  name: 'port-scans',
  description: 'sources touching many distinct destination ports or hosts within a time window',
  defaultLimit: 100,
  params: [
    { name: 'window', description: 'window width in seconds', default: 300, kind: 'number' },
    { name: 'min-ports', description: 'flag a source reaching at least this many distinct ports in a window', default: 20, kind: 'number' },
    { name: 'min-hosts', description: 'flag a source reaching at least this many distinct hosts in a window', default: 20, kind: 'number' },
  ],
  build(ctx) {
    const d = ctx.dialect;
    const c = cols(d);
    const options = { window: Number(ctx.params.window), minPorts: Number(ctx.params['min-ports']), minHosts: Number(ctx.params['min-hosts']), limit: ctx.limit ?? 100 };
    // On a store with current rollups, grouping by address numbers gives the same rows without making every record's text.
    const byNumbers = portScansByNumbers(ctx, options);
    if (byNumbers !== undefined) return byNumbers;
    const window = d.timeBucket(c.start, options.window);
    const ports = d.countDistinct(c.dstport);
    const hosts = d.countDistinct(c.dstaddr);
    return `SELECT ${d.formatEpochMillis(`${window} * 1000`)} AS "window", ${c.srcaddr}, ${ports} AS ports, ${hosts} AS hosts, count(*) AS flows,
  count(CASE WHEN ${c.action} = 'REJECT' THEN 1 END) AS rejected
FROM ${from(ctx)}
${where(ctx, `${c.srcaddr} IS NOT NULL`)}
GROUP BY ${window}, ${c.srcaddr}
HAVING ${ports} >= ${options.minPorts} OR ${hosts} >= ${options.minHosts}
ORDER BY ports DESC, hosts DESC, ${window}, ${c.srcaddr}
${d.limit(options.limit)}`;
  },
};

/** Bytes leaving private addresses for public ones, per interface and subnet: where NAT gateway and egress charges come from. */
export const internetEgress: ReportDefinition = {
  name: 'internet-egress',
  description: 'bytes from private to public addresses per interface and subnet (NAT gateway / egress cost)',
  defaultLimit: 50,
  params: [],
  build(ctx) {
    const d = ctx.dialect;
    const c = cols(d);
    const isPrivate = (column: string): string => `(${PRIVATE_CIDRS.map((cidr) => d.addressInCidr(column, cidr)).join(' OR ')})`;
    return `SELECT ${c.interface_id}, ${c.subnet_id}, sum(${c.bytes}) AS totalbytes, sum(${c.packets}) AS totalpackets, count(*) AS flows,
  ${d.countDistinct(c.dstaddr)} AS destinations
FROM ${from(ctx)}
${where(ctx, `${c.srcaddr} IS NOT NULL AND ${c.dstaddr} IS NOT NULL AND ${c.action} = 'ACCEPT'
  AND ${isPrivate('srcaddr')} AND NOT ${isPrivate('dstaddr')}`)}
GROUP BY ${c.interface_id}, ${c.subnet_id}
ORDER BY totalbytes DESC, ${c.interface_id}, ${c.subnet_id}
${d.limit(ctx.limit ?? 50)}`;
  },
};

/** Traffic per network interface. */
export const interfaces: ReportDefinition = {
  name: 'interfaces',
  description: 'traffic per network interface (ENI): flows, packets, bytes, accepted/rejected, first and last time',
  defaultLimit: undefined,
  params: [],
  build(ctx) {
    const d = ctx.dialect;
    const c = cols(d);
    return `SELECT ${c.interface_id}, count(*) AS flows, sum(${c.packets}) AS totalpackets, sum(${c.bytes}) AS totalbytes,
  count(CASE WHEN ${c.action} = 'ACCEPT' THEN 1 END) AS accepted, count(CASE WHEN ${c.action} = 'REJECT' THEN 1 END) AS rejected,
  min(${c.start}) AS first_start, max(${c.end}) AS last_end
FROM ${from(ctx)}
${where(ctx)}
GROUP BY ${c.interface_id}
ORDER BY totalbytes DESC NULLS LAST, ${c.interface_id}
${d.limit(ctx.limit)}`;
  },
};

const PROTOCOL_NAMES: Record<number, string> = { 1: 'ICMP', 2: 'IGMP', 6: 'TCP', 17: 'UDP', 41: 'IPv6', 47: 'GRE', 50: 'ESP', 51: 'AH', 58: 'ICMPv6', 132: 'SCTP' };

/** Traffic per IANA protocol. */
export const protocols: ReportDefinition = {
  name: 'protocols',
  description: 'traffic per IP protocol (IANA number and name)',
  defaultLimit: undefined,
  params: [],
  build(ctx) {
    const d = ctx.dialect;
    const c = cols(d);
    const name = `CASE ${Object.entries(PROTOCOL_NAMES).map(([n, label]) => `WHEN ${c.protocol} = ${n} THEN '${label}'`).join(' ')} END`;
    return `SELECT ${c.protocol}, ${name} AS protocol_name, count(*) AS flows, sum(${c.packets}) AS totalpackets, sum(${c.bytes}) AS totalbytes,
  count(CASE WHEN ${c.action} = 'REJECT' THEN 1 END) AS rejected
FROM ${from(ctx)}
${where(ctx, `${c.protocol} IS NOT NULL`)}
GROUP BY ${c.protocol}
ORDER BY totalbytes DESC NULLS LAST, ${c.protocol}
${d.limit(ctx.limit)}`;
  },
};

/** The WHERE clause: the selection (left out when it selects everything) and the report's own conditions. */
function where(ctx: ReportContext, condition?: string): string {
  const parts = [ctx.where.trim() === 'TRUE' ? undefined : `(${ctx.where})`, condition].filter((p) => p !== undefined);
  return parts.length ? `WHERE ${parts.join(' AND ')}` : '';
}

/** The rollup table and condition answering a report's selection, when the dialect has rollups and they can. */
export function rollupSource(ctx: ReportContext, kind: 'pairs' | 'ports'): { table: string; where: string } | undefined {
  const rollups = ctx.dialect.rollups;
  const condition = rollups && ctx.table === 'flows' ? rollupCondition(ctx.where) : undefined;
  return rollups && condition !== undefined ? { table: rollupTablesFor(rollups, condition)[kind], where: condition } : undefined;
}

function from(ctx: ReportContext): string {
  return ctx.dialect.quoteIdentifier(ctx.table);
}

/** Quoted flows column names (`"end"` and `"start"` are reserved words). */
function cols(d: SqlDialect): Record<'srcaddr' | 'dstaddr' | 'srcport' | 'dstport' | 'protocol' | 'packets' | 'bytes' | 'start' | 'end' | 'action' | 'interface_id' | 'subnet_id', string> {
  const names = ['srcaddr', 'dstaddr', 'srcport', 'dstport', 'protocol', 'packets', 'bytes', 'start', 'end', 'action', 'interface_id', 'subnet_id'] as const;
  return Object.fromEntries(names.map((n) => [n, d.quoteIdentifier(n)])) as ReturnType<typeof cols>;
}
