import { describe, expect, it } from 'vitest';
import { parseRules, runAnomaly, scoreSeries } from '../../src/alerts/index.js';
import type { AnomalyRule, ScoreOptions } from '../../src/alerts/index.js';
import { flowLine, storeWithLines } from './helpers.js';

const OPTIONS: ScoreOptions = { baselinePeriods: 10, minBaselinePeriods: 5, method: 'robust-z', threshold: 3.5, minValue: 1 };

function series(values: number[]): Map<number, number> {
  return new Map(values.map((v, i) => [i, v]));
}

describe('scoreSeries', () => {
  it('flags a spike against the median and MAD of the periods before it', () => {
    const scores = scoreSeries(series([10, 12, 9, 11, 10, 13, 11, 60, 12]), OPTIONS);
    expect(scores).toHaveLength(1);
    expect(scores[0]).toMatchObject({ period: 7, value: 60, center: 11, spread: 1, baselinePeriods: 7 });
    expect(scores[0]?.score).toBeCloseTo(0.6745 * 49, 5);
  });

  it('waits for enough baseline periods', () => {
    expect(scoreSeries(series([1, 1, 1, 50]), OPTIONS)).toEqual([]);
  });

  it('counts quiet periods inside a series as zero and uses mean absolute deviation when MAD is zero', () => {
    const values = new Map([[0, 5], [6, 1], [8, 40]]);
    const [score] = scoreSeries(values, OPTIONS);
    // Baseline: periods 0..7 = 5,0,0,0,0,0,1,0 → median 0, MAD 0, mean |x| = 0.75.
    expect(score).toMatchObject({ period: 8, center: 0, spread: 0, baselinePeriods: 8 });
    expect(score?.score).toBeCloseTo(40 / (1.253314 * 0.75), 5);
  });

  it('scores a flat baseline as infinitely far from any higher value', () => {
    expect(scoreSeries(series([3, 3, 3, 3, 3, 3, 4]), OPTIONS)).toMatchObject([{ period: 6, score: Infinity }]);
    expect(scoreSeries(series([3, 3, 3, 3, 3, 3, 4]), { ...OPTIONS, minValue: 5 })).toEqual([]);
  });

  it('scores against mean and standard deviation with the band method', () => {
    const [score] = scoreSeries(series([10, 14, 10, 14, 10, 14, 30]), { ...OPTIONS, method: 'band', threshold: 3 });
    expect(score).toMatchObject({ period: 6, center: 12, spread: 2, score: 9 });
  });

  it('ignores drops', () => {
    expect(scoreSeries(series([50, 52, 49, 51, 50, 48, 1]), OPTIONS)).toEqual([]);
  });
});

describe('runAnomaly', () => {
  it('finds a spike of rejected flows on one interface', async () => {
    const t0 = 1714557600;
    const lines: string[] = [];
    for (let p = 0; p < 12; p++) {
      const rejected = p === 10 ? 80 : 3 + (p % 3);
      for (let i = 0; i < rejected; i++) lines.push(flowLine({ src: `198.51.100.${i + 1}`, dst: '10.0.1.10', dstport: 22, start: t0 + p * 300 + i, eni: 'eni-0web' }));
      lines.push(flowLine({ src: '10.0.1.20', dst: '10.0.1.21', dstport: 5432, start: t0 + p * 300, eni: 'eni-0db' }));
    }
    const store = await storeWithLines(lines);
    try {
      const rules = parseRules('detections:\n  - type: Anomaly\n    name: reject-spike\n    metric: rejectedFlows\n    period: 5m');
      const events = await runAnomaly(store, rules.detections[0] as AnomalyRule, rules.metrics, { where: 'TRUE' });
      expect(events).toMatchObject([
        {
          detection: 'reject-spike',
          type: 'Anomaly:EC2/RejectedFlows',
          windowStart: t0 + 3000,
          resource: { interfaceIds: ['eni-0web'] },
          counts: { value: 80, baseline: 4, baselinePeriods: 10 },
        },
      ]);
      const newPeers = parseRules('detections:\n  - type: Anomaly\n    metric: newPeers\n    by: dstaddr\n    period: 5m\n    minBaselinePeriods: 5').detections[0] as AnomalyRule;
      expect((await runAnomaly(store, newPeers, [], { where: 'TRUE' })).map((e) => [e.windowStart - t0, e.actor.address, e.counts.value])).toEqual([[3000, '10.0.1.10', 75]]);
    } finally {
      store.close();
    }
  });
});
