import { describe, expect, it } from 'vitest';
import { renderProgressLine } from '../../src/cli/progress.js';
import type { ProgressState } from '../../src/cli/progress.js';

const state = (over: Partial<ProgressState> = {}): ProgressState => ({
  label: 'ingest',
  progress: { unit: '/logs/a.log.gz', units: 900, bytes: 40e6, records: 120_000, badLines: 0, skippedUnits: 100, failedUnits: 0 },
  passedBytes: 10e6,
  seconds: 10,
  ...over,
});

describe('renderProgressLine', () => {
  it('shows done of total objects and bytes, the percentage, rates and the ETA from the bytes', () => {
    expect(renderProgressLine(state({ totalUnits: 5000, totalBytes: 200e6 }))).toBe(
      'ingest 1,000/5,000 objects | 50.0/200.0 MB (25%) | 120,000 records | 12,000 rec/s | 100 obj/s | ETA 30s | /logs/a.log.gz',
    );
  });

  it('shows what is done, without ETA, while the listing is not counted yet', () => {
    expect(renderProgressLine(state())).toBe('ingest 1,000 objects | 50.0 MB | 120,000 records | 12,000 rec/s | 100 obj/s | /logs/a.log.gz');
  });

  it('estimates from objects when the sizes are unknown, and counts bad lines', () => {
    const line = renderProgressLine(state({ totalUnits: 4000, totalBytes: 0, progress: { ...state().progress, badLines: 3 } }));
    expect(line).toContain('1,000/4,000 objects');
    expect(line).toContain('3 bad');
    expect(line).toContain('ETA 30s');
  });

  it('shows a step after the load on its own with its elapsed time', () => {
    expect(renderProgressLine(state({ seconds: 75, phase: { label: 'updating the query rollups', since: 10 } }))).toBe('ingest: updating the query rollups … 1m 05s');
  });
});
