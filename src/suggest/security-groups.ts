import { readFileSync } from 'node:fs';
import { cidrRange, UsageError } from '../records/index.js';
import type { Store } from '../store/index.js';

/** How suggestions are grouped: per interface, per instance, or per subnet. */
export type SuggestGrouping = 'eni' | 'instance' | 'subnet';

/** Options of suggestSecurityGroups. */
export interface SuggestOptions {
  where: string;
  groupBy: SuggestGrouping;
  /** Distinct public sources from which a port counts as internet-facing (0.0.0.0/0). */
  internetThreshold: number;
  /** `aws ec2 describe-security-groups` JSON, to compare with the rules in place. */
  securityGroups?: SecurityGroup[] | undefined;
  /** ENI → security group ids, from describe-network-interfaces; without it every group is compared with all traffic. */
  interfaceGroups?: Map<string, string[]> | undefined;
}

/** One suggested inbound rule: what traffic actually arrived, collapsed to a small set of CIDRs. */
export interface SuggestedRule {
  target: string;
  protocol: string;
  port: number | null;
  source: string;
  flows: number;
  peers: number;
  bytes: number;
}

/** An inbound rule of a security group, flattened (one CIDR per rule). */
export interface SecurityGroupRule {
  groupId: string;
  protocol: string;
  fromPort: number | null;
  toPort: number | null;
  cidr: string;
}

/** A security group from describe-security-groups. */
export interface SecurityGroup {
  groupId: string;
  groupName: string;
  rules: SecurityGroupRule[];
}

/** A finding of the comparison with current rules. */
export interface RuleFinding {
  kind: 'unused-rule' | 'open-to-world-unused' | 'only-broad-rule-allows';
  groupId: string;
  rule: string;
  detail: string;
}

const PROTOCOLS: Record<string, string> = { '6': 'tcp', '17': 'udp', '1': 'icmp', '58': 'icmpv6' };

/**
 * Suggests least-privilege inbound rules from accepted inbound flows. A flow is inbound to a service when
 * flow-direction is ingress (or, without it, the destination is private) and it goes to the lower,
 * listening port (dstport ≤ srcport, or below 1024); replies to the host's own connections are left out
 * because security groups are stateful. Private sources collapse to /24s (to /16 when three or more /24s of
 * one /16 appear); public sources become 0.0.0.0/0 only when at least `internetThreshold` distinct ones came.
 */
export async function suggestSecurityGroups(store: Store, options: SuggestOptions): Promise<{ rules: SuggestedRule[]; findings: RuleFinding[] }> {
  const target = { eni: 'interface_id', instance: "coalesce(instance_id, interface_id)", subnet: "coalesce(subnet_id, interface_id)" }[options.groupBy];
  const inbound = `(${options.where}) AND action = 'ACCEPT' AND log_status = 'OK' AND srcaddr IS NOT NULL
    AND (flow_direction = 'ingress' OR (flow_direction IS NULL AND is_private_ip(dstaddr)))
    AND (protocol NOT IN (6, 17) OR dstport <= srcport OR dstport < 1024)`;
  const result = await store.query(`SELECT ${target} AS target, interface_id, protocol, CASE WHEN protocol IN (6, 17) THEN dstport END AS port,
      srcaddr, is_public_ip(srcaddr) AS public, count(*) AS flows, coalesce(sum(bytes), 0)::DOUBLE AS bytes
    FROM flows WHERE ${inbound} GROUP BY ALL`);
  const groups = new Map<string, { target: string; protocol: string; port: number | null; rows: typeof result.rows }>();
  for (const row of result.rows) {
    const protocol = PROTOCOLS[String(row.protocol)] ?? String(row.protocol);
    const port = row.port === null || row.port === undefined ? null : Number(row.port);
    const key = `${String(row.target)}|${protocol}|${port}`;
    const group = groups.get(key) ?? { target: String(row.target), protocol, port, rows: [] };
    group.rows.push(row);
    groups.set(key, group);
  }
  const rules: SuggestedRule[] = [];
  for (const group of groups.values()) rules.push(...collapse(group, options.internetThreshold));
  rules.sort((a, b) => a.target.localeCompare(b.target) || a.protocol.localeCompare(b.protocol) || (a.port ?? -1) - (b.port ?? -1) || a.source.localeCompare(b.source));
  const findings = options.securityGroups ? compareWithRules(result.rows, options) : [];
  return { rules, findings };
}

/** Reads describe-security-groups JSON into groups with one CIDR per inbound rule. */
export function loadSecurityGroups(path: string): SecurityGroup[] {
  let data: { SecurityGroups?: Record<string, unknown>[] };
  try {
    data = JSON.parse(readFileSync(path, 'utf8')) as typeof data;
  } catch (error) {
    throw new UsageError(`cannot read ${path}: ${(error as Error).message}`);
  }
  if (!Array.isArray(data.SecurityGroups)) throw new UsageError(`${path} has no "SecurityGroups" array`, { hint: 'give the output of `aws ec2 describe-security-groups`' });
  return data.SecurityGroups.map((group) => {
    const groupId = String(group.GroupId);
    const rules: SecurityGroupRule[] = [];
    for (const permission of (group.IpPermissions as Record<string, unknown>[] | undefined) ?? []) {
      const protocol = String(permission.IpProtocol);
      const fromPort = typeof permission.FromPort === 'number' && permission.FromPort >= 0 ? permission.FromPort : null;
      const toPort = typeof permission.ToPort === 'number' && permission.ToPort >= 0 ? permission.ToPort : null;
      const cidrs = [
        ...((permission.IpRanges as { CidrIp: string }[] | undefined) ?? []).map((r) => r.CidrIp),
        ...((permission.Ipv6Ranges as { CidrIpv6: string }[] | undefined) ?? []).map((r) => r.CidrIpv6),
      ];
      for (const cidr of cidrs) rules.push({ groupId, protocol: PROTOCOLS[protocol] ?? protocol, fromPort, toPort, cidr });
    }
    return { groupId, groupName: String(group.GroupName ?? groupId), rules };
  });
}

/** Reads describe-network-interfaces JSON into ENI → security group ids. */
export function loadInterfaceGroups(path: string): Map<string, string[]> {
  const data = JSON.parse(readFileSync(path, 'utf8')) as { NetworkInterfaces?: { NetworkInterfaceId: string; Groups?: { GroupId: string }[] }[] };
  return new Map((data.NetworkInterfaces ?? []).map((eni) => [eni.NetworkInterfaceId, (eni.Groups ?? []).map((g) => g.GroupId)]));
}

function collapse(group: { target: string; protocol: string; port: number | null; rows: Record<string, unknown>[] }, threshold: number): SuggestedRule[] {
  const base = { target: group.target, protocol: group.protocol, port: group.port };
  const out: SuggestedRule[] = [];
  const publicRows = group.rows.filter((r) => r.public === true);
  const privateRows = group.rows.filter((r) => r.public !== true);
  const sum = (rows: Record<string, unknown>[], key: string): number => rows.reduce((total, r) => total + Number(r[key]), 0);
  const peers = (rows: Record<string, unknown>[]): number => new Set(rows.map((r) => r.srcaddr)).size;
  if (publicRows.length > 0) {
    if (peers(publicRows) >= threshold) {
      const v6 = publicRows.some((r) => String(r.srcaddr).includes(':'));
      out.push({ ...base, source: v6 ? '0.0.0.0/0, ::/0' : '0.0.0.0/0', flows: sum(publicRows, 'flows'), peers: peers(publicRows), bytes: sum(publicRows, 'bytes') });
    } else {
      for (const [address, rows] of groupBy(publicRows, (r) => String(r.srcaddr))) {
        out.push({ ...base, source: address.includes(':') ? `${address}/128` : `${address}/32`, flows: sum(rows, 'flows'), peers: 1, bytes: sum(rows, 'bytes') });
      }
    }
  }
  const by24 = groupBy(privateRows, (r) => prefix24(String(r.srcaddr)));
  const by16 = groupBy([...by24.keys()], (p) => (p.includes(':') ? p : `${p.split('.').slice(0, 2).join('.')}.0.0/16`));
  for (const [p16, prefixes] of by16) {
    const sources = prefixes.length >= 3 && !p16.includes(':') ? [[p16, prefixes.flatMap((p) => by24.get(p) ?? [])] as const] : prefixes.map((p) => [p, by24.get(p) ?? []] as const);
    for (const [source, rows] of sources) out.push({ ...base, source, flows: sum(rows, 'flows'), peers: peers(rows), bytes: sum(rows, 'bytes') });
  }
  return out;
}

function compareWithRules(rows: Record<string, unknown>[], options: SuggestOptions): RuleFinding[] {
  const findings: RuleFinding[] = [];
  const flows = rows.map((r) => ({
    eni: String(r.interface_id),
    protocol: PROTOCOLS[String(r.protocol)] ?? String(r.protocol),
    port: r.port === null || r.port === undefined ? null : Number(r.port),
    ip: cidrRange(String(r.srcaddr)).low,
  }));
  const appliesTo = (groupId: string, eni: string): boolean => !options.interfaceGroups || (options.interfaceGroups.get(eni) ?? []).includes(groupId);
  const matches = (rule: SecurityGroupRule, flow: (typeof flows)[number]): boolean => {
    if (rule.protocol !== '-1' && rule.protocol !== flow.protocol) return false;
    if (rule.fromPort !== null && flow.port !== null && (flow.port < rule.fromPort || flow.port > (rule.toPort ?? rule.fromPort))) return false;
    const { low, high } = cidrRange(rule.cidr);
    return flow.ip >= low && flow.ip <= high;
  };
  const describe = (rule: SecurityGroupRule): string => `${rule.protocol} ${rule.fromPort === null ? 'all' : rule.fromPort === rule.toPort ? rule.fromPort : `${rule.fromPort}-${rule.toPort}`} from ${rule.cidr}`;
  const isBroad = (rule: SecurityGroupRule): boolean => Number(rule.cidr.split('/')[1] ?? 32) <= 8;
  for (const group of options.securityGroups ?? []) {
    for (const rule of group.rules) {
      const used = flows.filter((f) => appliesTo(group.groupId, f.eni) && matches(rule, f));
      if (used.length > 0) continue;
      const world = rule.cidr === '0.0.0.0/0' || rule.cidr === '::/0';
      findings.push({ kind: world ? 'open-to-world-unused' : 'unused-rule', groupId: group.groupId, rule: describe(rule), detail: world ? 'open to the whole internet and no accepted inbound flow used it in the window' : 'no accepted inbound flow used it in the window' });
    }
    for (const rule of group.rules.filter(isBroad)) {
      const onlyBroad = flows.filter((f) => appliesTo(group.groupId, f.eni) && matches(rule, f) && !group.rules.some((other) => !isBroad(other) && matches(other, f)));
      if (onlyBroad.length === 0) continue;
      const sources = new Set(onlyBroad.map((f) => f.ip)).size;
      findings.push({ kind: 'only-broad-rule-allows', groupId: group.groupId, rule: describe(rule), detail: `${onlyBroad.length} flow groups from ${sources} sources are allowed only by this broad rule; see the suggested rules for the sources actually seen` });
    }
  }
  return findings;
}

function prefix24(address: string): string {
  if (address.includes(':')) return `${address}/128`;
  return `${address.split('.').slice(0, 3).join('.')}.0/24`;
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = map.get(k) ?? [];
    list.push(item);
    map.set(k, list);
  }
  return map;
}
