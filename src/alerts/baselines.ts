import type { Store } from '../store/index.js';
import { FLOWS_TABLE, sqlLiteral } from '../store/index.js';
import { directionOf, isInsideSql } from './address-sql.js';
import type { Inside } from './address-sql.js';
import type { DetectionRule } from './rules.js';
import { eventId } from './run-alarms.js';
import type { Finding, FindingEvent, SeverityLabel } from './types.js';
import { formatDuration } from './units.js';

/** A behaviour detection: judged against what the actor did on the days before. */
export type BehaviourRule = Extract<DetectionRule, { type: 'NetworkPortUnusual' | 'TrafficVolumeUnusual' }>;

/** Options of runBehaviour. */
export interface BehaviourOptions {
  where: string;
  from?: number | undefined;
  before?: number | undefined;
  inside: Inside;
}

const DAY = 86400;
const HOUR = 3600;
// Share of the actor's history hours allowed above its typical volume (the baseline is the 95th percentile hour).
const TOP_SHARE = 0.05;
/**
 * Remote server ports an instance commonly talks to; NetworkPortUnusual reports others. GuardDuty does
 * not publish its list, so this one is flowlens's: web, DNS (also over TLS), NTP, mail, SSH and FTP.
 */
export const COMMON_REMOTE_PORTS: readonly number[] = [20, 21, 22, 25, 53, 80, 110, 123, 143, 443, 465, 587, 853, 993, 995, 8080, 8443];

/** The interfaces and instances a finding's SQL row names (its `interface_ids` and `instance_ids` lists). */
export function rowResources(row: Record<string, unknown>): Finding['resource'] {
  return { interfaceIds: stringList(row.interface_ids), instanceIds: stringList(row.instance_ids) };
}

/** GuardDuty's severity bands. */
export function severityLabel(severity: number): SeverityLabel {
  return severity >= 7 ? 'High' : severity >= 4 ? 'Medium' : 'Low';
}

/**
 * Runs a behaviour detection. Both learn each inside address's normal traffic from the store, as SQL over the
 * days before the window (up to `history`): TrafficVolumeUnusual compares the bytes an address sent to one
 * outside address in a window with the most it sent to one address at the same hour of day on earlier days and
 * with its 95th-percentile window, times `factor`; NetworkPortUnusual reports an uncommon remote port the
 * address did not use on an earlier day. An address with fewer than `learningDays` days of history is in its
 * learning period: its findings say so and are judged by fixed thresholds (`learningMinBytes`, the port list).
 */
export async function runBehaviour(store: Store, rule: BehaviourRule, options: BehaviourOptions): Promise<FindingEvent[]> {
  const rows = (await store.query(rule.type === 'TrafficVolumeUnusual' ? volumeSql(rule, options) : portSql(rule, options))).rows;
  const events: FindingEvent[] = [];
  for (const row of rows) {
    const historyDays = Number(row.history_days ?? 0);
    const learning = historyDays < rule.learningDays;
    if (rule.type === 'TrafficVolumeUnusual') {
      const bytes = Number(row.bytes);
      const sameHour = Number(row.same_hour ?? 0);
      const p95 = Number(row.p95 ?? 0);
      const threshold = learning ? Math.max(rule.minBytes, rule.learningMinBytes) : Math.max(rule.minBytes, rule.factor * Math.max(sameHour, p95));
      if (bytes < threshold) continue;
      const description = learning
        ? `learning period (${historyDays} of ${rule.learningDays} days of history): compared with the fixed ${formatBytes(threshold)}`
        : `usual: at most ${formatBytes(sameHour)} to one address at this hour on earlier days, ${formatBytes(p95)} in its 95th-percentile ${formatDuration(rule.window)}, over ${historyDays} days; flagged above ${rule.factor} times that (${formatBytes(threshold)})`;
      events.push(toEvent(rule, row, options.inside, learning, { historyDays, threshold, description }));
    } else {
      if (!learning && Number(row.port_days ?? 0) > 0) continue;
      const description = learning
        ? `learning period (${historyDays} of ${rule.learningDays} days of history): compared with the list of common ports`
        : `port ${Number(row.port)}/${protocolName(Number(row.protocol))} not used by it on the ${historyDays} days before`;
      events.push(toEvent(rule, row, options.inside, learning, { historyDays, threshold: 0, description }));
    }
  }
  return foldLearning(events);
}

// Without a baseline, an address's first days would raise one finding per destination and window: they are folded
// into one per address and day (and port), summing the evidence and counting the destinations.
function foldLearning(events: FindingEvent[]): FindingEvent[] {
  const folded = new Map<string, FindingEvent>();
  const out: FindingEvent[] = [];
  for (const event of events) {
    if (!event.learning) {
      out.push(event);
      continue;
    }
    const key = JSON.stringify([event.detection, event.actor.address, event.target.ports ?? null, Math.floor(event.windowStart / DAY)]);
    const first = folded.get(key);
    if (!first) {
      const copy = { ...event, counts: { ...event.counts, destinations: 1 } };
      folded.set(key, copy);
      out.push(copy);
      continue;
    }
    for (const name of ['flows', 'packets', 'bytes', 'rejected', 'accepted']) first.counts[name] = (first.counts[name] ?? 0) + (event.counts[name] ?? 0);
    first.counts.destinations = (first.counts.destinations ?? 1) + 1;
    first.firstSeen = Math.min(first.firstSeen, event.firstSeen);
    first.lastSeen = Math.max(first.lastSeen, event.lastSeen);
    first.resource = { interfaceIds: [...new Set([...first.resource.interfaceIds, ...event.resource.interfaceIds])].sort(), instanceIds: [...new Set([...first.resource.instanceIds, ...event.resource.instanceIds])].sort() };
  }
  for (const event of folded.values()) {
    const n = event.counts.destinations ?? 1;
    if (n === 1) continue;
    const day = new Date(Math.floor(event.windowStart / DAY) * DAY * 1000).toISOString().slice(0, 10);
    const what =
      event.type === 'Behavior:EC2/TrafficVolumeUnusual'
        ? `sent ${formatBytes(event.counts.bytes ?? 0)} to ${n} outside addresses`
        : `talked to ${n} outside addresses on unusual port ${event.target.ports?.[0]} (${event.counts.flows} flows, ${event.counts.bytes} bytes)`;
    event.description = `${event.actor.address} ${what} on ${day}, ${event.target.address} first; ${event.baseline?.description ?? ''}`;
  }
  return out;
}

function scopeOf(rule: BehaviourRule, options: BehaviourOptions): { flows: string; window: string } {
  const width = sqlLiteral(rule.window);
  const conditions = [`(${options.where})`, '"start" IS NOT NULL', 'srcaddr IS NOT NULL', 'dstaddr IS NOT NULL'];
  if (options.from !== undefined) conditions.push(`"start" >= ${sqlLiteral(Math.ceil(options.from / rule.window) * rule.window - rule.history)}`);
  if (options.before !== undefined) conditions.push(`"start" < ${sqlLiteral(Math.ceil(options.before / rule.window) * rule.window)}`);
  return { flows: `SELECT *, ("start" // ${width}) * ${width} AS window_start FROM ${FLOWS_TABLE} WHERE ${conditions.join(' AND ')}`, window: width };
}

function reported(options: BehaviourOptions, rule: BehaviourRule): string {
  const parts = ['TRUE'];
  if (options.from !== undefined) parts.push(`window_start >= ${sqlLiteral(Math.ceil(options.from / rule.window) * rule.window)}`);
  if (options.before !== undefined) parts.push(`window_start < ${sqlLiteral(Math.ceil(options.before / rule.window) * rule.window)}`);
  return parts.join(' AND ');
}

const EVIDENCE = `count(*) AS flows, sum(packets) AS packets, sum(bytes) AS bytes,
  count(*) FILTER (WHERE action = 'REJECT') AS rejected, count(*) FILTER (WHERE action = 'ACCEPT') AS accepted,
  min("start") AS first_seen, max(coalesce("end", "start")) AS last_seen,
  list(DISTINCT interface_id ORDER BY interface_id) FILTER (WHERE interface_id IS NOT NULL) AS interface_ids,
  list(DISTINCT instance_id ORDER BY instance_id) FILTER (WHERE instance_id IS NOT NULL) AS instance_ids`;

// The days before a window, within the rule's history.
function earlierDays(day: string, windowStart: string, history: number): string {
  return `${day} < ${windowStart} // ${DAY} AND ${day} >= (${windowStart} - ${sqlLiteral(history)}) // ${DAY}`;
}

function historyDaysSql(options: BehaviourOptions, actors: string): string {
  return `days AS (SELECT srcaddr, "start" // ${DAY} AS day FROM ${FLOWS_TABLE} WHERE (${options.where}) AND "start" IS NOT NULL AND srcaddr IN (SELECT actor FROM ${actors}) GROUP BY ALL)`;
}

function volumeSql(rule: Extract<BehaviourRule, { type: 'TrafficVolumeUnusual' }>, options: BehaviourOptions): string {
  const { flows } = scopeOf(rule, options);
  const slotsPerDay = Math.max(1, Math.round(DAY / rule.window));
  return `WITH outbound AS (
  SELECT window_start, srcaddr AS actor, dstaddr AS target, ${EVIDENCE}
  FROM (${flows}) WHERE ${isInsideSql('srcaddr', options.inside)} AND NOT ${isInsideSql('dstaddr', options.inside)}
  GROUP BY window_start, srcaddr, dstaddr),
top AS (SELECT window_start, actor, max(bytes) AS top_bytes FROM outbound GROUP BY ALL),
candidates AS (SELECT * FROM outbound WHERE bytes >= ${sqlLiteral(rule.minBytes)} AND ${reported(options, rule)}),
keys AS (SELECT DISTINCT window_start, actor FROM candidates),
${historyDaysSql(options, 'keys')},
history_days AS (SELECT k.window_start, k.actor, count(d.day) AS history_days FROM keys k LEFT JOIN days d ON d.srcaddr = k.actor AND ${earlierDays('d.day', 'k.window_start', rule.history)} GROUP BY ALL),
history AS (
  SELECT k.window_start, k.actor,
    max(t.top_bytes) FILTER (WHERE (t.window_start % ${DAY}) // ${HOUR} = (k.window_start % ${DAY}) // ${HOUR}) AS same_hour,
    list(t.top_bytes ORDER BY t.top_bytes DESC) FILTER (WHERE t.top_bytes IS NOT NULL) AS tops
  FROM keys k LEFT JOIN top t ON t.actor = k.actor AND t.window_start < (k.window_start // ${DAY}) * ${DAY} AND t.window_start >= k.window_start - ${sqlLiteral(rule.history)}
  GROUP BY ALL)
SELECT c.*, d.history_days, h.same_hour,
  coalesce(h.tops[(floor(${TOP_SHARE} * d.history_days * ${slotsPerDay}))::INTEGER + 1], 0) AS p95
FROM candidates c JOIN history_days d USING (window_start, actor) JOIN history h USING (window_start, actor)
ORDER BY window_start, bytes DESC, actor, target`;
}

function portSql(rule: Extract<BehaviourRule, { type: 'NetworkPortUnusual' }>, options: BehaviourOptions): string {
  const { flows } = scopeOf(rule, options);
  const allowed = [...(rule.allowedPorts ?? COMMON_REMOTE_PORTS), ...rule.extraAllowedPorts].map((p) => sqlLiteral(p)).join(', ');
  const outbound = `action = 'ACCEPT' AND protocol IN (6, 17) AND dstport < srcport AND ${isInsideSql('srcaddr', options.inside)} AND NOT ${isInsideSql('dstaddr', options.inside)}`;
  return `WITH candidates AS (
  SELECT window_start, srcaddr AS actor, dstaddr AS target, dstport AS port, protocol, ${EVIDENCE}
  FROM (${flows}) WHERE ${outbound} AND dstport NOT IN (${allowed})
  GROUP BY window_start, srcaddr, dstaddr, dstport, protocol HAVING count(*) >= ${sqlLiteral(rule.minFlows)} AND ${reported(options, rule)}),
${historyDaysSql(options, 'candidates')},
port_days AS (
  SELECT srcaddr, dstport, protocol, "start" // ${DAY} AS day FROM ${FLOWS_TABLE}
  WHERE (${options.where}) AND "start" IS NOT NULL AND srcaddr IN (SELECT actor FROM candidates) AND dstport IN (SELECT port FROM candidates) AND ${outbound}
  GROUP BY ALL)
SELECT c.*,
  (SELECT count(*) FROM days d WHERE d.srcaddr = c.actor AND ${earlierDays('d.day', 'c.window_start', rule.history)}) AS history_days,
  (SELECT count(*) FROM port_days p WHERE p.srcaddr = c.actor AND p.dstport = c.port AND p.protocol = c.protocol AND ${earlierDays('p.day', 'c.window_start', rule.history)}) AS port_days
FROM candidates c
ORDER BY window_start, actor, target, port`;
}

function toEvent(rule: BehaviourRule, row: Record<string, unknown>, inside: Inside, learning: boolean, baseline: NonNullable<Finding['baseline']>): FindingEvent {
  const actor = String(row.actor);
  const target = String(row.target);
  const port = row.port === undefined ? undefined : Number(row.port);
  const counts: Record<string, number> = {};
  for (const key of ['flows', 'packets', 'bytes', 'rejected', 'accepted']) if (row[key] !== undefined && row[key] !== null) counts[key] = Number(row[key]);
  const type = rule.type === 'TrafficVolumeUnusual' ? 'Behavior:EC2/TrafficVolumeUnusual' : 'Behavior:EC2/NetworkPortUnusual';
  // Without a baseline the finding is less certain: Low, unless the rule sets a severity.
  const severity = rule.severity ?? (learning ? 2 : 5);
  const windowStart = Number(row.window_start);
  const finding: Finding = {
    detection: rule.name,
    type,
    severity,
    severityLabel: severityLabel(severity),
    windowStart,
    firstSeen: Number(row.first_seen),
    lastSeen: Number(row.last_seen),
    actor: { address: actor },
    target: { address: target, ports: port !== undefined ? [port] : undefined },
    resource: rowResources(row),
    direction: directionOf(actor, target, inside),
    counts,
    description: '',
    learning,
    baseline,
  };
  finding.description = describeBehaviour(finding, rule.window);
  return { kind: 'finding', id: eventId(type, rule.name, windowStart, actor, target, port ?? null), ...finding };
}

/** The description of a behaviour finding from its counts and baseline, over `span` seconds. */
export function describeBehaviour(finding: Finding, span: number): string {
  const within = `within ${formatDuration(span)}`;
  const what =
    finding.type === 'Behavior:EC2/TrafficVolumeUnusual'
      ? `${finding.actor.address} sent ${formatBytes(finding.counts.bytes ?? 0)} to ${finding.target.address} ${within}`
      : `${finding.actor.address} talked to ${finding.target.address} on unusual port ${finding.target.ports?.[0]} (${finding.counts.flows} flows, ${finding.counts.bytes} bytes) ${within}`;
  return finding.baseline ? `${what}; ${finding.baseline.description}` : what;
}

function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

function protocolName(protocol: number): string {
  return protocol === 6 ? 'tcp' : protocol === 17 ? 'udp' : String(protocol);
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.map(String) : [];
}
