import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateAlarm, parseRules } from '../../src/alerts/index.js';
import type { Rules } from '../../src/alerts/index.js';
import type { Store } from '../../src/store/index.js';
import { flowLine, SEED_LINES, SSH_REJECT_PATTERN, storeWithLines } from './helpers.js';

function rules(alarm: Record<string, unknown>, transformation: Record<string, unknown> = {}, pattern = SSH_REJECT_PATTERN): Rules {
  return parseRules(
    JSON.stringify({
      metricFilters: [
        {
          filterName: 'dest-port-22-rejects',
          filterPattern: pattern,
          metricTransformations: [{ metricName: 'SSH Rejects', metricNamespace: 'VPC Flow Logs', metricValue: '1', ...transformation }],
        },
      ],
      alarms: [
        {
          alarmName: 'SSH-rejects',
          metricName: 'SSH Rejects',
          namespace: 'VPC Flow Logs',
          statistic: 'Sum',
          period: 60,
          evaluationPeriods: 1,
          threshold: 1,
          comparisonOperator: 'GreaterThanOrEqualToThreshold',
          ...alarm,
        },
      ],
    }),
  );
}

async function run(store: Store, r: Rules, from: number, to: number, samples = 0) {
  const alarm = r.alarms[0];
  if (!alarm) throw new Error('no alarm');
  return evaluateAlarm(store, alarm, r.metrics, { where: 'TRUE', from, to, samples });
}

describe('evaluateAlarm on the seed example', () => {
  let store: Store;
  beforeAll(async () => {
    store = await storeWithLines(SEED_LINES);
  });
  afterAll(() => store.close());

  it('goes to ALARM in the minute of each SSH reject and to INSUFFICIENT_DATA when the data stops', async () => {
    const { events } = await run(store, rules({}), 1563108188, 1563191069, 5);
    expect(events.map((e) => [new Date(e.timestamp * 1000).toISOString(), e.previousState, e.state])).toEqual([
      ['2019-07-14T12:43:00.000Z', 'INSUFFICIENT_DATA', 'ALARM'],
      ['2019-07-14T12:46:00.000Z', 'ALARM', 'INSUFFICIENT_DATA'],
      ['2019-07-14T12:57:00.000Z', 'INSUFFICIENT_DATA', 'ALARM'],
      ['2019-07-14T13:00:00.000Z', 'ALARM', 'INSUFFICIENT_DATA'],
    ]);
    const first = events[0];
    expect(first?.datapoints).toEqual([{ timestamp: 1563108180, value: 1, breaching: true, filled: false }]);
    expect(first?.reason).toContain('1 out of the last 1 datapoints [1 (2019-07-14T12:43:00Z)] was greater than or equal to the threshold (1)');
    // The records behind it: the port-22 reject, not the port-80 one of the same minute.
    expect(first?.records).toEqual([expect.objectContaining({ srcaddr: '61.177.172.128', dstport: 22, action: 'REJECT' })]);
    expect(events[1]?.records).toBeUndefined();
  });

  it('stays OK between rejects when missing data is notBreaching', async () => {
    const { events } = await run(store, rules({ treatMissingData: 'notBreaching' }), 1563108188, 1563191069);
    expect(events.map((e) => [e.timestamp, e.state])).toEqual([
      [1563108180, 'ALARM'],
      [1563108360, 'OK'],
      [1563109020, 'ALARM'],
      [1563109200, 'OK'],
    ]);
  });

  it('counts every record in SampleCount when the filter has a defaultValue', async () => {
    const r = rules({ statistic: 'SampleCount', period: 3600, threshold: 2, comparisonOperator: 'GreaterThanOrEqualToThreshold' }, { defaultValue: 0 });
    const { events } = await run(store, r, 1563105600, 1563105600);
    // 12:00–13:00 holds three records: two matching (value 1) and the port-80 reject (default 0).
    expect(events).toMatchObject([{ state: 'ALARM', datapoints: [{ value: 3 }] }]);
    const sum = await run(store, rules({ period: 3600, threshold: 3 }, { defaultValue: 0 }), 1563105600, 1563105600);
    expect(sum.events).toMatchObject([{ state: 'OK', datapoints: [{ value: 2 }] }]);
  });
});

describe('evaluateAlarm metric values and dimensions', () => {
  let store: Store;
  const base = 1_700_000_040;
  beforeAll(async () => {
    store = await storeWithLines([
      flowLine({ src: '203.0.113.5', dst: '10.0.0.5', dstport: 22, bytes: 100, start: base }),
      flowLine({ src: '203.0.113.5', dst: '10.0.0.5', dstport: 22, bytes: 300, start: base + 10 }),
      flowLine({ src: '198.51.100.7', dst: '10.0.0.5', dstport: 22, bytes: 1000, start: base + 20 }),
      flowLine({ src: '10.0.0.5', dst: '198.51.100.7', srcport: 22, dstport: 40000, bytes: 5000, start: base + 20, action: 'ACCEPT' }),
      '2 123456789012 eni-0a1b2c3d4e5f60718 - - - - - - - 1700000100 1700000160 - NODATA',
    ]);
  });
  afterAll(() => store.close());

  it.each([
    ['Sum', 6400],
    ['SampleCount', 4],
    ['Average', 1600],
    ['Minimum', 100],
    ['Maximum', 5000],
    ['p50', 650],
  ])('computes %s of $bytes per period', async (statistic, expected) => {
    const r = rules({ statistic, threshold: 0, comparisonOperator: 'GreaterThanThreshold' }, { metricValue: '$bytes' }, '');
    const { events } = await run(store, r, base, base);
    expect(events[0]?.datapoints[0]?.value).toBe(expected);
  });

  it('reads $bytes through the name the pattern gives its tenth field', async () => {
    const r = rules({ threshold: 0, comparisonOperator: 'GreaterThanThreshold' }, { metricValue: '$size' }, '[v, a, e, s, d, sp, dp, p, n, size, st, en, act, ls]');
    expect((await run(store, r, base, base)).events[0]?.datapoints[0]?.value).toBe(6400);
  });

  it("evaluates one series per srcaddr with dimension value '*'", async () => {
    const r = rules(
      { dimensions: [{ name: 'srcaddr', value: '*' }], threshold: 300, comparisonOperator: 'GreaterThanOrEqualToThreshold' },
      { metricValue: '$bytes', dimensions: { srcaddr: '$srcaddr' } },
      '',
    );
    const { events, states } = await run(store, r, base, base);
    expect(events.map((e) => [e.dimensions.srcaddr, e.state, e.datapoints[0]?.value])).toEqual([
      ['10.0.0.5', 'ALARM', 5000],
      ['198.51.100.7', 'ALARM', 1000],
      ['203.0.113.5', 'ALARM', 400],
    ]);
    expect(states).toHaveLength(3);
  });

  it('filters on a fixed dimension value', async () => {
    const r = rules(
      { dimensions: [{ name: 'srcaddr', value: '203.0.113.5' }], threshold: 300 },
      { metricValue: '$bytes', dimensions: { srcaddr: '$srcaddr' } },
      '',
    );
    const { events } = await run(store, r, base, base);
    expect(events).toMatchObject([{ dimensions: { srcaddr: '203.0.113.5' }, state: 'ALARM', datapoints: [{ value: 400 }] }]);
  });
});
