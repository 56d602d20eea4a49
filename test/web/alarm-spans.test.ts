import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AlarmStateDto, AlarmTransitionDto } from '../../src/server/protocol.js';
import { alarmSpans, chartData } from '../../web/src/alarm-spans.js';

const STATES: AlarmStateDto[] = ['OK', 'ALARM', 'INSUFFICIENT_DATA'];

/** The reference: the alarm's state at second t, replaying the transitions one by one. */
function stateAt(t: number, initial: AlarmStateDto, transitions: readonly AlarmTransitionDto[]): AlarmStateDto {
  let state = initial;
  for (const transition of transitions) if (transition.time <= t) state = transition.to;
  return state;
}

/** A chain of transitions at increasing times inside [0, 100), each leaving the state the previous one entered. */
const chains = fc
  .tuple(fc.constantFrom(...STATES), fc.array(fc.tuple(fc.integer({ min: 1, max: 9 }), fc.constantFrom(...STATES)), { maxLength: 10 }))
  .map(([initial, steps]) => {
    const transitions: AlarmTransitionDto[] = [];
    let time = 0;
    let state = initial;
    for (const [gap, to] of steps) {
      time += gap;
      if (to === state) continue;
      transitions.push({ time, from: state, to, reason: '', datapoints: [] });
      state = to;
    }
    return { initial, transitions, state };
  });

describe('alarmSpans', () => {
  it('covers exactly the seconds the alarm was in ALARM (property, against replaying the transitions)', () => {
    fc.assert(
      fc.property(chains, ({ initial, transitions, state }) => {
        const spans = alarmSpans({ state, transitions }, { start: 0, end: 100 });
        for (let t = 0; t < 100; t++) {
          const covered = spans.some(([from, to]) => from <= t && t < to);
          const expected = stateAt(t, transitions.length ? initial : state, transitions) === 'ALARM';
          if (covered !== expected) return false;
        }
        return spans.every(([from, to]) => from < to);
      }),
    );
  });
});

describe('chartData', () => {
  it('lays the datapoints on every period of the range, missing periods as gaps', () => {
    const [xs, ys] = chartData({ period: 60, datapoints: [[120, 5], [300, 1]] }, { start: 90, end: 400 });
    expect(xs).toEqual([60, 120, 180, 240, 300, 360]);
    expect(ys).toEqual([null, 5, null, null, 1, null]);
  });

  it('keeps only the datapoints when the range holds too many periods', () => {
    const [xs, ys] = chartData({ period: 1, datapoints: [[10, 2], [90_000, 3]] }, { start: 0, end: 100_000 });
    expect(xs).toEqual([10, 90_000]);
    expect(ys).toEqual([2, 3]);
  });
});
