/** A time window in epoch milliseconds, [from, to); `from` undefined means the log group's beginning. */
export interface TimeWindow {
  from: number | undefined;
  to: number;
}

/** The event-time range a log group has been read over, as kept in ingest_cursors. */
export interface Coverage {
  from: number;
  to: number;
}

const DAY_MS = 86_400_000;

/**
 * The windows to fetch for a requested range given what earlier runs covered: the part before the
 * coverage (newest first, so each window touches what is stored) and the part after it, re-reading
 * the last `overlapMs` of the coverage because late events are still delivered with earlier timestamps.
 * Without a requested start, only what follows the coverage is fetched.
 */
export function planWindows(
  requested: TimeWindow,
  covered: Coverage | undefined,
  overlapMs: number,
): TimeWindow[] {
  if (
    !covered ||
    requested.to <= covered.from ||
    (requested.from !== undefined && requested.from >= covered.to)
  ) {
    return splitByDay(requested);
  }
  const windows: TimeWindow[] = [];
  // Without a start, a run carries on from the coverage; an earlier --start backfills before it.
  if (requested.from !== undefined && requested.from < covered.from) {
    windows.push(...splitByDay({ from: requested.from, to: covered.from }).reverse());
  }
  const resume = Math.max(covered.to - overlapMs, covered.from, requested.from ?? -Infinity);
  if (requested.to > resume) windows.push(...splitByDay({ from: resume, to: requested.to }));
  return windows;
}

/** The coverage after a window was stored: joined when they touch, else the later of the two. */
export function extendCoverage(covered: Coverage | undefined, window: TimeWindow): Coverage {
  const from = window.from ?? 0;
  if (!covered) return { from, to: window.to };
  if (window.to >= covered.from && from <= covered.to)
    return { from: Math.min(from, covered.from), to: Math.max(window.to, covered.to) };
  return window.to > covered.to ? { from, to: window.to } : covered;
}

/** Splits a window at UTC midnights, so each stored unit is at most one day of events. */
export function splitByDay(window: TimeWindow): TimeWindow[] {
  if (window.from === undefined) return [{ from: undefined, to: window.to }];
  const windows: TimeWindow[] = [];
  let from = window.from;
  while (from < window.to) {
    const to = Math.min(window.to, (Math.floor(from / DAY_MS) + 1) * DAY_MS);
    windows.push({ from, to });
    from = to;
  }
  return windows;
}

/** Reads a stored cursor; anything unreadable counts as no coverage. */
export function parseCoverage(text: string | undefined): Coverage | undefined {
  if (!text) return undefined;
  try {
    const value = JSON.parse(text) as Partial<Coverage>;
    return typeof value.from === 'number' && typeof value.to === 'number' && value.from <= value.to
      ? { from: value.from, to: value.to }
      : undefined;
  } catch {
    return undefined;
  }
}
