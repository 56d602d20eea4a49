import type { Store } from '../store/index.js';
import { FLOWS_TABLE, sqlLiteral } from '../store/index.js';
import { directionOf, isPrivateSql } from './address-sql.js';
import type { DetectionRule } from './rules.js';
import { eventId } from './run-alarms.js';
import type { Finding, FindingEvent, SeverityLabel } from './types.js';
import { formatDuration } from './units.js';

/** GuardDuty-style finding type of each detection (PortSweep is flowlens's own, GuardDuty has none). */
export const FINDING_TYPES: Record<Exclude<DetectionRule['type'], 'Anomaly'>, string> = {
  SSHBruteForce: 'UnauthorizedAccess:EC2/SSHBruteForce',
  RDPBruteForce: 'UnauthorizedAccess:EC2/RDPBruteForce',
  PortProbeUnprotectedPort: 'Recon:EC2/PortProbeUnprotectedPort',
  Portscan: 'Recon:EC2/Portscan',
  PortSweep: 'Recon:EC2/PortSweep',
  NetworkPortUnusual: 'Behavior:EC2/NetworkPortUnusual',
  TrafficVolumeUnusual: 'Behavior:EC2/TrafficVolumeUnusual',
};

/**
 * Remote server ports an instance commonly talks to; NetworkPortUnusual reports others. GuardDuty does
 * not publish its list, so this one is flowlens's: web, DNS (also over TLS), NTP, mail, SSH and FTP.
 */
export const COMMON_REMOTE_PORTS: readonly number[] = [20, 21, 22, 25, 53, 80, 110, 123, 143, 443, 465, 587, 853, 993, 995, 8080, 8443];

// A flow looks like a probe when it was rejected, or when it is short (SYN-only probes carry 1–3
// packets) and goes towards the lower port: responses go from a server port to a higher client port.
const PROBE_PACKETS = 3;
const PROBE_LIKE = `(action = 'REJECT' OR (packets <= ${PROBE_PACKETS} AND dstport < srcport))`;

/** Options of runDetection: the records to look at and the windows to report. */
export interface DetectionOptions {
  /** SQL condition on the flows table. */
  where: string;
  /** Report only windows starting at or after this time (epoch seconds). */
  from?: number | undefined;
  /** Report only windows starting before this time. */
  before?: number | undefined;
}

/**
 * Runs a threshold detection over the records as SQL, in tumbling windows of `window` seconds aligned to
 * the epoch, and returns its findings ordered by window and evidence. Anomaly rules run in anomaly.ts.
 */
export async function runDetection(store: Store, rule: Exclude<DetectionRule, { type: 'Anomaly' }>, options: DetectionOptions): Promise<FindingEvent[]> {
  const window = sqlLiteral(rule.window);
  const windowStart = `("start" // ${window}) * ${window}`;
  const conditions = [`(${options.where})`, '"start" IS NOT NULL', 'srcaddr IS NOT NULL', 'dstaddr IS NOT NULL'];
  // On "start" itself (windows are aligned, so this is the same as on window_start): lets DuckDB skip row groups.
  if (options.from !== undefined) conditions.push(`"start" >= ${sqlLiteral(Math.ceil(options.from / rule.window) * rule.window)}`);
  if (options.before !== undefined) conditions.push(`"start" < ${sqlLiteral(Math.ceil(options.before / rule.window) * rule.window)}`);
  const scoped = `SELECT *, ${windowStart} AS window_start FROM ${FLOWS_TABLE} WHERE ${conditions.join(' AND ')}`;
  const result = await store.query(detectionSql(rule, scoped));
  return result.rows.map((row) => toEvent(rule, row));
}

const EVIDENCE = `count(*) AS flows, sum(packets) AS packets, sum(bytes) AS bytes,
  count(*) FILTER (WHERE action = 'REJECT') AS rejected, count(*) FILTER (WHERE action = 'ACCEPT') AS accepted,
  min("start") AS first_seen, max(coalesce("end", "start")) AS last_seen,
  list(DISTINCT interface_id ORDER BY interface_id) FILTER (WHERE interface_id IS NOT NULL) AS interface_ids,
  list(DISTINCT instance_id ORDER BY instance_id) FILTER (WHERE instance_id IS NOT NULL) AS instance_ids`;

function detectionSql(rule: Exclude<DetectionRule, { type: 'Anomaly' }>, scoped: string): string {
  const ports = (list: readonly number[]) => list.map((p) => sqlLiteral(p)).join(', ');
  switch (rule.type) {
    case 'SSHBruteForce':
    case 'RDPBruteForce':
      return `SELECT window_start, srcaddr AS actor, dstaddr AS target, dstport AS port, count(DISTINCT srcport) AS source_ports, ${EVIDENCE}
FROM (${scoped}) WHERE protocol = 6 AND dstport IN (${ports(rule.ports)}) AND (action = 'REJECT' OR packets <= ${sqlLiteral(rule.maxPacketsPerAttempt)})
GROUP BY window_start, srcaddr, dstaddr, dstport HAVING count(*) >= ${sqlLiteral(rule.minAttempts)}
ORDER BY window_start, flows DESC, actor, target`;
    case 'PortProbeUnprotectedPort':
      return `WITH scoped AS (${scoped}),
probers AS (
  SELECT window_start, srcaddr, count(DISTINCT dstaddr || ':' || dstport) AS probes
  FROM scoped WHERE protocol IN (6, 17) AND dstport IS NOT NULL AND ${PROBE_LIKE} AND NOT ${isPrivateSql('srcaddr')} AND ${isPrivateSql('dstaddr')}
  GROUP BY window_start, srcaddr HAVING count(DISTINCT dstaddr || ':' || dstport) >= ${sqlLiteral(rule.minProbes)})
SELECT s.window_start, s.srcaddr AS actor, s.dstaddr AS target, s.dstport AS port, any_value(p.probes) AS probes, ${EVIDENCE}
FROM scoped s JOIN probers p ON s.window_start = p.window_start AND s.srcaddr = p.srcaddr
WHERE s.action = 'ACCEPT' AND s.protocol IN (6, 17) AND s.dstport < s.srcport AND ${isPrivateSql('dstaddr')}${rule.ports ? ` AND s.dstport IN (${ports(rule.ports)})` : ''}
GROUP BY s.window_start, s.srcaddr, s.dstaddr, s.dstport
ORDER BY window_start, actor, target, port`;
    case 'Portscan':
      return `SELECT window_start, srcaddr AS actor, dstaddr AS target, count(DISTINCT dstport) AS distinct_ports,
  list(DISTINCT dstport ORDER BY dstport) AS ports, ${EVIDENCE}
FROM (${scoped}) WHERE protocol IN (6, 17) AND dstport IS NOT NULL AND ${PROBE_LIKE}
GROUP BY window_start, srcaddr, dstaddr HAVING count(DISTINCT dstport) >= ${sqlLiteral(rule.minPorts)}
ORDER BY window_start, distinct_ports DESC, actor, target`;
    case 'PortSweep':
      return `SELECT window_start, srcaddr AS actor, dstport AS port, count(DISTINCT dstaddr) AS distinct_hosts, ${EVIDENCE}
FROM (${scoped}) WHERE protocol IN (6, 17) AND dstport IS NOT NULL AND ${PROBE_LIKE}${rule.ports ? ` AND dstport IN (${ports(rule.ports)})` : ''}
GROUP BY window_start, srcaddr, dstport HAVING count(DISTINCT dstaddr) >= ${sqlLiteral(rule.minHosts)}
ORDER BY window_start, distinct_hosts DESC, actor, port`;
    case 'NetworkPortUnusual':
      return `SELECT window_start, srcaddr AS actor, dstaddr AS target, dstport AS port, protocol, ${EVIDENCE}
FROM (${scoped}) WHERE action = 'ACCEPT' AND protocol IN (6, 17) AND dstport < srcport
  AND ${isPrivateSql('srcaddr')} AND NOT ${isPrivateSql('dstaddr')}
  AND dstport NOT IN (${ports([...(rule.allowedPorts ?? COMMON_REMOTE_PORTS), ...rule.extraAllowedPorts])})
GROUP BY window_start, srcaddr, dstaddr, dstport, protocol HAVING count(*) >= ${sqlLiteral(rule.minFlows)}
ORDER BY window_start, actor, target, port`;
    case 'TrafficVolumeUnusual':
      return `SELECT window_start, srcaddr AS actor, dstaddr AS target, ${EVIDENCE}
FROM (${scoped}) WHERE ${isPrivateSql('srcaddr')} AND NOT ${isPrivateSql('dstaddr')}
GROUP BY window_start, srcaddr, dstaddr HAVING sum(bytes) >= ${sqlLiteral(rule.minBytes)}
ORDER BY window_start, bytes DESC, actor, target`;
  }
}

function toEvent(rule: Exclude<DetectionRule, { type: 'Anomaly' }>, row: Record<string, unknown>): FindingEvent {
  const actor = String(row.actor);
  const target = row.target === undefined ? undefined : String(row.target);
  const port = row.port === undefined ? undefined : Number(row.port);
  const direction = directionOf(actor, target);
  const counts: Record<string, number> = {};
  for (const key of ['flows', 'packets', 'bytes', 'rejected', 'accepted', 'source_ports', 'probes', 'distinct_ports', 'distinct_hosts']) {
    if (row[key] !== undefined && row[key] !== null) counts[toCamel(key)] = Number(row[key]);
  }
  const severity = rule.severity ?? defaultSeverity(rule.type, direction);
  const finding: Finding = {
    detection: rule.name,
    type: FINDING_TYPES[rule.type],
    severity,
    severityLabel: severityLabel(severity),
    windowStart: Number(row.window_start),
    firstSeen: Number(row.first_seen),
    lastSeen: Number(row.last_seen),
    actor: { address: actor },
    target: {
      address: target,
      ports: port !== undefined ? [port] : Array.isArray(row.ports) ? (row.ports as unknown[]).map(Number) : undefined,
    },
    resource: { interfaceIds: stringList(row.interface_ids), instanceIds: stringList(row.instance_ids) },
    direction,
    counts,
    description: describe(rule, actor, target, port, counts, rule.window),
  };
  return { kind: 'finding', id: eventId(finding.type, rule.name, finding.windowStart, actor, target ?? null, port ?? null), ...finding };
}

// GuardDuty: brute force is Low when an instance is the target and High when it is the actor; port
// probes Low; port scans, unusual ports and traffic volume Medium. Internal traffic sits in between.
function defaultSeverity(type: Exclude<DetectionRule['type'], 'Anomaly'>, direction: Finding['direction']): number {
  switch (type) {
    case 'SSHBruteForce':
    case 'RDPBruteForce':
      return direction === 'outbound' ? 8 : direction === 'internal' ? 5 : 2;
    case 'PortProbeUnprotectedPort':
      return 2;
    case 'Portscan':
    case 'PortSweep':
      return direction === 'outbound' || direction === 'internal' ? 5 : 2;
    default:
      return 5;
  }
}

/** GuardDuty's severity bands. */
export function severityLabel(severity: number): SeverityLabel {
  return severity >= 7 ? 'High' : severity >= 4 ? 'Medium' : 'Low';
}

function describe(rule: Exclude<DetectionRule, { type: 'Anomaly' }>, actor: string, target: string | undefined, port: number | undefined, counts: Record<string, number>, span: number): string {
  const within = `within ${formatDuration(span)}`;
  switch (rule.type) {
    case 'SSHBruteForce':
    case 'RDPBruteForce':
      return `${actor} made ${counts.flows} ${rule.type === 'SSHBruteForce' ? 'SSH' : 'RDP'} connection attempts to ${target}:${port} ${within} (${counts.rejected} rejected, ${counts.accepted} accepted)`;
    case 'PortProbeUnprotectedPort':
      return `${actor} probed ${counts.probes} address:port pairs ${within}; port ${port} of ${target} accepted it`;
    case 'Portscan':
      return `${actor} probed ${counts.distinctPorts} ports of ${target} ${within} (${counts.rejected} flows rejected)`;
    case 'PortSweep':
      return `${actor} probed port ${port} on ${counts.distinctHosts} hosts ${within} (${counts.rejected} flows rejected)`;
    case 'NetworkPortUnusual':
      return `${actor} talked to ${target} on unusual port ${port} (${counts.flows} flows, ${counts.bytes} bytes) ${within}`;
    case 'TrafficVolumeUnusual':
      return `${actor} sent ${counts.bytes} bytes to ${target} ${within}`;
  }
}

/** The window (or anomaly period) of a detection rule, in seconds. */
export function detectionWidth(rule: DetectionRule): number {
  return rule.type === 'Anomaly' ? rule.period : rule.window;
}

/** What makes findings of consecutive windows the same finding: rule, type, actor, target, port and resources. */
export function findingKey(finding: FindingEvent, rule: DetectionRule | undefined): string {
  const ports = rule?.type === 'Portscan' ? null : (finding.target.ports ?? null);
  return JSON.stringify([finding.detection, finding.type, finding.actor.address, finding.target.address ?? null, ports, finding.resource.interfaceIds]);
}

// Evidence that adds up across windows; the others (distinct counts, scores) keep their largest value.
const ADDITIVE = new Set(['flows', 'packets', 'bytes', 'rejected', 'accepted']);

/**
 * Merges the findings of consecutive windows with the same rule, actor, target and port into one, as
 * GuardDuty updates a finding's count instead of raising it again: first/last seen span them all, additive
 * counts are summed, the others keep their maximum, and `counts.windows` says how many were merged. An
 * anomaly keeps the description of its highest value. Input in window order; output in the same order.
 */
export function mergeFindings(findings: readonly FindingEvent[], rules: readonly DetectionRule[]): FindingEvent[] {
  const open = new Map<string, { merged: FindingEvent; nextWindow: number; peak: number }>();
  const out: FindingEvent[] = [];
  for (const finding of findings) {
    const rule = rules.find((r) => r.name === finding.detection);
    const width = rule ? detectionWidth(rule) : 0;
    const key = findingKey(finding, rule);
    const current = open.get(key);
    if (!current || current.nextWindow !== finding.windowStart || !rule) {
      const merged = { ...finding, counts: { ...finding.counts, windows: 1 }, target: { ...finding.target } };
      open.set(key, { merged, nextWindow: finding.windowStart + width, peak: finding.counts.value ?? 0 });
      out.push(merged);
      continue;
    }
    const { merged } = current;
    current.nextWindow += width;
    merged.firstSeen = Math.min(merged.firstSeen, finding.firstSeen);
    merged.lastSeen = Math.max(merged.lastSeen, finding.lastSeen);
    const windows = (merged.counts.windows ?? 1) + 1;
    if (rule.type === 'Anomaly') {
      // An anomaly is described by its peak period.
      if ((finding.counts.value ?? 0) > current.peak) {
        current.peak = finding.counts.value ?? 0;
        merged.counts = { ...finding.counts };
        merged.description = finding.description;
      }
      merged.counts.windows = windows;
    } else {
      for (const [name, value] of Object.entries(finding.counts)) merged.counts[name] = ADDITIVE.has(name) ? (merged.counts[name] ?? 0) + value : Math.max(merged.counts[name] ?? value, value);
      merged.counts.windows = windows;
      if (finding.target.ports && rule.type === 'Portscan') {
        merged.target.ports = [...new Set([...(merged.target.ports ?? []), ...finding.target.ports])].sort((a, b) => a - b);
        merged.counts.distinctPorts = merged.target.ports.length;
      }
      const span = finding.windowStart + width - merged.windowStart;
      merged.description = describe(rule, merged.actor.address, merged.target.address, merged.target.ports?.[0], merged.counts, span);
    }
  }
  return out;
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.map(String) : [];
}

function toCamel(key: string): string {
  return key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}
