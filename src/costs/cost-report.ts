import { cidrRange } from '../records/index.js';
import { isPrivateNumberSql } from '../sql/addresses.js';
import type { Store } from '../store/index.js';
import { sqlLiteral } from '../store/index.js';
import type { AwsRange, InterfaceFacts, SubnetFact } from './aws-inputs.js';
import { COST_ROWS_TABLE, prepareCostRows } from './cost-rows.js';
import type { CostFacts } from './cost-rows.js';
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
  const group = groupExpression(options.groupBy, (options.subnets?.length ?? 0) > 0);
  const service = `coalesce(pkt_dst_aws_service, pkt_src_aws_service, dst_range_service, src_range_service)`;
  const natInside = hasNat
    ? `is_nat AND src_private AND dst_private`
    : `NOT is_nat AND direction = 'egress' AND traffic_path = 1 AND real_dst_public`;
  const egressToPublic = `NOT is_nat AND direction = 'egress' AND src_private AND real_dst_public`;
  // Lookups into an empty inventory table are NULL without asking it.
  const hasSubnets = (options.subnets?.length ?? 0) > 0;
  const hasRanges = (options.ranges?.length ?? 0) > 0;
  const lookup = (present: boolean, sql: string): string => (present ? `(${sql})` : 'NULL::VARCHAR');
  // The billable bytes summed per distinct combination of the columns below: the classification reads few rows.
  const facts = await prepareCostRows(store, options.where, { groupBy: options.groupBy, hasNat });
  // The packet-level addresses, when the records have them, else the stored ones (ip_to_number only when needed).
  const real = facts.pktAddresses
    ? `CASE WHEN pkt_srcaddr IS NULL THEN src_ip ELSE ip_to_number(pkt_srcaddr) END AS real_src_ip,
    CASE WHEN pkt_dstaddr IS NULL THEN dst_ip ELSE ip_to_number(pkt_dstaddr) END AS real_dst_ip,
    CASE WHEN pkt_dstaddr IS NULL THEN dst_public ELSE coalesce(NOT ${isPrivateNumberSql('ip_to_number(pkt_dstaddr)')}, FALSE) END AS real_dst_public,`
    : 'src_ip AS real_src_ip, dst_ip AS real_dst_ip, dst_public AS real_dst_public,';
  const sql = `
WITH real AS (
  SELECT f.*, ${real}
    interface_id IN (SELECT interface_id FROM cost_nat_enis) AS is_nat
  FROM ${COST_ROWS_TABLE} f
), base AS MATERIALIZED (
  SELECT r.*,
    coalesce(flow_direction, CASE WHEN src_private AND NOT dst_private THEN 'egress' END) AS direction
  FROM real r
), located AS (
  SELECT b.*,
    ${lookup(hasSubnets, 'SELECT any_value(az_id) FROM cost_subnets cs WHERE b.src_ip BETWEEN cs.low AND cs.high')} AS src_subnet_az,
    ${lookup(hasSubnets, 'SELECT any_value(az_id) FROM cost_subnets cs WHERE b.dst_ip BETWEEN cs.low AND cs.high')} AS dst_subnet_az,
    ${lookup(hasRanges, "SELECT any_value(service) FROM cost_ranges cr WHERE b.real_dst_ip BETWEEN cr.low AND cr.high AND cr.service IN ('S3', 'DYNAMODB')")} AS dst_range_service,
    ${lookup(hasRanges, "SELECT any_value(service) FROM cost_ranges cr WHERE b.real_src_ip BETWEEN cr.low AND cr.high AND cr.service IN ('S3', 'DYNAMODB')")} AS src_range_service,
    ${lookup(hasRanges, "SELECT any_value(region) FROM cost_ranges cr WHERE b.real_dst_ip BETWEEN cr.low AND cr.high AND cr.service = 'AMAZON'")} AS dst_region
  FROM base b
), address_az AS (
  SELECT address, any_value(az) AS az FROM (
    SELECT src_ip AS address, az_id AS az FROM base WHERE az_id IS NOT NULL AND flow_direction = 'egress'
    UNION ALL SELECT dst_ip, az_id FROM base WHERE az_id IS NOT NULL AND flow_direction = 'ingress'
  ) GROUP BY address
), classified AS MATERIALIZED (
  SELECT l.*, ${group} AS grp, ${service} AS peer_service,
    coalesce(l.az_id, l.src_subnet_az, sa.az) AS src_az, coalesce(l.dst_subnet_az, da.az) AS dst_az
  FROM located l LEFT JOIN address_az sa ON sa.address = l.src_ip LEFT JOIN address_az da ON da.address = l.dst_ip
), charged AS (
  SELECT 'nat-processing' AS category, grp, peer_service, bytes FROM classified WHERE ${natInside}
  UNION ALL SELECT 'internet-egress', grp, NULL, bytes FROM classified WHERE ${egressToPublic}
    AND (dst_region IS NULL OR ${region === null ? 'TRUE' : `dst_region = ${sqlLiteral(region)}`}) AND peer_service IS NULL
  UNION ALL SELECT 'inter-region', grp, dst_region, bytes FROM classified WHERE ${egressToPublic}
    AND dst_region IS NOT NULL ${region === null ? 'AND FALSE' : `AND dst_region <> ${sqlLiteral(region)}`}
  UNION ALL SELECT 'cross-az', grp, src_az || ' → ' || dst_az, bytes FROM classified
    WHERE direction = 'egress' AND NOT is_nat AND src_private AND dst_private AND src_az IS NOT NULL AND dst_az IS NOT NULL AND src_az <> dst_az
  UNION ALL SELECT 'gateway-endpoint-candidate', grp, peer_service, bytes FROM classified
    WHERE peer_service IN ('S3', 'DYNAMODB') AND (${natInside} OR (${hasNat ? 'FALSE' : `NOT is_nat AND direction IS DISTINCT FROM 'egress' AND interface_id IN (SELECT interface_id FROM classified WHERE ${natInside} AND peer_service IN ('S3', 'DYNAMODB'))`}))
)
SELECT category, grp AS "group", peer_service, sum(bytes)::DOUBLE AS bytes FROM charged GROUP BY ALL ORDER BY category, bytes DESC, "group"`;
  const result = await store.query(sql);
  await store.run(`DROP TABLE IF EXISTS ${COST_ROWS_TABLE}`);
  const { first, last } = facts;
  const unattributed = unattributedOf(facts);
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

function groupExpression(grouping: CostGrouping, hasSubnets: boolean): string {
  switch (grouping) {
    case 'eni':
      return "coalesce(interface_id, '(no interface-id)')";
    case 'instance':
      return "coalesce(instance_id, interface_id, '(unknown)')";
    case 'service':
      return "coalesce(pkt_dst_aws_service, pkt_src_aws_service, 'none')";
    default:
      return hasSubnets
        ? "coalesce(subnet_id, (SELECT any_value(subnet_id) FROM cost_subnets cs WHERE src_ip BETWEEN cs.low AND cs.high), '(subnet unknown)')"
        : "coalesce(subnet_id, '(subnet unknown)')";
  }
}

function unattributedOf(facts: CostFacts): CostReport['unattributed'] {
  const out: CostReport['unattributed'] = [];
  if (facts.noAz.records > 0) out.push({ reason: 'records without az-id (the format lacks it): cross-AZ transfer is only found through --subnets', records: facts.noAz.records, gib: round(facts.noAz.bytes / GIB, 6) });
  if (facts.noDirection.records > 0) out.push({ reason: 'records without flow-direction: egress inferred as private → public, cross-AZ not counted', records: facts.noDirection.records, gib: round(facts.noDirection.bytes / GIB, 6) });
  if (facts.skipped > 0) out.push({ reason: 'NODATA/SKIPDATA records: traffic AWS did not record', records: facts.skipped, gib: 0 });
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
