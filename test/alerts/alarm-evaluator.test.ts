import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluateSeries, evaluateWindow } from '../../src/alerts/index.js';
import type { AlarmSpec, AlarmState, ComparisonOperator, Datapoint, TreatMissingData } from '../../src/alerts/index.js';
import { referenceTransitions } from './reference-alarm.js';

interface AlarmCase {
  id: string;
  datapointsToAlarm: number;
  evaluationPeriods: number;
  datapoints_oldest_to_newest?: string[];
  expected?: Partial<Record<TreatMissingData, string>>;
}

const cases = (JSON.parse(readFileSync(new URL('../fixtures/alerts/alarm-cases.json', import.meta.url), 'utf8')) as { cases: AlarmCase[] }).cases;
const PERIOD = 300;
const T0 = 1_700_000_100 - (1_700_000_100 % PERIOD);

function spec(c: { datapointsToAlarm: number; evaluationPeriods: number }, treatMissingData: TreatMissingData): AlarmSpec {
  return { period: PERIOD, evaluationPeriods: c.evaluationPeriods, datapointsToAlarm: c.datapointsToAlarm, threshold: 1, comparisonOperator: 'GreaterThanOrEqualToThreshold', treatMissingData };
}

/** The doc notation: '0' good, 'X' breaching, '-' missing, oldest first. */
function window(symbols: readonly string[]): (Datapoint | undefined)[] {
  return symbols.map((s, i) => (s === '-' ? undefined : { timestamp: T0 + i * PERIOD, value: s === 'X' ? 5 : 0, sampleCount: 1 }));
}

const rows = cases.flatMap((c) =>
  c.datapoints_oldest_to_newest && c.expected
    ? Object.entries(c.expected).map(([treat, expected]) => ({ id: c.id, c, treat: treat as TreatMissingData, expected: expected as string, points: c.datapoints_oldest_to_newest as string[] }))
    : [],
);

describe('evaluateWindow', () => {
  it('covers every AWS doc row in alarm-cases.json', () => {
    expect(rows.length).toBe(42);
  });

  it.each(rows)('$id $points with treatMissingData=$treat gives $expected', ({ c, treat, expected, points }) => {
    for (const current of ['OK', 'ALARM', 'INSUFFICIENT_DATA'] as AlarmState[]) {
      const outcome = evaluateWindow(window(points), spec(c, treat), current);
      if (expected === 'RETAIN') {
        expect(outcome.state).toBe(current);
        expect(outcome.retained).toBe(true);
      } else if (expected === 'NOT_ALARM') {
        expect(outcome.state).not.toBe('ALARM');
      } else {
        expect(outcome.state).toBe(expected);
      }
    }
  });

  // The 2019 revision of AlarmThatSendsEmail.md (awsdocs@05fd32f) has rows the current page dropped.
  it.each([
    { points: 'X - - - -', treat: 'missing', expected: 'ALARM' },
    { points: 'X - - - -', treat: 'breaching', expected: 'ALARM' },
    { points: 'X - - - -', treat: 'notBreaching', expected: 'OK' },
    { points: '- - - - X', treat: 'missing', expected: 'INSUFFICIENT_DATA' },
  ] as const)('2019 doc row $points with $treat gives $expected (3 of 3)', ({ points, treat, expected }) => {
    expect(evaluateWindow(window(points.split(' ')), spec({ datapointsToAlarm: 3, evaluationPeriods: 3 }, treat), 'OK').state).toBe(expected);
  });

  it('reports the datapoints it used, filled ones marked', () => {
    const outcome = evaluateWindow(window('0 - X - -'.split(' ')), spec({ datapointsToAlarm: 2, evaluationPeriods: 3 }, 'breaching'), 'OK', T0 + 4 * PERIOD);
    expect(outcome.state).toBe('ALARM');
    expect(outcome.datapoints.map((p) => [p.timestamp - T0, p.filled, p.breaching])).toEqual([
      [0, false, false],
      [2 * PERIOD, false, true],
      [4 * PERIOD, true, true],
    ]);
    expect(outcome.reason).toMatch(/^Threshold Crossed: 2 out of the last 3 datapoints/);
  });

  it.each([
    ['GreaterThanOrEqualToThreshold', 3, true],
    ['GreaterThanThreshold', 3, false],
    ['LessThanThreshold', 2, true],
    ['LessThanOrEqualToThreshold', 3, true],
    ['LessThanThreshold', 3, false],
  ] as const)('%s against 3 with value %d breaches: %s', (operator, value, breaches) => {
    const s: AlarmSpec = { ...spec({ datapointsToAlarm: 1, evaluationPeriods: 1 }, 'missing'), threshold: 3, comparisonOperator: operator };
    expect(evaluateWindow([undefined, undefined, { timestamp: T0, value, sampleCount: 1 }], s, 'OK').state).toBe(breaches ? 'ALARM' : 'OK');
  });

  it('keeps the state of a percentile alarm with too few samples when told to ignore them', () => {
    const s: AlarmSpec = { ...spec({ datapointsToAlarm: 1, evaluationPeriods: 1 }, 'missing'), percentile: 99, evaluateLowSampleCountPercentile: 'ignore' };
    const few = [undefined, undefined, { timestamp: T0, value: 9, sampleCount: 999 }];
    const enough = [undefined, undefined, { timestamp: T0, value: 9, sampleCount: 1000 }];
    expect(evaluateWindow(few, s, 'OK')).toMatchObject({ state: 'OK', retained: true });
    expect(evaluateWindow(enough, s, 'OK').state).toBe('ALARM');
  });
});

describe('evaluateSeries', () => {
  it('follows the AWS figure: ALARM when 3 of 3 breach, OK at the next good point, OK after a lone breach', () => {
    const values = [1, 2, 4, 5, 4, 2, 1, 2, 4, 1];
    const points = values.map((value, i) => ({ timestamp: T0 + i * PERIOD, value, sampleCount: 1 }));
    const s: AlarmSpec = { ...spec({ datapointsToAlarm: 3, evaluationPeriods: 3 }, 'missing'), threshold: 3, comparisonOperator: 'GreaterThanThreshold' };
    const { transitions } = evaluateSeries(points, s, { from: T0, to: T0 + 9 * PERIOD });
    expect(transitions.map((t) => [(t.timestamp - T0) / PERIOD + 1, t.previousState, t.state])).toEqual([
      [1, 'INSUFFICIENT_DATA', 'OK'],
      [5, 'OK', 'ALARM'],
      [6, 'ALARM', 'OK'],
    ]);
  });

  it('goes to INSUFFICIENT_DATA once the range holds no datapoint, and to ALARM again on new data', () => {
    const s: AlarmSpec = { ...spec({ datapointsToAlarm: 1, evaluationPeriods: 1 }, 'missing'), period: 60 };
    const points = [{ timestamp: 600, value: 1, sampleCount: 1 }, { timestamp: 1200, value: 2, sampleCount: 2 }];
    const { transitions, state } = evaluateSeries(points, s, { from: 600, to: 1500 });
    expect(transitions.map((t) => [t.timestamp, t.state])).toEqual([
      [600, 'ALARM'],
      [780, 'INSUFFICIENT_DATA'],
      [1200, 'ALARM'],
      [1380, 'INSUFFICIENT_DATA'],
    ]);
    expect(state).toBe('INSUFFICIENT_DATA');
  });

  it('goes to ALARM at the first period when missing data is breaching', () => {
    const s: AlarmSpec = { ...spec({ datapointsToAlarm: 1, evaluationPeriods: 1 }, 'breaching'), period: 60 };
    expect(evaluateSeries([], s, { from: 600, to: 6000 }).transitions.map((t) => [t.timestamp, t.state])).toEqual([[600, 'ALARM']]);
  });

  it('continues from a saved state: evaluating in two halves gives the same transitions as at once', () => {
    const s: AlarmSpec = { ...spec({ datapointsToAlarm: 2, evaluationPeriods: 3 }, 'missing'), period: 60 };
    const points = [0, 5, 5, 0, 0, 5, 0, 5].map((value, i) => ({ timestamp: 60 * (10 + i * 2), value, sampleCount: 1 }));
    const whole = evaluateSeries(points, s, { from: 600, to: 1800 });
    const first = evaluateSeries(points, s, { from: 600, to: 1140 });
    const second = evaluateSeries(points, s, { from: 1200, to: 1800, initialState: first.state });
    expect([...first.transitions, ...second.transitions]).toEqual(whole.transitions);
  });
});

describe('evaluateSeries against a reference implementation', () => {
  const operators: ComparisonOperator[] = ['GreaterThanOrEqualToThreshold', 'GreaterThanThreshold', 'LessThanThreshold', 'LessThanOrEqualToThreshold'];
  const treatments: TreatMissingData[] = ['missing', 'notBreaching', 'breaching', 'ignore'];
  const arbitrary = fc
    .record({
      n: fc.integer({ min: 1, max: 5 }),
      mFraction: fc.double({ min: 0, max: 1, noNaN: true }),
      threshold: fc.integer({ min: 0, max: 4 }),
      operator: fc.constantFrom(...operators),
      treat: fc.constantFrom(...treatments),
      values: fc.array(fc.option(fc.integer({ min: 0, max: 5 }), { nil: null, freq: 2 }), { maxLength: 40 }),
    })
    .map((r) => ({ ...r, m: Math.max(1, Math.ceil(r.mFraction * r.n)) }));

  it('gives the same transitions for any series, M of N, operator and missing-data treatment', () => {
    fc.assert(
      fc.property(arbitrary, ({ n, m, threshold, operator, treat, values }) => {
        const s: AlarmSpec = { period: 60, evaluationPeriods: n, datapointsToAlarm: m, threshold, comparisonOperator: operator, treatMissingData: treat };
        const points = values.flatMap((value, i) => (value === null ? [] : [{ timestamp: 6000 + i * 60, value, sampleCount: 1 }]));
        const actual = values.length === 0 ? [] : evaluateSeries(points, s, { from: 6000, to: 6000 + (values.length - 1) * 60 }).transitions;
        const expected = referenceTransitions(values, { evaluationPeriods: n, datapointsToAlarm: m, threshold, comparisonOperator: operator, treatMissingData: treat });
        expect(actual.map((t) => ({ index: (t.timestamp - 6000) / 60, state: t.state }))).toEqual(expected);
      }),
      { numRuns: 2000 },
    );
  });
});
