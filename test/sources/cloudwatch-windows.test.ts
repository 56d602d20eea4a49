import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/records/index.js';
import {
  extendCoverage,
  parseCloudWatchUri,
  parseCoverage,
  planWindows,
  splitByDay,
} from '../../src/sources/cloudwatch/index.js';
import type { Coverage, TimeWindow } from '../../src/sources/cloudwatch/index.js';

const DAY = 86_400_000;
const OVERLAP = 1_800_000;
const D = Date.UTC(2024, 0, 2);

describe('splitByDay', () => {
  it('cuts at UTC midnights', () => {
    expect(splitByDay({ from: D + 3_600_000, to: D + 2 * DAY + 60_000 })).toEqual([
      { from: D + 3_600_000, to: D + DAY },
      { from: D + DAY, to: D + 2 * DAY },
      { from: D + 2 * DAY, to: D + 2 * DAY + 60_000 },
    ]);
  });

  it('keeps an open start as one window', () => {
    expect(splitByDay({ from: undefined, to: D })).toEqual([{ from: undefined, to: D }]);
  });
});

describe('planWindows', () => {
  it('fetches the whole request without coverage', () => {
    expect(planWindows({ from: D, to: D + 1000 }, undefined, OVERLAP)).toEqual([{ from: D, to: D + 1000 }]);
  });

  it('resumes from the end of the coverage minus the overlap', () => {
    expect(planWindows({ from: D, to: D + 7_200_000 }, { from: D, to: D + 3_600_000 }, OVERLAP)).toEqual([
      { from: D + 1_800_000, to: D + 7_200_000 },
    ]);
  });

  it('carries on from the coverage when no start is asked for', () => {
    expect(
      planWindows({ from: undefined, to: D + 7_200_000 }, { from: 0, to: D + 3_600_000 }, OVERLAP),
    ).toEqual([{ from: D + 1_800_000, to: D + 7_200_000 }]);
  });

  it('backfills before the coverage newest day first, then reads what is new', () => {
    const covered = { from: D + DAY, to: D + DAY + 3_600_000 };
    expect(planWindows({ from: D - 1000, to: D + DAY + 7_200_000 }, covered, OVERLAP)).toEqual([
      { from: D, to: D + DAY },
      { from: D - 1000, to: D },
      { from: D + DAY + 1_800_000, to: D + DAY + 7_200_000 },
    ]);
  });

  it('fetches nothing for a request the coverage holds, short of the overlap', () => {
    expect(planWindows({ from: D, to: D + 1000 }, { from: D - DAY, to: D + DAY }, OVERLAP)).toEqual([]);
  });

  const window = fc.record({
    from: fc.integer({ min: 0, max: 10 * DAY }),
    length: fc.integer({ min: 1, max: 4 * DAY }),
  });
  it('covers the request with the coverage, in disjoint windows of at most a day that keep the coverage whole', () => {
    fc.assert(
      fc.property(window, fc.option(window, { nil: undefined }), (req, cov) => {
        const requested: TimeWindow = { from: req.from, to: req.from + req.length };
        const covered: Coverage | undefined = cov && { from: cov.from, to: cov.from + cov.length };
        const windows = planWindows(requested, covered, OVERLAP);
        // Every millisecond of the request is fetched now or was stored before (outside the overlap).
        const fetched = (t: number): boolean => windows.some((w) => (w.from ?? -Infinity) <= t && t < w.to);
        const stored = (t: number): boolean =>
          covered !== undefined && covered.from <= t && t < covered.to - OVERLAP;
        for (
          let t = requested.from as number;
          t < requested.to;
          t += Math.max(1, Math.floor(req.length / 97))
        )
          expect(fetched(t) || stored(t)).toBe(true);
        const sorted = [...windows].sort((a, b) => (a.from ?? 0) - (b.from ?? 0));
        sorted.forEach((w, i) => {
          expect(w.to - (w.from ?? 0)).toBeLessThanOrEqual(DAY);
          if (i > 0) expect(w.from ?? 0).toBeGreaterThanOrEqual((sorted[i - 1] as TimeWindow).to);
        });
        // Storing the windows in the planned order keeps one contiguous coverage that includes the request.
        let coverage = covered;
        for (const w of windows) coverage = extendCoverage(coverage, w);
        if (windows.length > 0 && coverage) {
          expect(coverage.to).toBeGreaterThanOrEqual(requested.to);
          if (!covered || requested.to >= covered.from)
            expect(coverage.from).toBeLessThanOrEqual(requested.from as number);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('extendCoverage', () => {
  it.each([
    [undefined, { from: 5, to: 9 }, { from: 5, to: 9 }],
    [
      { from: 5, to: 9 },
      { from: 9, to: 12 },
      { from: 5, to: 12 },
    ],
    [
      { from: 5, to: 9 },
      { from: 1, to: 5 },
      { from: 1, to: 9 },
    ],
    [
      { from: 5, to: 9 },
      { from: 20, to: 30 },
      { from: 20, to: 30 },
    ],
    [
      { from: 20, to: 30 },
      { from: 5, to: 9 },
      { from: 20, to: 30 },
    ],
  ])('%j + %j = %j', (covered, window, expected) => {
    expect(extendCoverage(covered, window)).toEqual(expected);
  });
});

describe('parseCoverage', () => {
  it.each([
    ['{"from":1,"to":2}', { from: 1, to: 2 }],
    ['{"from":3,"to":2}', undefined],
    ['not json', undefined],
    [undefined, undefined],
  ])('%s', (text, coverage) => expect(parseCoverage(text)).toEqual(coverage));
});

describe('parseCloudWatchUri', () => {
  it.each([
    ['cwl://vpc-flow-logs', { group: 'vpc-flow-logs', parameter: { logGroupName: 'vpc-flow-logs' } }],
    [
      'cwl:///aws/vpc/flow-logs',
      { group: '/aws/vpc/flow-logs', parameter: { logGroupName: '/aws/vpc/flow-logs' } },
    ],
    [
      'arn:aws:logs:eu-west-1:123456789012:log-group:/aws/vpc/flows:*',
      {
        group: '/aws/vpc/flows',
        region: 'eu-west-1',
        parameter: { logGroupIdentifier: 'arn:aws:logs:eu-west-1:123456789012:log-group:/aws/vpc/flows' },
      },
    ],
  ])('%s', (uri, location) => expect(parseCloudWatchUri(uri)).toEqual(location));

  it.each(['cwl://', 'cwl://bad group', 'arn:aws:logs:eu-west-1:123:log-group:x'])('refuses %s', (uri) => {
    expect(() => parseCloudWatchUri(uri)).toThrow(UsageError);
  });
});
