import { createHash } from 'node:crypto';
import type { Store } from '../store/index.js';
import { quoteIdentifier, sqlLiteral } from '../store/index.js';
import { evaluateSeries, evaluationRange } from './alarm-evaluator.js';
import { alarmDatapointsSql, alarmMetricDefinitions, datapointRecordsSql } from './metric-sql.js';
import type { AlarmRule, MetricDefinition } from './rules.js';
import type { AlarmEvent, AlarmState, Datapoint } from './types.js';

/** The state of one alarm series (an alarm, or one dimension value of a `*` alarm) between evaluations. */
export interface AlarmSeriesState {
  alarmName: string;
  dimensions: Record<string, string>;
  state: AlarmState;
}

/** Options of evaluateAlarm: which records, which periods, and the states to continue from. */
export interface EvaluateAlarmOptions {
  /** SQL condition on the flows table (time window, selection). */
  where: string;
  /** Start of the first period to evaluate (epoch seconds; aligned down to the alarm's period). */
  from: number;
  /** Start of the last period to evaluate (aligned down). */
  to: number;
  /** States saved by an earlier evaluation, keyed by seriesKey; series not in it start in INSUFFICIENT_DATA. */
  previous?: ReadonlyMap<string, AlarmSeriesState> | undefined;
  /** How many flow records to attach to each ALARM transition (default 0). */
  samples?: number | undefined;
}

/** The key of an alarm series in saved state: the alarm name and its dimension values. */
export function seriesKey(alarmName: string, dimensions: Readonly<Record<string, string>>): string {
  return JSON.stringify([alarmName, Object.entries(dimensions).sort(([a], [b]) => a.localeCompare(b))]);
}

/**
 * Evaluates one alarm over the records in the store, period by period from `from` to `to`, and returns
 * its state changes (oldest first) with the states reached. A fixed-dimension alarm is one series
 * evaluated from `from`, starting in INSUFFICIENT_DATA like a new CloudWatch alarm. A `*` dimension (a
 * flowlens extension, like the contributors of a Metrics Insights alarm) makes one series per value: it
 * appears at its first datapoint in OK, only its moves into and out of ALARM are reported, and it is
 * forgotten once its evaluation range holds no datapoint and it is not in ALARM.
 */
export async function evaluateAlarm(
  store: Store,
  alarm: AlarmRule,
  metrics: readonly MetricDefinition[],
  options: EvaluateAlarmOptions,
): Promise<{ events: AlarmEvent[]; states: AlarmSeriesState[] }> {
  const period = alarm.period;
  const from = Math.floor(options.from / period) * period;
  const to = Math.floor(options.to / period) * period;
  if (to < from) return { events: [], states: [...(options.previous?.values() ?? [])].filter((s) => s.alarmName === alarm.alarmName) };
  const definitions = alarmMetricDefinitions(alarm, metrics);
  const wildcard = alarm.dimensions.some((d) => d.value === '*');
  const events: AlarmEvent[] = [];
  const states: AlarmSeriesState[] = [];
  for (const { dimensions, points, state } of await loadSeries(store, alarm, definitions, { ...options, from, to })) {
    // A `*` series appears with its first datapoint; a saved one continues where it stopped.
    const seriesFrom = state === undefined && wildcard ? points.find((p) => p.timestamp >= from)?.timestamp : from;
    if (seriesFrom === undefined) {
      if (state !== undefined) states.push({ alarmName: alarm.alarmName, dimensions, state });
      continue;
    }
    const outcome = evaluateSeries(points, alarm, { from: seriesFrom, to, initialState: state ?? (wildcard ? 'OK' : 'INSUFFICIENT_DATA') });
    const quiet = !points.some((p) => p.timestamp > to - evaluationRange(alarm) * period);
    if (!(wildcard && quiet && outcome.state !== 'ALARM')) states.push({ alarmName: alarm.alarmName, dimensions, state: outcome.state });
    for (const transition of outcome.transitions) {
      if (wildcard && transition.state !== 'ALARM' && transition.previousState !== 'ALARM') continue;
      const id = eventId(alarm.alarmName, dimensions, transition.timestamp, transition.state);
      events.push({ kind: 'alarm', id, alarmName: alarm.alarmName, metricName: alarm.metricName, namespace: alarm.namespace, dimensions, ...transition });
    }
  }
  events.sort((a, b) => a.timestamp - b.timestamp || a.alarmName.localeCompare(b.alarmName));
  if (options.samples) await attachRecords(store, events, definitions, alarm, options.where, options.samples);
  return { events, states };
}

/** The alarm's series: its datapoints from one evaluation range before `from` through `to`, and saved states. */
async function loadSeries(
  store: Store,
  alarm: AlarmRule,
  definitions: readonly MetricDefinition[],
  options: EvaluateAlarmOptions,
): Promise<{ dimensions: Record<string, string>; points: Datapoint[]; state?: AlarmState }[]> {
  const lookback = options.from - (evaluationRange(alarm) - 1) * alarm.period;
  const start = quoteIdentifier('start');
  const where = `(${options.where}) AND ${start} >= ${sqlLiteral(lookback)} AND ${start} < ${sqlLiteral(options.to + alarm.period)}`;
  const rows = definitions.length ? (await store.query(alarmDatapointsSql(alarm, definitions, where))).rows : [];
  const series = new Map<string, { dimensions: Record<string, string>; points: Datapoint[]; state?: AlarmState }>();
  const entry = (dimensions: Record<string, string>) => {
    const key = seriesKey(alarm.alarmName, dimensions);
    let found = series.get(key);
    if (!found) series.set(key, (found = { dimensions, points: [] }));
    return found;
  };
  const fixed = Object.fromEntries(alarm.dimensions.filter((d) => d.value !== '*').map((d) => [d.name, d.value]));
  if (!alarm.dimensions.some((d) => d.value === '*')) entry(fixed);
  for (const saved of options.previous?.values() ?? []) if (saved.alarmName === alarm.alarmName) entry(saved.dimensions).state = saved.state;
  for (const row of rows) {
    const dimensions = { ...fixed };
    alarm.dimensions.forEach((d, i) => {
      if (d.value === '*') dimensions[d.name] = String(row[`d${i}`]);
    });
    entry(dimensions).points.push({ timestamp: Number(row.period_start), value: Number(row.value), sampleCount: Number(row.sample_count) });
  }
  return [...series.values()];
}

/** A stable id for an alarm state change, so receivers can drop repeats. */
export function eventId(...parts: unknown[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 16);
}

async function attachRecords(store: Store, events: AlarmEvent[], definitions: readonly MetricDefinition[], alarm: AlarmRule, where: string, limit: number): Promise<void> {
  for (const event of events) {
    if (event.state !== 'ALARM') continue;
    const newest = event.datapoints.filter((p) => p.breaching && !p.filled).sort((a, b) => b.timestamp - a.timestamp)[0];
    if (!newest) continue;
    const result = await store.query(datapointRecordsSql(definitions, event.dimensions, { start: newest.timestamp, end: newest.timestamp + alarm.period }, where, limit));
    event.records = result.rows.map((row) => Object.fromEntries(Object.entries(row).filter(([, value]) => value !== null)));
  }
}

/** The datapoints of one alarm series for the records `where` selects: the alarm's statistic per period, with the series' dimension values fixed. */
export async function alarmSeriesDatapoints(store: Store, alarm: AlarmRule, definitions: readonly MetricDefinition[], dimensions: Record<string, string>, where: string): Promise<[number, number][]> {
  if (alarm.dimensions.some((d) => dimensions[d.name] === undefined || dimensions[d.name] === '*')) return [];
  const fixed: AlarmRule = { ...alarm, dimensions: alarm.dimensions.map((d) => ({ name: d.name, value: dimensions[d.name] as string })) };
  const result = await store.query(alarmDatapointsSql(fixed, definitions, where));
  return result.rows.map((row) => [Number(row.period_start), Number(row.value)]);
}
