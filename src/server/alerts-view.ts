import {
  alarmMetricDefinitions,
  alarmSeriesDatapoints,
  readWatchHistory,
  ruleKey,
  runAlerts,
  seriesKey,
} from '../alerts/index.js';
import type { AlarmEvent, AlarmRule, AlarmSeriesState, FindingEvent, MetricDefinition, Rules, SavedWatchState } from '../alerts/index.js';
import { readStartRange } from '../query/flow-stats.js';
import { selectionToSql } from '../query/selection.js';
import type { Store } from '../store/index.js';
import type { AlarmDto, AlertsResponse, FindingDto } from './protocol.js';

/** The alerts of one source for one window, before pseudonymization (an AlertsResponse without `sources`/`pseudonymized`). */
export type AlertsView = Omit<AlertsResponse, 'sources' | 'pseudonymized'>;

/** A time window in epoch seconds on the flows' `start` (either end open). */
export interface AlertsWindow {
  start?: number | undefined;
  end?: number | undefined;
}

/** The most series of one `*` alarm the page lists (those in ALARM first, then the busiest). */
export const MAX_SERIES_PER_ALARM = 25;

/**
 * Evaluates a rules file over the store for the window, exactly as `alerts run --start --end` does (same engine),
 * and shapes it for the page: each alarm series' last state, its transitions and datapoints, and the findings.
 */
export async function alertsFromRules(store: Store, rules: Rules, window: AlertsWindow): Promise<AlertsView> {
  const where = await selectionToSql({ start: window.start, end: window.end });
  const report = await runAlerts(store, rules, { where, start: window.start, end: window.end, samples: 0 });
  const range = report.range ?? null;
  const alarms: AlarmDto[] = [];
  for (const alarm of rules.alarms) {
    const events = report.alarms.filter((e) => e.alarmName === alarm.alarmName);
    const states = report.states.filter((s) => s.alarmName === alarm.alarmName);
    // The evaluation starts every alarm at the window's start, so a state without a transition holds since then.
    alarms.push(...(await alarmRows(store, alarm, rules.metrics, { states, history: events, where, sinceDefault: range?.start ?? null })));
  }
  return { source: 'rules', range, rulesFile: rules.file, alarms, findings: report.findings.map(toFindingDto), suppressed: report.suppressed.map(toFindingDto), alarming: countAlarming(alarms) };
}

/**
 * Reads what `flowlens watch` saved in the store: the current state of each alarm series (its progress), the
 * transitions and findings of the window (its history), and the metric datapoints of the window computed from
 * the stored flows with the rules watch evaluated (saved with its state, else `fallback`, matched by definition).
 */
export async function alertsFromWatch(store: Store, saved: SavedWatchState, window: AlertsWindow, fallback?: Rules): Promise<AlertsView> {
  const { first, last } = await readStartRange(store);
  const range = first === null || last === null ? null : { start: window.start ?? first, end: window.end ?? last + 1 };
  const history = await readWatchHistory(store);
  const inWindow = (t: number): boolean => (window.start === undefined || t >= window.start) && (window.end === undefined || t < window.end);
  const where = await selectionToSql({ start: window.start, end: window.end });
  const definitions = saved.rules ?? fallback;
  const alarmRules = definitions?.alarms.filter((a) => saved.progress.alarms[ruleKey(a)] !== undefined) ?? [];
  const alarms: AlarmDto[] = [];
  for (const alarm of alarmRules) {
    const states = saved.progress.alarms[ruleKey(alarm)]?.states ?? [];
    const events = history.filter((e): e is AlarmEvent => e.kind === 'alarm' && e.alarmName === alarm.alarmName);
    alarms.push(...(await alarmRows(store, alarm, definitions?.metrics ?? [], { states, history: events, where, inWindow, sinceDefault: null })));
  }
  // Progress of alarms whose definition is not known (an old watch state): their states, without a metric to chart.
  const known = new Set(alarmRules.map(ruleKey));
  for (const [key, progress] of Object.entries(saved.progress.alarms)) {
    if (known.has(key) || definitions) continue;
    for (const state of progress.states) {
      const events = history.filter((e): e is AlarmEvent => e.kind === 'alarm' && seriesKey(e.alarmName, e.dimensions) === seriesKey(state.alarmName, state.dimensions));
      alarms.push(seriesRow(undefined, state, events, events.filter((e) => inWindow(e.timestamp)), [], null));
    }
  }
  const findings = history.filter((e): e is FindingEvent => e.kind === 'finding' && inWindow(e.windowStart)).map(toFindingDto);
  const view: AlertsView = { source: 'watch', range, updatedAt: saved.updatedAt, alarms, findings, alarming: countAlarming(alarms) };
  if (definitions?.file) view.rulesFile = definitions.file;
  return view;
}

/** The page's rows of one alarm: one per series worth showing, or one summary row for a quiet `*` alarm. */
async function alarmRows(
  store: Store,
  alarm: AlarmRule,
  metrics: readonly MetricDefinition[],
  input: { states: readonly AlarmSeriesState[]; history: readonly AlarmEvent[]; where: string; sinceDefault: number | null; inWindow?: (t: number) => boolean },
): Promise<AlarmDto[]> {
  const inWindow = input.inWindow ?? (() => true);
  const wildcard = alarm.dimensions.some((d) => d.value === '*');
  const series = new Map<string, AlarmSeriesState>();
  for (const state of input.states) series.set(seriesKey(state.alarmName, state.dimensions), state);
  const eventsOf = (state: AlarmSeriesState) => input.history.filter((e) => seriesKey(e.alarmName, e.dimensions) === seriesKey(state.alarmName, state.dimensions));
  if (!wildcard && series.size === 0) {
    // No evaluation reached this alarm (no records in the window): it is where a new CloudWatch alarm starts.
    const dimensions = Object.fromEntries(alarm.dimensions.map((d) => [d.name, d.value]));
    series.set(seriesKey(alarm.alarmName, dimensions), { alarmName: alarm.alarmName, dimensions, state: 'INSUFFICIENT_DATA' });
  }
  let shown = [...series.values()];
  if (wildcard) {
    // Series of a `*` alarm that moved in the window but are no longer tracked (quiet again) still have a history to show.
    for (const event of input.history) {
      const key = seriesKey(event.alarmName, event.dimensions);
      if (!series.has(key) && inWindow(event.timestamp)) series.set(key, { alarmName: event.alarmName, dimensions: event.dimensions, state: lastState(input.history, key) ?? 'OK' });
    }
    const moved = (s: AlarmSeriesState) => eventsOf(s).filter((e) => inWindow(e.timestamp)).length;
    shown = [...series.values()]
      .filter((s) => s.state === 'ALARM' || moved(s) > 0)
      .sort((a, b) => Number(b.state === 'ALARM') - Number(a.state === 'ALARM') || moved(b) - moved(a))
      .slice(0, MAX_SERIES_PER_ALARM);
  }
  const definitions = alarmMetricDefinitions(alarm, metrics);
  const rows: AlarmDto[] = [];
  for (const state of shown) {
    const events = eventsOf(state);
    const points = definitions.length ? await alarmSeriesDatapoints(store, alarm, definitions, state.dimensions, input.where) : [];
    rows.push(seriesRow(alarm, state, events, events.filter((e) => inWindow(e.timestamp)), points, input.sinceDefault));
  }
  if (wildcard && shown.length === 0) {
    const pattern = Object.fromEntries(alarm.dimensions.map((d) => [d.name, d.value]));
    const tracked = series.size;
    const row = seriesRow(alarm, { alarmName: alarm.alarmName, dimensions: pattern, state: tracked > 0 ? 'OK' : 'INSUFFICIENT_DATA' }, [], [], [], input.sinceDefault);
    row.reason = tracked > 0 ? `No series in ALARM (${tracked} with recent data).` : 'No series with recent data.';
    rows.push(row);
  }
  return rows;
}

function seriesRow(
  alarm: AlarmRule | undefined,
  state: AlarmSeriesState,
  allEvents: readonly AlarmEvent[],
  windowEvents: readonly AlarmEvent[],
  datapoints: [number, number][],
  sinceDefault: number | null,
): AlarmDto {
  const last = [...allEvents].reverse().find((e) => e.state === state.state);
  return {
    alarmName: state.alarmName,
    dimensions: state.dimensions,
    metricName: alarm?.metricName ?? allEvents[0]?.metricName ?? '',
    namespace: alarm?.namespace ?? allEvents[0]?.namespace ?? '',
    statistic: alarm?.statistic ?? null,
    state: state.state,
    since: last ? last.timestamp : allEvents.length === 0 ? sinceDefault : null,
    reason: last?.reason ?? null,
    threshold: alarm?.threshold ?? null,
    comparisonOperator: alarm?.comparisonOperator ?? null,
    period: alarm?.period ?? null,
    evaluationPeriods: alarm?.evaluationPeriods ?? null,
    datapointsToAlarm: alarm?.datapointsToAlarm ?? null,
    datapoints,
    transitions: windowEvents.map((e) => ({ time: e.timestamp, from: e.previousState, to: e.state, reason: e.reason, datapoints: e.datapoints })),
  };
}

function lastState(history: readonly AlarmEvent[], key: string): AlarmSeriesState['state'] | undefined {
  return [...history].reverse().find((e) => seriesKey(e.alarmName, e.dimensions) === key)?.state;
}

function countAlarming(alarms: readonly AlarmDto[]): number {
  return alarms.filter((a) => a.state === 'ALARM').length;
}

// The page's finding: what the engine reports, with the baseline and peers behind it (not the evidence query).
function toFindingDto(finding: FindingEvent): FindingDto {
  const { id, detection, type, severity, severityLabel, windowStart, firstSeen, lastSeen, actor, target, resource, direction, counts, description, learning, baseline, peers, suppressedBy } = finding;
  const dto: FindingDto = { id, detection, type, severity, severityLabel, windowStart, firstSeen, lastSeen, actor, target, resource, direction, counts, description };
  if (learning !== undefined) dto.learning = learning;
  if (baseline) dto.baseline = baseline;
  if (peers) dto.peers = peers;
  if (suppressedBy) dto.suppressedBy = suppressedBy;
  return dto;
}
