import type { Store } from '../store/index.js';
import { FLOWS_TABLE, sqlLiteral } from '../store/index.js';
import { directionOf, isInside, isInsideSql, PRIVATE_ONLY } from './address-sql.js';
import type { Inside } from './address-sql.js';
import { describeBehaviour, rowResources, runBehaviour, severityLabel } from './baselines.js';
import type { DetectionRule } from './rules.js';
import { eventId } from './run-alarms.js';
import type { Finding, FindingEvent } from './types.js';
import { formatDuration, isoTime } from './units.js';

export { COMMON_REMOTE_PORTS, severityLabel } from './baselines.js';

/** A threshold or behaviour detection rule (every type but Anomaly). */
export type ThresholdRule = Exclude<DetectionRule, { type: 'Anomaly' }>;

/**
 * GuardDuty-style finding type of each detection. GuardDuty names types ThreatPurpose:ResourceType/ThreatFamily,
 * with a `.DetectionMechanism` suffix for variants (`.Custom`, `.Reputation`); the distributed variants follow
 * that convention (`.Distributed`). PortSweep and the distributed types are flowlens's own; GuardDuty has none.
 */
export const FINDING_TYPES: Record<ThresholdRule['type'], string> = {
  SSHBruteForce: 'UnauthorizedAccess:EC2/SSHBruteForce',
  RDPBruteForce: 'UnauthorizedAccess:EC2/RDPBruteForce',
  SSHBruteForceDistributed: 'UnauthorizedAccess:EC2/SSHBruteForce.Distributed',
  RDPBruteForceDistributed: 'UnauthorizedAccess:EC2/RDPBruteForce.Distributed',
  PortProbeUnprotectedPort: 'Recon:EC2/PortProbeUnprotectedPort',
  Portscan: 'Recon:EC2/Portscan',
  PortscanDistributed: 'Recon:EC2/Portscan.Distributed',
  PortSweep: 'Recon:EC2/PortSweep',
  NetworkPortUnusual: 'Behavior:EC2/NetworkPortUnusual',
  TrafficVolumeUnusual: 'Behavior:EC2/TrafficVolumeUnusual',
};

// A flow looks like a probe when it was rejected, or when it is short (SYN-only probes carry 1–3
// packets) and goes towards the lower port: responses go from a server port to a higher client port.
const PROBE_PACKETS = 3;
const PROBE_LIKE = `(action = 'REJECT' OR (packets <= ${PROBE_PACKETS} AND dstport < srcport))`;
// Health checks and monitoring from inside: active in most 5-minute slots of the window, almost never
// rejected, on a small set of ports.
const SLOT = 300;
const REGULAR_SLOTS = 0.8;
const REGULAR_MAX_REJECTED = 0.1;
const REGULAR_MAX_PORTS = 3;

/** Options of runDetection: the records to look at and the windows to report. */
export interface DetectionOptions {
  /** SQL condition on the flows table. */
  where: string;
  /** Report only windows starting at or after this time (epoch seconds); slow windows ending after it. */
  from?: number | undefined;
  /** Report only windows starting before this time; slow windows ending at or before it. */
  before?: number | undefined;
  /** Who is inside the VPC (default: the private ranges). */
  inside?: Inside | undefined;
}

/** One pass of a detection over tumbling windows of `width` seconds, aligned to the epoch plus `offset`. */
interface Pass {
  width: number;
  offset: number;
  /** A slow pass reports windows that ended within [from, before); a normal one windows that start there. */
  slow: boolean;
}

/**
 * Runs a detection over the records as SQL and returns its findings ordered by window and evidence. Threshold
 * detections count in tumbling windows of `window` seconds aligned to the epoch, and those with a `slowWindow`
 * also in that longer window (twice: aligned, and shifted by half), reporting what the short windows missed.
 * Behaviour detections compare each window with the actor's history (baselines.ts). Anomaly rules run in anomaly.ts.
 */
export async function runDetection(store: Store, rule: ThresholdRule, options: DetectionOptions): Promise<FindingEvent[]> {
  const inside = options.inside ?? PRIVATE_ONLY;
  if (rule.type === 'NetworkPortUnusual' || rule.type === 'TrafficVolumeUnusual') {
    return (await runBehaviour(store, rule, { ...options, inside })).map((finding) => withEvidence(finding));
  }
  if (rule.type === 'SSHBruteForceDistributed' || rule.type === 'RDPBruteForceDistributed' || rule.type === 'PortscanDistributed') {
    return runDistributed(store, rule, options, inside);
  }
  const fast = await runPass(store, rule, options, inside, { width: rule.window, offset: 0, slow: false });
  const slowWindow = 'slowWindow' in rule ? rule.slowWindow : false;
  if (slowWindow === false || slowWindow <= rule.window) return fast;
  const slow: FindingEvent[] = [];
  for (const offset of [0, slowWindow / 2]) slow.push(...(await runPass(store, rule, options, inside, { width: slowWindow, offset, slow: true })));
  // A slow finding adds to what the short windows found only when they missed that actor and target then.
  const missed = slow.filter((s) => !fast.some((f) => sameSubject(f, s) && f.firstSeen <= s.lastSeen && f.lastSeen >= s.firstSeen));
  return [...fast, ...coalesce(missed)].sort((a, b) => a.windowStart - b.windowStart || (b.counts.flows ?? 0) - (a.counts.flows ?? 0));
}

async function runPass(store: Store, rule: ThresholdRule, options: DetectionOptions, inside: Inside, pass: Pass): Promise<FindingEvent[]> {
  const width = sqlLiteral(pass.width);
  const offset = sqlLiteral(pass.offset);
  const windowStart = `((("start" - ${offset}) // ${width}) * ${width} + ${offset})`;
  const conditions = [`(${options.where})`, '"start" IS NOT NULL', 'srcaddr IS NOT NULL', 'dstaddr IS NOT NULL'];
  const having: string[] = [];
  if (!pass.slow) {
    // On "start" itself (windows are aligned, so this is the same as on window_start): lets DuckDB skip row groups.
    if (options.from !== undefined) conditions.push(`"start" >= ${sqlLiteral(Math.ceil(options.from / pass.width) * pass.width)}`);
    if (options.before !== undefined) conditions.push(`"start" < ${sqlLiteral(Math.ceil(options.before / pass.width) * pass.width)}`);
  } else {
    if (options.from !== undefined) conditions.push(`"start" >= ${sqlLiteral(options.from - pass.width)}`);
    if (options.before !== undefined) conditions.push(`"start" < ${sqlLiteral(options.before)}`);
    if (options.from !== undefined) having.push(`window_start + ${width} > ${sqlLiteral(options.from)}`);
    if (options.before !== undefined) having.push(`window_start + ${width} <= ${sqlLiteral(options.before)}`);
  }
  const scoped = `SELECT *, ${windowStart} AS window_start FROM ${FLOWS_TABLE} WHERE ${conditions.join(' AND ')}`;
  const sql = detectionSql(rule, scoped, inside, pass);
  const result = await store.query(having.length ? `SELECT * FROM (${sql}) WHERE ${having.join(' AND ')}` : sql);
  return result.rows.map((row) => toEvent(rule, row, inside, pass));
}

const EVIDENCE = `count(*) AS flows, sum(packets) AS packets, sum(bytes) AS bytes,
  count(*) FILTER (WHERE action = 'REJECT') AS rejected, count(*) FILTER (WHERE action = 'ACCEPT') AS accepted,
  min("start") AS first_seen, max(coalesce("end", "start")) AS last_seen,
  list(DISTINCT interface_id ORDER BY interface_id) FILTER (WHERE interface_id IS NOT NULL) AS interface_ids,
  list(DISTINCT instance_id ORDER BY instance_id) FILTER (WHERE instance_id IS NOT NULL) AS instance_ids`;

// Health checks and monitoring from inside: from its first to its last flow in the window (at least an hour,
// or the whole window when shorter) active in most 5-minute slots, and almost never rejected.
function regularSql(width: number): string {
  const span = `(max("start") - min("start"))`;
  return `(${span} >= ${sqlLiteral(Math.min(3600, width - SLOT))} AND count(DISTINCT "start" // ${SLOT}) >= ${REGULAR_SLOTS} * (${span} // ${SLOT} + 1) AND count(*) FILTER (WHERE action = 'REJECT') <= ${REGULAR_MAX_REJECTED} * count(*))`;
}

// Recon thresholds: outside actors at `min`; inside ones only when the rule asks, at `internalMin`, and
// not when the pattern is regular on a small set of ports (health checks, monitoring).
function reconHaving(rule: { internalActors: boolean }, count: string, min: number, internalMin: number, width: number): string {
  const outside = `(NOT any_value(actor_inside) AND ${count} >= ${sqlLiteral(min)})`;
  if (!rule.internalActors) return outside;
  const regular = `(${regularSql(width)} AND any_value(actor_ports) <= ${REGULAR_MAX_PORTS})`;
  return `(${outside} OR (any_value(actor_inside) AND ${count} >= ${sqlLiteral(internalMin)} AND NOT ${regular}))`;
}

// Probe-like flows with the actor's inside flag and how many ports it probed in the window.
function probesOf(scoped: string, inside: Inside, internalActors: boolean, extra = ''): string {
  return `WITH probes AS (
  SELECT *, ${isInsideSql('srcaddr', inside)} AS actor_inside FROM (${scoped})
  WHERE protocol IN (6, 17) AND dstport IS NOT NULL AND ${PROBE_LIKE}${internalActors ? '' : ` AND NOT ${isInsideSql('srcaddr', inside)}`}${extra}),
actor_ports AS (SELECT window_start, srcaddr, count(DISTINCT dstport) AS actor_ports FROM probes GROUP BY ALL),
scoped_probes AS (SELECT p.*, a.actor_ports FROM probes p JOIN actor_ports a USING (window_start, srcaddr))`;
}

function detectionSql(rule: ThresholdRule, scoped: string, inside: Inside, pass: Pass): string {
  const ports = (list: readonly number[]) => list.map((p) => sqlLiteral(p)).join(', ');
  switch (rule.type) {
    case 'SSHBruteForce':
    case 'RDPBruteForce':
      return `SELECT window_start, srcaddr AS actor, dstaddr AS target, dstport AS port, count(DISTINCT srcport) AS source_ports, ${EVIDENCE}
FROM (${scoped}) WHERE protocol = 6 AND dstport IN (${ports(rule.ports)}) AND (action = 'REJECT' OR packets <= ${sqlLiteral(rule.maxPacketsPerAttempt)})
GROUP BY window_start, srcaddr, dstaddr, dstport HAVING count(*) >= ${sqlLiteral(pass.slow ? rule.slowMinAttempts : rule.minAttempts)}
  AND NOT (any_value(${isInsideSql('srcaddr', inside)}) AND ${regularSql(pass.width)})
ORDER BY window_start, flows DESC, actor, target`;
    case 'PortProbeUnprotectedPort':
      return `${probesOf(scoped, inside, rule.internalActors, ` AND ${isInsideSql('dstaddr', inside)}`)},
probers AS (
  SELECT window_start, srcaddr, count(DISTINCT dstaddr || ':' || dstport) AS probes
  FROM scoped_probes GROUP BY window_start, srcaddr HAVING ${reconHaving(rule, `count(DISTINCT dstaddr || ':' || dstport)`, rule.minProbes, rule.internalMinProbes, pass.width)})
SELECT s.window_start, s.srcaddr AS actor, s.dstaddr AS target, s.dstport AS port, any_value(p.probes) AS probes, ${EVIDENCE}
FROM (${scoped}) s JOIN probers p ON s.window_start = p.window_start AND s.srcaddr = p.srcaddr
WHERE s.action = 'ACCEPT' AND s.protocol IN (6, 17) AND s.dstport < s.srcport AND ${isInsideSql('dstaddr', inside)}${rule.ports ? ` AND s.dstport IN (${ports(rule.ports)})` : ''}
GROUP BY s.window_start, s.srcaddr, s.dstaddr, s.dstport
ORDER BY window_start, actor, target, port`;
    case 'Portscan':
      return `${probesOf(scoped, inside, rule.internalActors)}
SELECT window_start, srcaddr AS actor, dstaddr AS target, count(DISTINCT dstport) AS distinct_ports,
  list(DISTINCT dstport ORDER BY dstport) AS ports, ${EVIDENCE}
FROM scoped_probes
GROUP BY window_start, srcaddr, dstaddr HAVING ${reconHaving(rule, 'count(DISTINCT dstport)', pass.slow ? rule.slowMinPorts : rule.minPorts, rule.internalMinPorts, pass.width)}
ORDER BY window_start, distinct_ports DESC, actor, target`;
    case 'PortSweep':
      return `${probesOf(scoped, inside, rule.internalActors, rule.ports ? ` AND dstport IN (${ports(rule.ports)})` : '')}
SELECT window_start, srcaddr AS actor, dstport AS port, count(DISTINCT dstaddr) AS distinct_hosts, bool_and(${isInsideSql('dstaddr', inside)}) AS targets_inside, ${EVIDENCE}
FROM scoped_probes
GROUP BY window_start, srcaddr, dstport HAVING ${reconHaving(rule, 'count(DISTINCT dstaddr)', pass.slow ? rule.slowMinHosts : rule.minHosts, rule.internalMinHosts, pass.width)}
ORDER BY window_start, distinct_hosts DESC, actor, port`;
    default:
      throw new Error(`${rule.type} is not a threshold detection`);
  }
}

type DistributedRule = Extract<ThresholdRule, { type: 'SSHBruteForceDistributed' | 'RDPBruteForceDistributed' | 'PortscanDistributed' }>;

// Distributed attacks, seen from the target: per window (aligned, and shifted by half a window), the outside
// sources that each made a few attempts on one target; windows of the same target that overlap are one finding.
async function runDistributed(store: Store, rule: DistributedRule, options: DetectionOptions, inside: Inside): Promise<FindingEvent[]> {
  const width = rule.window;
  const bruteForce = rule.type !== 'PortscanDistributed';
  const attempt = bruteForce
    ? `protocol = 6 AND dstport IN (${rule.ports.map((p) => sqlLiteral(p)).join(', ')}) AND (action = 'REJECT' OR packets <= ${sqlLiteral(rule.maxPacketsPerAttempt)})`
    : `protocol IN (6, 17) AND dstport IS NOT NULL AND ${PROBE_LIKE}`;
  const base = [`(${options.where})`, '"start" IS NOT NULL', 'srcaddr IS NOT NULL', 'dstaddr IS NOT NULL', attempt, `NOT ${isInsideSql('srcaddr', inside)}`, isInsideSql('dstaddr', inside)];
  if (options.from !== undefined) base.push(`"start" >= ${sqlLiteral(options.from - width)}`);
  if (options.before !== undefined) base.push(`"start" < ${sqlLiteral(options.before)}`);
  const spans: { target: string; port: number | null; start: number; end: number }[] = [];
  for (const offset of [0, width / 2]) {
    const windowStart = `((("start" - ${sqlLiteral(offset)}) // ${sqlLiteral(width)}) * ${sqlLiteral(width)} + ${sqlLiteral(offset)})`;
    const portKey = bruteForce ? 'dstport' : 'NULL::INTEGER';
    const perSource = bruteForce
      ? `count(*) BETWEEN ${sqlLiteral(rule.minAttemptsPerSource)} AND ${sqlLiteral(rule.maxAttemptsPerSource)}`
      : `count(DISTINCT dstport) >= ${sqlLiteral(rule.minPortsPerSource)}`;
    const ended = [options.from !== undefined ? `window_start + ${sqlLiteral(width)} > ${sqlLiteral(options.from)}` : 'TRUE', options.before !== undefined ? `window_start + ${sqlLiteral(width)} <= ${sqlLiteral(options.before)}` : 'TRUE'];
    const sql = `WITH sources AS (
  SELECT ${windowStart} AS window_start, dstaddr, ${portKey} AS target_port, srcaddr, list(DISTINCT dstport) AS ports
  FROM ${FLOWS_TABLE} WHERE ${base.join(' AND ')}
  GROUP BY ALL HAVING ${perSource})
SELECT window_start, dstaddr AS target, target_port AS port FROM (
  SELECT window_start, dstaddr, target_port, srcaddr, unnest(ports) AS port FROM sources)
GROUP BY window_start, dstaddr, target_port HAVING count(DISTINCT srcaddr) >= ${sqlLiteral(rule.minSources)}${bruteForce ? '' : ` AND count(DISTINCT port) >= ${sqlLiteral(rule.minPorts)}`}
  AND ${ended.join(' AND ')}`;
    for (const row of (await store.query(sql)).rows) {
      const start = Number(row.window_start);
      spans.push({ target: String(row.target), port: row.port === null || row.port === undefined ? null : Number(row.port), start, end: start + width });
    }
  }
  // Overlapping windows of one target and port are one attack.
  spans.sort((a, b) => a.target.localeCompare(b.target) || (a.port ?? -1) - (b.port ?? -1) || a.start - b.start);
  const merged: typeof spans = [];
  for (const span of spans) {
    const last = merged.at(-1);
    if (last && last.target === span.target && last.port === span.port && span.start < last.end) last.end = Math.max(last.end, span.end);
    else merged.push({ ...span });
  }
  const events: FindingEvent[] = [];
  for (const span of merged) {
    const scope = [...base, `dstaddr = ${sqlLiteral(span.target)}`, `"start" >= ${sqlLiteral(span.start)}`, `"start" < ${sqlLiteral(span.end)}`];
    if (span.port !== null) scope.push(`dstport = ${sqlLiteral(span.port)}`);
    const perSource = bruteForce
      ? `count(*) BETWEEN ${sqlLiteral(rule.minAttemptsPerSource)} AND ${sqlLiteral(rule.maxAttemptsPerSource)}`
      : `count(DISTINCT dstport) >= ${sqlLiteral(rule.minPortsPerSource)}`;
    const sql = `WITH s AS (
  SELECT srcaddr, count(*) AS attempts FROM ${FLOWS_TABLE} WHERE ${scope.join(' AND ')} GROUP BY srcaddr HAVING ${perSource}),
f AS (SELECT * FROM ${FLOWS_TABLE} WHERE ${scope.join(' AND ')} AND srcaddr IN (SELECT srcaddr FROM s))
SELECT (SELECT list({'address': srcaddr, 'attempts': attempts} ORDER BY attempts DESC, srcaddr) FROM s) AS sources,
  count(DISTINCT srcaddr) AS distinct_sources, count(DISTINCT dstport) AS distinct_ports, list(DISTINCT dstport ORDER BY dstport) AS ports, ${EVIDENCE}
FROM f`;
    const row = (await store.query(sql)).rows[0];
    if (!row || Number(row.flows) === 0) continue;
    events.push(distributedEvent(rule, span, row, inside));
  }
  return events.sort((a, b) => a.windowStart - b.windowStart);
}

function distributedEvent(rule: DistributedRule, span: { target: string; port: number | null; start: number; end: number }, row: Record<string, unknown>, inside: Inside): FindingEvent {
  const all = (Array.isArray(row.sources) ? row.sources : []) as { address: unknown; attempts: unknown }[];
  const sources = all.map((s) => ({ address: String(s.address), attempts: Number(s.attempts) }));
  const counts = countsOf(row);
  const type = FINDING_TYPES[rule.type];
  const ports = span.port !== null ? [span.port] : Array.isArray(row.ports) ? (row.ports as unknown[]).map(Number) : [];
  const top = sources[0]?.address ?? '';
  const accepted = (counts.accepted ?? 0) > 0;
  // Coordinated guessing is Medium (Low when every attempt was rejected); a distributed scan is Low.
  const severity = rule.severity ?? (rule.type === 'PortscanDistributed' ? 3 : accepted ? 5 : 3);
  const what = rule.type === 'PortscanDistributed' ? `probed ${counts.distinctPorts} ports of ${span.target}` : `made ${counts.flows} ${rule.type.startsWith('SSH') ? 'SSH' : 'RDP'} attempts on ${span.target}:${span.port} (${counts.accepted} accepted)`;
  const finding: Finding = {
    detection: rule.name,
    type,
    severity,
    severityLabel: severityLabel(severity),
    windowStart: span.start,
    windowSeconds: span.end - span.start,
    firstSeen: Number(row.first_seen),
    lastSeen: Number(row.last_seen),
    actor: { address: top, sources: sources.slice(0, rule.topSources), count: sources.length },
    target: { address: span.target, ports },
    resource: rowResources(row),
    direction: directionOf(top, span.target, inside),
    counts: { ...counts, sources: sources.length },
    description: `${sources.length} sources ${what} between ${isoTime(Number(row.first_seen))} and ${isoTime(Number(row.last_seen))}, at most ${sources[0]?.attempts ?? 0} each; top: ${sources
      .slice(0, 3)
      .map((s) => `${s.address} (${s.attempts})`)
      .join(', ')}`,
  };
  return withEvidence({ kind: 'finding', id: eventId(type, rule.name, span.start, span.target, span.port), ...finding });
}

function countsOf(row: Record<string, unknown>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const key of ['flows', 'packets', 'bytes', 'rejected', 'accepted', 'source_ports', 'probes', 'distinct_ports', 'distinct_hosts', 'distinct_sources']) {
    if (row[key] !== undefined && row[key] !== null) counts[toCamel(key)] = Number(row[key]);
  }
  return counts;
}

function toEvent(rule: ThresholdRule, row: Record<string, unknown>, inside: Inside, pass: Pass): FindingEvent {
  const actor = String(row.actor);
  const target = row.target === undefined ? undefined : String(row.target);
  const port = row.port === undefined ? undefined : Number(row.port);
  // A sweep has many targets: they are inside when all of them are.
  const direction = row.targets_inside === undefined || row.targets_inside === null ? directionOf(actor, target, inside) : sweepDirection(isInside(actor, inside), Boolean(row.targets_inside));
  const counts = countsOf(row);
  const severity = rule.severity ?? defaultSeverity(rule.type, direction);
  const windowStart = Number(row.window_start);
  const finding: Finding = {
    detection: rule.name,
    type: FINDING_TYPES[rule.type],
    severity,
    severityLabel: severityLabel(severity),
    windowStart,
    firstSeen: Number(row.first_seen),
    lastSeen: Number(row.last_seen),
    actor: { address: actor },
    target: {
      address: target,
      ports: port !== undefined ? [port] : Array.isArray(row.ports) ? (row.ports as unknown[]).map(Number) : undefined,
    },
    resource: rowResources(row),
    direction,
    counts,
    description: describe(rule, actor, target, port, counts, pass.width),
  };
  if (pass.slow) finding.windowSeconds = pass.width;
  return withEvidence({ kind: 'finding', id: eventId(finding.type, rule.name, windowStart, actor, target ?? null, port ?? null), ...finding });
}

function sweepDirection(actorInside: boolean, targetsInside: boolean): Finding['direction'] {
  if (actorInside) return targetsInside ? 'internal' : 'outbound';
  return targetsInside ? 'inbound' : 'external';
}

/** Adds the evidence query of a finding: `flowlens findip` on the actor (the target when there are many actors) and the SQL. */
export function withEvidence(finding: FindingEvent): FindingEvent {
  const distributed = finding.actor.sources !== undefined;
  const subject = distributed ? (finding.target.address ?? finding.actor.address) : finding.actor.address;
  if (!subject) return finding;
  const start = Math.floor(finding.firstSeen);
  const end = Math.floor(finding.lastSeen) + 1;
  const conditions = [`"start" >= ${start}`, `"start" < ${end}`];
  if (!distributed) conditions.push(`srcaddr = ${sqlLiteral(finding.actor.address)}`);
  if (finding.target.address) conditions.push(`dstaddr = ${sqlLiteral(finding.target.address)}`);
  const ports = finding.target.ports ?? [];
  if (ports.length === 1) conditions.push(`dstport = ${ports[0]}`);
  return {
    ...finding,
    evidence: {
      command: `flowlens findip ${subject} --start ${isoTime(start)} --end ${isoTime(end)}`,
      sql: `SELECT * FROM ${FLOWS_TABLE} WHERE ${conditions.join(' AND ')} ORDER BY "start"`,
    },
  };
}

// GuardDuty: brute force is Low when an instance is the target and High when it is the actor; port
// probes Low; port scans, unusual ports and traffic volume Medium. Internal traffic sits in between.
function defaultSeverity(type: ThresholdRule['type'], direction: Finding['direction']): number {
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


function describe(rule: ThresholdRule, actor: string, target: string | undefined, port: number | undefined, counts: Record<string, number>, span: number): string {
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
    default:
      return `${actor} -> ${target ?? '-'} ${within}`;
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

function sameSubject(a: FindingEvent, b: FindingEvent): boolean {
  const portsA = a.type === FINDING_TYPES.Portscan ? null : (a.target.ports ?? null);
  const portsB = b.type === FINDING_TYPES.Portscan ? null : (b.target.ports ?? null);
  return a.detection === b.detection && a.actor.address === b.actor.address && (a.target.address ?? null) === (b.target.address ?? null) && JSON.stringify(portsA) === JSON.stringify(portsB);
}

// Slow windows overlap (aligned and shifted): one finding per actor and target keeps the window with the
// most flows, spanning every overlapping window's first and last seen.
function coalesce(findings: FindingEvent[]): FindingEvent[] {
  const sorted = [...findings].sort((a, b) => a.firstSeen - b.firstSeen);
  const out: FindingEvent[] = [];
  for (const finding of sorted) {
    const index = out.findIndex((o) => sameSubject(o, finding) && finding.firstSeen <= o.lastSeen);
    const current = out[index];
    if (!current) {
      out.push(finding);
      continue;
    }
    const best = (finding.counts.flows ?? 0) > (current.counts.flows ?? 0) ? finding : current;
    out[index] = withEvidence({ ...best, firstSeen: Math.min(current.firstSeen, finding.firstSeen), lastSeen: Math.max(current.lastSeen, finding.lastSeen) });
  }
  return out;
}

// Evidence that adds up across windows; the others (distinct counts, scores) keep their largest value.
const ADDITIVE = new Set(['flows', 'packets', 'bytes', 'rejected', 'accepted']);

/**
 * Merges the findings of consecutive windows with the same rule, actor, target and port into one, as
 * GuardDuty updates a finding's count instead of raising it again: first/last seen span them all, additive
 * counts are summed, the others keep their maximum, and `counts.windows` says how many were merged. An
 * anomaly keeps the description of its highest value. Findings of slow windows and distributed findings
 * stand alone. Input in window order; output in the same order.
 */
export function mergeFindings(findings: readonly FindingEvent[], rules: readonly DetectionRule[]): FindingEvent[] {
  const open = new Map<string, { merged: FindingEvent; nextWindow: number; peak: number }>();
  const out: FindingEvent[] = [];
  for (const finding of findings) {
    const rule = rules.find((r) => r.name === finding.detection);
    const width = rule ? detectionWidth(rule) : 0;
    const key = findingKey(finding, rule);
    const current = open.get(key);
    if (finding.windowSeconds !== undefined || !current || current.nextWindow !== finding.windowStart || !rule) {
      const merged = { ...finding, counts: { ...finding.counts, windows: 1 }, target: { ...finding.target } };
      if (finding.windowSeconds === undefined) open.set(key, { merged, nextWindow: finding.windowStart + width, peak: finding.counts.value ?? 0 });
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
        merged.peers = finding.peers;
        merged.baseline = finding.baseline;
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
      merged.description = rule.type === 'NetworkPortUnusual' || rule.type === 'TrafficVolumeUnusual' ? describeBehaviour(merged, span) : describe(rule, merged.actor.address, merged.target.address, merged.target.ports?.[0], merged.counts, span);
      merged.learning = merged.learning && finding.learning;
    }
    Object.assign(merged, withEvidence(merged));
  }
  return out;
}

function toCamel(key: string): string {
  return key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}
