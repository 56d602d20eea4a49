import { findField, toColumnName } from '../records/index.js';
import type { Store } from '../store/index.js';
import { FLOWS_TABLE, quoteIdentifier, sqlLiteral } from '../store/index.js';
import { isInsideSql, PRIVATE_ONLY } from './address-sql.js';
import type { Inside } from './address-sql.js';
import { severityLabel } from './detections.js';
import { metricValuesSql } from './metric-sql.js';
import type { DetectionRule, MetricDefinition } from './rules.js';
import { eventId } from './run-alarms.js';
import type { FindingEvent } from './types.js';
import { formatDuration } from './units.js';

/** An anomaly rule of the rules file. */
export type AnomalyRule = Extract<DetectionRule, { type: 'Anomaly' }>;

/** How one period compares with the baseline of its own series. */
export interface AnomalyScore {
  period: number;
  value: number;
  /** Median (robust-z) or mean (band) of the baseline. */
  center: number;
  /** MAD (robust-z) or standard deviation (band) of the baseline. */
  spread: number;
  /** How far above the baseline the value is; Infinity when the baseline is flat and the value above it. */
  score: number;
  baselinePeriods: number;
}

/** Parameters of scoreSeries. */
export interface ScoreOptions {
  baselinePeriods: number;
  minBaselinePeriods: number;
  method: 'robust-z' | 'band';
  threshold: number;
  minValue: number;
}

// The default `by` of each built-in metric: the side of the traffic that is "ours".
const DEFAULT_BY: Record<string, string> = { rejectedFlows: 'interface-id', bytesOut: 'srcaddr', newPeers: 'srcaddr', flows: 'interface-id', bytes: 'interface-id' };

/**
 * Scores each period of one series (period index → value) against its baseline, the `baselinePeriods`
 * before it from the first of them that has a value (absent periods after that count as 0; a series
 * silent for the whole window has no baseline), and returns the periods at or above the threshold.
 * robust-z: 0.6745·(x − median)/MAD (Iglewicz–Hoaglin), falling back to the mean absolute deviation ×
 * 1.2533 when MAD is 0; band: (x − mean)/σ over the rolling window. Only upward spikes count.
 */
export function scoreSeries(values: ReadonlyMap<number, number>, options: ScoreOptions, only?: { from: number; before: number }): AnomalyScore[] {
  const periods = [...values.keys()].sort((a, b) => a - b);
  const out: AnomalyScore[] = [];
  let first = 0; // index into periods of the oldest period within the current baseline window
  for (const period of periods) {
    while ((periods[first] as number) < period - options.baselinePeriods) first++;
    const value = values.get(period) ?? 0;
    if (value < options.minValue || value <= 0) continue;
    if (only && (period < only.from || period >= only.before)) continue;
    const baseline: number[] = [];
    for (let k = periods[first] as number; k < period; k++) baseline.push(values.get(k) ?? 0);
    if (baseline.length < options.minBaselinePeriods) continue;
    const scored = options.method === 'band' ? bandScore(value, baseline) : robustScore(value, baseline);
    if (scored.score >= options.threshold) out.push({ period, value, ...scored, baselinePeriods: baseline.length });
  }
  return out;
}

/** Runs an anomaly rule: per-period values per series in SQL, scored in JS; findings for periods in [from, before). */
export async function runAnomaly(
  store: Store,
  rule: AnomalyRule,
  metrics: readonly MetricDefinition[],
  options: { where: string; from?: number | undefined; before?: number | undefined; inside?: Inside | undefined },
): Promise<FindingEvent[]> {
  // Only the periods scored and their baselines are needed (new peers excepted: "new" needs all history).
  const lookback = options.from === undefined ? undefined : (Math.floor(options.from / rule.period) - rule.baselinePeriods) * rule.period;
  const window = [options.where];
  if (lookback !== undefined && rule.metric !== 'newPeers') window.push(`"start" >= ${sqlLiteral(lookback)}`);
  if (options.before !== undefined && rule.metric !== 'newPeers') window.push(`"start" < ${sqlLiteral(options.before)}`);
  const { sql, by } = anomalySeriesSql(rule, metrics, window.map((w) => `(${w})`).join(' AND '), options.inside);
  const result = await store.query(sql);
  const series = new Map<string, Map<number, number>>();
  for (const row of result.rows) {
    const key = row.series_key === null || row.series_key === undefined ? '' : String(row.series_key);
    let values = series.get(key);
    if (!values) series.set(key, (values = new Map()));
    values.set(Number(row.period_start) / rule.period, Number(row.value));
  }
  const only = {
    from: options.from === undefined ? -Infinity : Math.ceil(options.from / rule.period),
    before: options.before === undefined ? Infinity : Math.ceil(options.before / rule.period),
  };
  const events: FindingEvent[] = [];
  const keys = new Map<FindingEvent, string>();
  for (const [key, values] of [...series].sort(([a], [b]) => a.localeCompare(b))) {
    for (const score of scoreSeries(values, rule, only)) {
      const event = toEvent(rule, by, key, score);
      keys.set(event, key);
      events.push(event);
    }
  }
  events.sort((a, b) => a.windowStart - b.windowStart || (b.counts.value ?? 0) - (a.counts.value ?? 0));
  if (typeof rule.metric === 'string') {
    const byName = rule.by ?? DEFAULT_BY[rule.metric];
    const byField = byName === undefined || byName === 'none' ? undefined : findField(byName);
    for (const event of events.slice(0, MAX_PEER_QUERIES)) await addPeers(store, rule, rule.metric, byField ? toColumnName(byField.name) : undefined, keys.get(event) ?? '', event, options);
  }
  return events;
}

// Anomalies whose contributing peers are looked up (one query each).
const MAX_PEER_QUERIES = 200;
const TOP_PEERS = 5;

// Names the peers that made most of an anomaly's value in its period: the sources of rejected flows, else the
// destinations (the other end when the series are addresses). The top one becomes the actor or the target.
async function addPeers(store: Store, rule: AnomalyRule, metric: string, column: string | undefined, key: string, event: FindingEvent, options: { where: string; inside?: Inside | undefined }): Promise<void> {
  const peer = column === 'srcaddr' ? 'dstaddr' : column === 'dstaddr' ? 'srcaddr' : metric === 'rejectedFlows' ? 'srcaddr' : 'dstaddr';
  const conditions = [`(${options.where})`, `"start" >= ${sqlLiteral(event.windowStart)}`, `"start" < ${sqlLiteral(event.windowStart + rule.period)}`, `${quoteIdentifier(peer)} IS NOT NULL`];
  if (column !== undefined) conditions.push(`CAST(${quoteIdentifier(column)} AS VARCHAR) = ${sqlLiteral(key)}`);
  if (metric === 'rejectedFlows') conditions.push(`action = 'REJECT'`);
  if (metric === 'bytesOut') conditions.push(`${isInsideSql('srcaddr', options.inside)} AND NOT ${isInsideSql('dstaddr', options.inside)}`);
  const value = metric === 'bytes' || metric === 'bytesOut' ? 'sum(bytes)' : 'count(*)';
  const rows = (await store.query(`SELECT ${quoteIdentifier(peer)} AS peer, ${value} AS value FROM ${FLOWS_TABLE} WHERE ${conditions.join(' AND ')} GROUP BY 1 ORDER BY value DESC, peer LIMIT ${TOP_PEERS}`)).rows;
  event.peers = rows.map((row) => ({ address: String(row.peer), value: Number(row.value) }));
  const top = event.peers[0]?.address;
  if (top === undefined) return;
  if (peer === 'srcaddr' && !event.actor.address) event.actor.address = top;
  if (peer === 'dstaddr' && !event.target.address) event.target.address = top;
  event.description += `; top ${peer === 'srcaddr' ? 'sources' : 'destinations'}: ${event.peers
    .slice(0, 3)
    .map((p) => `${p.address} (${p.value})`)
    .join(', ')}`;
}

/** The SQL giving `period_start, series_key, value` for an anomaly rule's metric. */
export function anomalySeriesSql(rule: AnomalyRule, metrics: readonly MetricDefinition[], where: string, inside: Inside = PRIVATE_ONLY): { sql: string; by: string | undefined } {
  const period = sqlLiteral(rule.period);
  const bucket = (time: string) => `(${time} // ${period}) * ${period}`;
  if (typeof rule.metric === 'object') {
    const { metricName, namespace, statistic } = rule.metric;
    const definitions = metrics.filter((m) => m.metricName === metricName && m.namespace === namespace);
    const names = Object.keys(definitions[0]?.dimensions ?? {});
    const key = names.length ? `concat_ws('/', ${names.map((_, i) => quoteIdentifier(`d${i}`)).join(', ')})` : 'NULL';
    const stat = { Sum: 'sum(v)', SampleCount: 'count(v)', Average: 'avg(v)', Minimum: 'min(v)', Maximum: 'max(v)' }[statistic];
    const sql = `SELECT ${bucket('t')} AS period_start, ${key} AS series_key, ${stat} AS value
FROM (${metricValuesSql(definitions, names, where)}) WHERE v IS NOT NULL GROUP BY ALL`;
    return { sql, by: names.join('/') || undefined };
  }
  const byName = rule.by ?? DEFAULT_BY[rule.metric];
  const byField = byName === undefined || byName === 'none' ? undefined : findField(byName);
  const key = byField ? quoteIdentifier(toColumnName(byField.name)) : 'NULL';
  const scope = `(${where}) AND "start" IS NOT NULL${byField ? ` AND ${key} IS NOT NULL` : ''}`;
  const outbound = `${isInsideSql('srcaddr', inside)} AND NOT ${isInsideSql('dstaddr', inside)}`;
  const simple = (value: string, condition = 'TRUE') =>
    `SELECT ${bucket('"start"')} AS period_start, ${key} AS series_key, ${value} AS value FROM ${FLOWS_TABLE} WHERE ${scope} AND ${condition} GROUP BY ALL`;
  switch (rule.metric) {
    case 'rejectedFlows':
      return { sql: simple('count(*)', "action = 'REJECT'"), by: byField?.name };
    case 'bytesOut':
      return { sql: simple('sum(bytes)', outbound), by: byField?.name };
    case 'flows':
      return { sql: simple('count(*)'), by: byField?.name };
    case 'bytes':
      return { sql: simple('sum(bytes)'), by: byField?.name };
    case 'newPeers': {
      // A peer is the other end: the destination, or the source when the series are destinations.
      const peer = byField?.name === 'dstaddr' ? 'srcaddr' : 'dstaddr';
      const sql = `SELECT ${bucket('first_seen')} AS period_start, series_key, count(*) AS value FROM (
  SELECT ${key} AS series_key, ${peer}, min("start") AS first_seen FROM ${FLOWS_TABLE} WHERE ${scope} AND ${peer} IS NOT NULL GROUP BY ALL
) GROUP BY ALL`;
      return { sql, by: byField?.name };
    }
  }
}

function toEvent(rule: AnomalyRule, by: string | undefined, key: string, score: AnomalyScore): FindingEvent {
  const metric = typeof rule.metric === 'object' ? rule.metric.metricName : rule.metric;
  const type = typeof rule.metric === 'object' ? `Anomaly:Metric/${rule.metric.metricName.replace(/\s+/g, '')}` : `Anomaly:EC2/${rule.metric[0]?.toUpperCase()}${rule.metric.slice(1)}`;
  const windowStart = score.period * rule.period;
  const isAddress = by !== undefined && /addr/.test(by);
  const severity = rule.severity ?? 5;
  const round = (n: number) => (Number.isFinite(n) ? Math.round(n * 100) / 100 : n);
  const scoreText = Number.isFinite(score.score) ? score.score.toFixed(1) : '∞';
  return {
    kind: 'finding',
    id: eventId('anomaly', rule.name, windowStart, key),
    detection: rule.name,
    type,
    severity,
    severityLabel: severityLabel(severity),
    windowStart,
    firstSeen: windowStart,
    lastSeen: windowStart + rule.period,
    actor: { address: isAddress ? key : '' },
    target: {},
    resource: { interfaceIds: by === 'interface-id' ? [key] : [], instanceIds: by === 'instance-id' ? [key] : [] },
    direction: metric === 'bytesOut' ? 'outbound' : 'internal',
    counts: { value: score.value, baseline: round(score.center), spread: round(score.spread), score: Number.isFinite(score.score) ? round(score.score) : -1, baselinePeriods: score.baselinePeriods },
    baseline: {
      historyDays: Math.floor((score.baselinePeriods * rule.period) / 86400),
      threshold: round(score.center),
      description: `${rule.method === 'band' ? 'mean' : 'median'} ${round(score.center)} (${rule.method === 'band' ? 'σ' : 'MAD'} ${round(score.spread)}) over the ${score.baselinePeriods} periods of ${formatDuration(rule.period)} before`,
    },
    description: `${metric}${by ? ` of ${by} ${key}` : ''} was ${score.value} in ${formatDuration(rule.period)}, against a baseline of ${round(score.center)} (${rule.method} score ${scoreText} ≥ ${rule.threshold})`,
  };
}

function robustScore(value: number, baseline: number[]): { center: number; spread: number; score: number } {
  const center = median(baseline);
  const mad = median(baseline.map((x) => Math.abs(x - center)));
  if (mad > 0) return { center, spread: mad, score: (0.6745 * (value - center)) / mad };
  const meanAd = baseline.reduce((sum, x) => sum + Math.abs(x - center), 0) / baseline.length;
  if (meanAd > 0) return { center, spread: mad, score: (value - center) / (1.253314 * meanAd) };
  return { center, spread: 0, score: value > center ? Infinity : 0 };
}

function bandScore(value: number, baseline: number[]): { center: number; spread: number; score: number } {
  const mean = baseline.reduce((a, b) => a + b, 0) / baseline.length;
  const sd = Math.sqrt(baseline.reduce((sum, x) => sum + (x - mean) ** 2, 0) / baseline.length);
  if (sd > 0) return { center: mean, spread: sd, score: (value - mean) / sd };
  return { center: mean, spread: 0, score: value > mean ? Infinity : 0 };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}
