import type { AlarmDto } from '../../src/server/protocol.js';

/** Periods drawn one by one (missing ones as gaps) up to this many; beyond, only the datapoints. */
const MAX_DENSE_PERIODS = 5000;

/** The time spans an alarm spent in ALARM within the range, from its transitions (epoch seconds, end exclusive). */
export function alarmSpans(alarm: Pick<AlarmDto, 'state' | 'transitions'>, range: { start: number; end: number }): [number, number][] {
  const spans: [number, number][] = [];
  let state = alarm.transitions[0]?.from ?? alarm.state;
  let since = range.start;
  for (const t of alarm.transitions) {
    if (state === 'ALARM') spans.push([since, t.time]);
    state = t.to;
    since = t.time;
  }
  if (state === 'ALARM') spans.push([since, range.end]);
  return spans;
}

/** The x and y arrays of an alarm's chart: every period of the range when there are few enough (gaps as null), else the datapoints. */
export function chartData(alarm: Pick<AlarmDto, 'datapoints' | 'period'>, range: { start: number; end: number }): [number[], (number | null)[]] {
  const period = alarm.period;
  if (period === null || period <= 0 || (range.end - range.start) / period > MAX_DENSE_PERIODS) {
    return [alarm.datapoints.map((p) => p[0]), alarm.datapoints.map((p) => p[1])];
  }
  const values = new Map(alarm.datapoints);
  const xs: number[] = [];
  const ys: (number | null)[] = [];
  for (let t = Math.floor(range.start / period) * period; t < range.end; t += period) {
    xs.push(t);
    ys.push(values.get(t) ?? null);
  }
  return [xs, ys];
}
