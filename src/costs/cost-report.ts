import { cidrRange } from '../records/index.js';
import type { Store } from '../store/index.js';
import { sqlLiteral } from '../store/index.js';
import type { AwsRange, InterfaceFacts, SubnetFact } from './aws-inputs.js';
import type { PriceTable } from './prices.js';
import type { CostCategory, CostGrouping, CostLine } from './cost-types.js';

export type { CostCategory, CostGrouping, CostLine } from './cost-types.js';

/** Inputs of the cost report: the records (SQL condition on flows), prices, and optional AWS inventory files. */
export interface CostReportOptions {
  where: string;
  prices: PriceTable;
  groupBy: CostGrouping;
  region?: string | undefined;
  interfaces?: InterfaceFacts | undefined;
  subnets?: SubnetFact[] | undefined;
  ranges?: AwsRange[] | undefined;
}

/** The whole report: lines, recommendations, what could not be attributed and why, and the caveats. */
export interface CostReport {
  days: number;
  lines: CostLine[];
  recommendations: string[];
  unattributed: { reason: string; records: number; gib: number }[];
  caveats: string[];
  prices: PriceTable;
}

const GIB = 1024 ** 3;
// The flow columns the cost rules and groupings read (besides bytes).
const COST_COLUMNS = ['srcaddr', 'dstaddr', 'pkt_srcaddr', 'pkt_dstaddr', 'flow_direction', 'traffic_path', 'interface_id', 'instance_id', 'subnet_id', 'az_id', 'pkt_src_aws_service', 'pkt_dst_aws_service'];

/**
 * Attributes accepted bytes to the AWS charges they cause. Rules (AWS VPC and EC2 pricing pages):
 * NAT processing = bytes between private hosts and a NAT gateway (its "inside" legs, from the NAT's ENI when
 * describe-network-interfaces is given, else inferred from egress with traffic-path 1 to public addresses);
 * internet egress = private → public bytes recorded on non-NAT interfaces; cross-AZ = egress between private
 * addresses whose AZs differ, billed in both directions; inter-region = egress to another region's AWS ranges;
 * gateway-endpoint candidates = NAT-processed bytes to or from S3/DynamoDB.
 */
export async function buildCostReport(store: Store, options: CostReportOptions): Promise<CostReport> {
  await loadInventory(store, options);
  const hasNat = (options.interfaces?.natInterfaces.size ?? 0) > 0;
  const region = options.region ?? null;
  const group = groupExpression(options.groupBy);
  const service = `coalesce(pkt_dst_aws_service, pkt_src_aws_service, dst_range_service, src_range_service)`;
  const natInside = hasNat
    ? `is_nat AND is_private_ip(srcaddr) AND is_private_ip(dstaddr)`
    : `NOT is_nat AND direction = 'egress' AND traffic_path = 1 AND is_public_ip(real_dst)`;
  const egressToPublic = `NOT is_nat AND direction = 'egress' AND is_private_ip(srcaddr) AND is_public_ip(real_dst)`;
  const sql = `
WITH grouped AS (
  -- Every rule below reads only these columns and sums bytes: one row per distinct combination instead of per record
  -- keeps the address lookups and joins to the number of conversations, however many records a month holds.
  SELECT ${COST_COLUMNS.join(', ')}, sum(bytes) AS bytes
  FROM flows f
  WHERE (${options.where}) AND action = 'ACCEPT' AND log_status = 'OK' AND bytes IS NOT NULL
  GROUP BY ${COST_COLUMNS.join(', ')}
), base AS (
  SELECT g.*, coalesce(pkt_srcaddr, srcaddr) AS real_src, coalesce(pkt_dstaddr, dstaddr) AS real_dst,
    coalesce(flow_direction, CASE WHEN is_private_ip(srcaddr) AND NOT is_private_ip(dstaddr) THEN 'egress' END) AS direction,
    interface_id IN (SELECT interface_id FROM cost_nat_enis) AS is_nat
  FROM grouped g
), located AS (
  SELECT b.*,
    (SELECT any_value(az_id) FROM cost_subnets cs WHERE ip_to_number(b.srcaddr) BETWEEN cs.low AND cs.high) AS src_subnet_az,
    (SELECT any_value(az_id) FROM cost_subnets cs WHERE ip_to_number(b.dstaddr) BETWEEN cs.low AND cs.high) AS dst_subnet_az,
    (SELECT any_value(service) FROM cost_ranges cr WHERE ip_to_number(b.real_dst) BETWEEN cr.low AND cr.high AND cr.service IN ('S3', 'DYNAMODB')) AS dst_range_service,
    (SELECT any_value(service) FROM cost_ranges cr WHERE ip_to_number(b.real_src) BETWEEN cr.low AND cr.high AND cr.service IN ('S3', 'DYNAMODB')) AS src_range_service,
    (SELECT any_value(region) FROM cost_ranges cr WHERE ip_to_number(b.real_dst) BETWEEN cr.low AND cr.high AND cr.service = 'AMAZON') AS dst_region
  FROM base b
), address_az AS (
  SELECT address, any_value(az) AS az FROM (
    SELECT srcaddr AS address, az_id AS az FROM base WHERE az_id IS NOT NULL AND flow_direction = 'egress'
    UNION ALL SELECT dstaddr, az_id FROM base WHERE az_id IS NOT NULL AND flow_direction = 'ingress'
  ) GROUP BY address
), classified AS (
  SELECT l.*, ${group} AS grp, ${service} AS peer_service,
    coalesce(l.az_id, l.src_subnet_az, sa.az) AS src_az, coalesce(l.dst_subnet_az, da.az) AS dst_az
  FROM located l LEFT JOIN address_az sa ON sa.address = l.srcaddr LEFT JOIN address_az da ON da.address = l.dstaddr
), charged AS (
  SELECT 'nat-processing' AS category, grp, peer_service, bytes FROM classified WHERE ${natInside}
  UNION ALL SELECT 'internet-egress', grp, NULL, bytes FROM classified WHERE ${egressToPublic}
    AND (dst_region IS NULL OR ${region === null ? 'TRUE' : `dst_region = ${sqlLiteral(region)}`}) AND peer_service IS NULL
  UNION ALL SELECT 'inter-region', grp, dst_region, bytes FROM classified WHERE ${egressToPublic}
    AND dst_region IS NOT NULL ${region === null ? 'AND FALSE' : `AND dst_region <> ${sqlLiteral(region)}`}
  UNION ALL SELECT 'cross-az', grp, src_az || ' → ' || dst_az, bytes FROM classified
    WHERE direction = 'egress' AND NOT is_nat AND is_private_ip(srcaddr) AND is_private_ip(dstaddr) AND src_az IS NOT NULL AND dst_az IS NOT NULL AND src_az <> dst_az
  UNION ALL SELECT 'gateway-endpoint-candidate', grp, peer_service, bytes FROM classified
    WHERE peer_service IN ('S3', 'DYNAMODB') AND (${natInside} OR (${hasNat ? 'FALSE' : `NOT is_nat AND direction IS DISTINCT FROM 'egress' AND interface_id IN (SELECT interface_id FROM classified WHERE ${natInside} AND peer_service IN ('S3', 'DYNAMODB'))`}))
)
SELECT category, grp AS "group", peer_service, sum(bytes)::DOUBLE AS bytes FROM charged GROUP BY ALL ORDER BY category, bytes DESC, "group"`;
  const [result, span, unattributed] = await Promise.all([
    store.query(sql),
    store.query(`SELECT min("start") AS first, max("end") AS last FROM flows WHERE ${options.where}`),
    countUnattributed(store, options.where),
  ]);
  const first = Number(span.rows[0]?.first ?? 0);
  const last = Number(span.rows[0]?.last ?? 0);
  const days = Math.max((last - first) / 86400, 1 / 24);
  const price: Record<CostCategory, number> = {
    'nat-processing': options.prices.natGatewayProcessingPerGb,
    'internet-egress': options.prices.internetEgressPerGb,
    'cross-az': options.prices.crossAzPerGbEachWay * 2,
    'inter-region': options.prices.interRegionPerGb,
    'gateway-endpoint-candidate': options.prices.natGatewayProcessingPerGb,
  };
  const lines: CostLine[] = result.rows.map((row) => {
    const category = row.category as CostCategory;
    const gib = Number(row.bytes) / GIB;
    return {
      category,
      group: String(row.group ?? '(unknown)'),
      peer_service: (row.peer_service as string | null) ?? null,
      gib: round(gib, 6),
      usd: round(gib * price[category], 4),
      gib_per_day: round(gib / days, 6),
      usd_per_month: round((gib / days) * 30 * price[category], 2),
    };
  });
  return { days: round(days, 4), lines, recommendations: recommend(lines, hasNat), unattributed, caveats: CAVEATS, prices: options.prices };
}

const CAVEATS = [
  'Flow logs record bytes per aggregation window (1 or 10 minutes) per ENI; sampling is not used, but records AWS skipped (SKIPDATA) are missing.',
  'Only accepted traffic with a byte count is priced; rejected traffic is not billed.',
  'Estimates use list prices (see prices.source) and GiB = 2^30 bytes; tiered and negotiated prices, free tiers, and per-hour charges (NAT gateway hours, endpoint hours) are not included.',
  'Without flow-direction, "egress" is inferred as private → public; without az-id or a subnet map, cross-AZ traffic cannot be seen.',
];

function groupExpression(grouping: CostGrouping): string {
  switch (grouping) {
    case 'eni':
      return "coalesce(interface_id, '(no interface-id)')";
    case 'instance':
      return "coalesce(instance_id, interface_id, '(unknown)')";
    case 'service':
      return "coalesce(pkt_dst_aws_service, pkt_src_aws_service, 'none')";
    default:
      return "coalesce(subnet_id, (SELECT any_value(subnet_id) FROM cost_subnets cs WHERE ip_to_number(srcaddr) BETWEEN cs.low AND cs.high), '(subnet unknown)')";
  }
}

async function countUnattributed(store: Store, where: string): Promise<CostReport['unattributed']> {
  const result = await store.query(`SELECT
    count(*) FILTER (WHERE az_id IS NULL) AS no_az, coalesce(sum(bytes) FILTER (WHERE az_id IS NULL), 0)::DOUBLE AS no_az_bytes,
    count(*) FILTER (WHERE flow_direction IS NULL) AS no_dir, coalesce(sum(bytes) FILTER (WHERE flow_direction IS NULL), 0)::DOUBLE AS no_dir_bytes,
    count(*) FILTER (WHERE log_status IN ('NODATA', 'SKIPDATA')) AS skipped
    FROM flows WHERE (${where}) AND (action = 'ACCEPT' OR log_status IN ('NODATA', 'SKIPDATA'))`);
  const row = result.rows[0] ?? {};
  const out: CostReport['unattributed'] = [];
  if (Number(row.no_az) > 0) out.push({ reason: 'records without az-id (the format lacks it): cross-AZ transfer is only found through --subnets', records: Number(row.no_az), gib: round(Number(row.no_az_bytes) / GIB, 6) });
  if (Number(row.no_dir) > 0) out.push({ reason: 'records without flow-direction: egress inferred as private → public, cross-AZ not counted', records: Number(row.no_dir), gib: round(Number(row.no_dir_bytes) / GIB, 6) });
  if (Number(row.skipped) > 0) out.push({ reason: 'NODATA/SKIPDATA records: traffic AWS did not record', records: Number(row.skipped), gib: 0 });
  return out;
}

function recommend(lines: readonly CostLine[], hasNat: boolean): string[] {
  const out: string[] = [];
  for (const line of lines.filter((l) => l.category === 'gateway-endpoint-candidate' && l.usd_per_month >= 0.01)) {
    out.push(`${fmt(line.gib_per_day)} GiB/day between ${line.group} and ${line.peer_service} goes through a NAT gateway${hasNat ? '' : ' (inferred)'}: a ${line.peer_service === 'S3' ? 'S3' : 'DynamoDB'} gateway endpoint would save ~$${line.usd_per_month.toFixed(2)}/month`);
  }
  const crossAz = lines.filter((l) => l.category === 'cross-az').sort((a, b) => b.usd_per_month - a.usd_per_month)[0];
  if (crossAz && crossAz.usd_per_month >= 0.01) {
    out.push(`${fmt(crossAz.gib_per_day)} GiB/day crosses AZs (${crossAz.peer_service}) from ${crossAz.group}: keeping these peers in one AZ would save ~$${crossAz.usd_per_month.toFixed(2)}/month`);
  }
  return out;
}

async function loadInventory(store: Store, options: CostReportOptions): Promise<void> {
  await store.run('CREATE OR REPLACE TEMP TABLE cost_nat_enis (interface_id VARCHAR, nat_id VARCHAR)');
  await store.run('CREATE OR REPLACE TEMP TABLE cost_subnets (subnet_id VARCHAR, az_id VARCHAR, low UHUGEINT, high UHUGEINT)');
  await store.run('CREATE OR REPLACE TEMP TABLE cost_ranges (region VARCHAR, service VARCHAR, low UHUGEINT, high UHUGEINT)');
  for (const [eni, nat] of options.interfaces?.natInterfaces ?? []) {
    await store.run('INSERT INTO cost_nat_enis VALUES (?, ?)', [eni, nat]);
  }
  const rows = (items: string[][]): string => items.map((r) => `(${r.join(', ')})`).join(', ');
  const subnets = (options.subnets ?? []).map((s) => {
    const { low, high } = cidrRange(s.cidr);
    return [sqlLiteral(s.subnetId), sqlLiteral(s.azId), `${low}::UHUGEINT`, `${high}::UHUGEINT`];
  });
  if (subnets.length) await store.run(`INSERT INTO cost_subnets VALUES ${rows(subnets)}`);
  const ranges = (options.ranges ?? []).flatMap((r) => {
    try {
      const { low, high } = cidrRange(r.prefix);
      return [[sqlLiteral(r.region), sqlLiteral(r.service), `${low}::UHUGEINT`, `${high}::UHUGEINT`]];
    } catch {
      return [];
    }
  });
  for (let i = 0; i < ranges.length; i += 1000) await store.run(`INSERT INTO cost_ranges VALUES ${rows(ranges.slice(i, i + 1000))}`);
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

function fmt(value: number): string {
  return value >= 10 ? value.toFixed(0) : value.toFixed(2);
}
