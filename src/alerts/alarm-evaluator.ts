import type {
  AlarmSpec,
  AlarmState,
  ComparisonOperator,
  Datapoint,
  EvaluatedDatapoint,
  StateTransition,
  WindowOutcome,
} from './types.js';
import { isoTime } from './units.js';

/**
 * How many periods an evaluation fetches: CloudWatch "attempts to retrieve a higher number of data points
 * than specified by Evaluation Periods" (the *evaluation range*). AWS publishes no formula, only examples
 * with a range of 5 for 3 evaluation periods (AlarmThatSendsEmail, "How alarm state is evaluated when data
 * is missing"), so flowlens uses N + 2 for every N.
 */
export function evaluationRange(spec: Pick<AlarmSpec, 'evaluationPeriods'>): number {
  return spec.evaluationPeriods + 2;
}

/** True when a statistic's value breaches the threshold under the comparison operator. */
export function isBreaching(value: number, operator: ComparisonOperator, threshold: number): boolean {
  switch (operator) {
    case 'GreaterThanOrEqualToThreshold':
      return value >= threshold;
    case 'GreaterThanThreshold':
      return value > threshold;
    case 'LessThanThreshold':
      return value < threshold;
    case 'LessThanOrEqualToThreshold':
      return value <= threshold;
  }
}

/**
 * Evaluates one evaluation range, oldest period first (`undefined` = no datapoint), as CloudWatch does
 * (AlarmThatSendsEmail, "How alarm state is evaluated when data is missing" and "Avoiding premature
 * transitions to alarm state"):
 * 1. no missing point among the N newest periods → those N;
 * 2. else at least N real points in the range → the N most recent real points, TreatMissingData unused;
 * 3. else every real point plus as few filled points as needed: `breaching`/`notBreaching` fill with
 *    breaching/good points; `missing` and `ignore` fill nothing and decide as below.
 * ALARM when at least M evaluated points breach, otherwise OK — except, under `missing`/`ignore` with
 * fewer than N real points: no real point → INSUFFICIENT_DATA (`missing`) or keep (`ignore`); every real
 * point breaching and the oldest at least M periods old → ALARM (`missing`) or keep (`ignore`, per the
 * doc tables); a real good point → OK; only too-recent breaching points → INSUFFICIENT_DATA (`missing`,
 * the 2019 revision's `- - - - X` row) or keep (`ignore`).
 */
export function evaluateWindow(
  window: readonly (Datapoint | undefined)[],
  spec: AlarmSpec,
  current: AlarmState,
  newestTimestamp?: number,
): WindowOutcome {
  const n = spec.evaluationPeriods;
  const newest = window.length - 1;
  const real = window.flatMap((point, index) => (point ? [{ point, age: newest - index }] : []));
  const used = real.length >= n ? real.slice(real.length - n) : real;
  if (lowSampleRetain(used.map((r) => r.point), spec)) {
    return keep(current, () => 'Too few samples for the percentile; state kept (EvaluateLowSampleCountPercentile=ignore).', used.map((r) => judge(r.point, spec)));
  }
  const judged = used.map(({ point }) => judge(point, spec));
  // Rules 1 and 2 both come down to "the N most recent real points" once N of them exist in the range.
  if (real.length >= n) return decide(judged, spec, current);
  const missingTimes = missingPeriodTimes(window, spec.period, n - real.length, newestTimestamp);
  switch (spec.treatMissingData) {
    case 'breaching':
    case 'notBreaching': {
      const breaching = spec.treatMissingData === 'breaching';
      const filled = missingTimes.map((timestamp) => ({ timestamp, value: null, breaching, filled: true }));
      return decide([...judged, ...filled].sort((a, b) => a.timestamp - b.timestamp), spec, current);
    }
    default:
      return decideSparse(real.length === 0 ? 0 : (real[0]?.age ?? 0), judged, window.length, spec, current);
  }
}

/**
 * Evaluates an alarm over a datapoint series once per period, from the period starting at `from` to the
 * one starting at `to` (both epoch seconds, aligned to the period), and returns every state change.
 * Evaluations whose range holds no datapoint all give the same result, so only the periods within one
 * range of a datapoint (and the first one after) are evaluated: the result equals evaluating every period.
 */
export function evaluateSeries(
  points: readonly Datapoint[],
  spec: AlarmSpec,
  options: { from: number; to: number; initialState?: AlarmState },
): { transitions: StateTransition[]; state: AlarmState } {
  const period = spec.period;
  const range = evaluationRange(spec);
  const byIndex = new Map<number, Datapoint>();
  for (const point of points) byIndex.set(Math.floor(point.timestamp / period), point);
  const first = Math.floor(options.from / period);
  const last = Math.floor(options.to / period);
  const due = new Set<number>([first]);
  for (const index of byIndex.keys()) {
    for (let k = index; k <= index + range; k++) if (k >= first && k <= last) due.add(k);
  }
  let state: AlarmState = options.initialState ?? 'INSUFFICIENT_DATA';
  const transitions: StateTransition[] = [];
  for (const k of [...due].sort((a, b) => a - b)) {
    if (k > last) break;
    const window: (Datapoint | undefined)[] = [];
    for (let i = k - range + 1; i <= k; i++) window.push(byIndex.get(i));
    const outcome = evaluateWindow(window, spec, state, k * period);
    if (outcome.state !== state) {
      transitions.push({ timestamp: k * period, previousState: state, state: outcome.state, reason: outcome.reason, datapoints: outcome.datapoints });
      state = outcome.state;
    }
  }
  return { transitions, state };
}

/** Renders a comparison operator as CloudWatch's state reasons do ("greater than or equal to"). */
export function describeOperator(operator: ComparisonOperator): string {
  switch (operator) {
    case 'GreaterThanOrEqualToThreshold':
      return 'greater than or equal to';
    case 'GreaterThanThreshold':
      return 'greater than';
    case 'LessThanThreshold':
      return 'less than';
    case 'LessThanOrEqualToThreshold':
      return 'less than or equal to';
  }
}

function judge(point: Datapoint, spec: AlarmSpec): EvaluatedDatapoint {
  return { timestamp: point.timestamp, value: point.value, breaching: isBreaching(point.value, spec.comparisonOperator, spec.threshold), filled: false };
}

function decide(points: EvaluatedDatapoint[], spec: AlarmSpec, current: AlarmState): WindowOutcome {
  const breaching = points.filter((p) => p.breaching).length;
  const state: AlarmState = breaching >= spec.datapointsToAlarm ? 'ALARM' : 'OK';
  return outcome(state, false, points, () => thresholdReason(points, breaching, spec, current, state));
}

function decideSparse(oldestAge: number, judged: EvaluatedDatapoint[], range: number, spec: AlarmSpec, current: AlarmState): WindowOutcome {
  const missing = spec.treatMissingData === 'missing';
  if (judged.length === 0) {
    return missing
      ? outcome('INSUFFICIENT_DATA', false, [], () => `Insufficient Data: ${range} datapoints were unknown.`)
      : keep(current, () => `No datapoints in the last ${range} periods; state kept (TreatMissingData=ignore).`, []);
  }
  const breaching = judged.filter((p) => p.breaching).length;
  if (breaching >= spec.datapointsToAlarm) return decide(judged, spec, current);
  const allBreaching = breaching === judged.length;
  if (allBreaching && oldestAge + 1 >= spec.datapointsToAlarm) {
    const reason = (): string => `Threshold Crossed: the oldest breaching datapoint is ${oldestAge + 1} periods old and every newer datapoint is breaching or missing ${list(judged)} (premature-alarm rule).`;
    return missing ? outcome('ALARM', false, judged, reason) : keep(current, () => `${reason()} State kept (TreatMissingData=ignore).`, judged);
  }
  if (!allBreaching) return decide(judged, spec, current);
  const reason = (): string =>
    `Insufficient Data: only ${judged.length} recent datapoint${judged.length === 1 ? '' : 's'} ${list(judged)}, all breaching, fewer than the ${spec.datapointsToAlarm} needed for ALARM.`;
  return missing ? outcome('INSUFFICIENT_DATA', false, judged, reason) : keep(current, () => `${reason()} State kept (TreatMissingData=ignore).`, judged);
}

function keep(current: AlarmState, reason: () => string, datapoints: EvaluatedDatapoint[]): WindowOutcome {
  return outcome(current, true, datapoints, reason);
}

// The reason text is only needed for transitions, so it is built on first read.
function outcome(state: AlarmState, retained: boolean, datapoints: EvaluatedDatapoint[], explain: () => string): WindowOutcome {
  let text: string | undefined;
  return {
    state,
    retained,
    datapoints,
    get reason(): string {
      return (text ??= explain());
    },
  };
}

// The percentile low-sample rule applies below 10/(1-p) samples for p >= 0.5, or 10/p below 0.5
// (AlarmThatSendsEmail, "Percentile-based CloudWatch alarms and low data samples").
function lowSampleRetain(points: readonly Datapoint[], spec: AlarmSpec): boolean {
  if (spec.percentile === undefined || spec.evaluateLowSampleCountPercentile !== 'ignore') return false;
  const p = spec.percentile / 100;
  const needed = p >= 0.5 ? 10 / (1 - p) : 10 / p;
  return points.some((point) => point.sampleCount < needed);
}

function missingPeriodTimes(window: readonly (Datapoint | undefined)[], period: number, count: number, newestTimestamp: number | undefined): number[] {
  // Filled points stand for the newest missing periods; their times only label the reason.
  const anchorIndex = window.findLastIndex((p) => p !== undefined);
  const base =
    newestTimestamp !== undefined ? newestTimestamp - (window.length - 1) * period : anchorIndex >= 0 ? (window[anchorIndex]?.timestamp ?? 0) - anchorIndex * period : 0;
  const times: number[] = [];
  for (let i = window.length - 1; i >= 0 && times.length < count; i--) if (window[i] === undefined) times.push(base + i * period);
  return times;
}

function thresholdReason(points: EvaluatedDatapoint[], breaching: number, spec: AlarmSpec, current: AlarmState, state: AlarmState): string {
  const verb = breaching === 1 ? 'was' : 'were';
  const filled = points.filter((p) => p.filled).length;
  const filledText = filled > 0 ? ` (${filled} missing datapoint${filled === 1 ? '' : 's'} treated as ${spec.treatMissingData})` : '';
  const needed = `minimum ${spec.datapointsToAlarm} datapoint${spec.datapointsToAlarm === 1 ? '' : 's'} for ${state === 'ALARM' ? `${current} -> ALARM` : 'ALARM'} transition`;
  return `Threshold Crossed: ${breaching} out of the last ${points.length} datapoints ${list(points)} ${verb} ${describeOperator(spec.comparisonOperator)} the threshold (${spec.threshold})${filledText} (${needed}).`;
}

function list(points: readonly EvaluatedDatapoint[]): string {
  const items = [...points]
    .sort((a, b) => b.timestamp - a.timestamp)
    .map((p) => `${p.value === null ? 'missing' : formatNumber(p.value)} (${isoTime(p.timestamp)})`);
  return `[${items.join(', ')}]`;
}

function formatNumber(value: number): string {
  return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(10)));
}
