/** An inclusive range of 128-bit addresses (IPv4 mapped into ::ffff:0:0/96) and what it maps to. */
export interface AddressRange<T> {
  low: bigint;
  high: bigint;
  value: T;
}

/** A range as given by a source, with a rank that breaks ties between equally wide ranges (lower wins). */
export interface RankedRange<T> extends AddressRange<T> {
  rank?: number;
}

/**
 * Turns possibly overlapping ranges into disjoint ones where, at every address, the narrowest covering range wins
 * (the most specific prefix; ties go to the lower rank, then to the earlier range). Adjacent pieces of the same range
 * are merged. The answer is sorted by `low`, so a lookup is one search for the last `low` at or below an address.
 */
export function flattenRanges<T>(ranges: readonly RankedRange<T>[]): AddressRange<T>[] {
  const order = ranges.map((_, i) => i);
  if (!isSorted(ranges)) order.sort((a, b) => compare(ranges[a]!.low, ranges[b]!.low) || a - b);
  const out: AddressRange<T>[] = [];
  // Overlaps are rare in real databases: only a run of overlapping ranges (a cluster) needs the sweep.
  let cluster: number[] = [];
  let clusterHigh = -1n;
  const flush = (): void => {
    if (cluster.length === 1) {
      const { low, high, value } = ranges[cluster[0]!]!;
      out.push({ low, high, value });
    } else if (cluster.length > 1) out.push(...sweep(cluster.map((index) => ({ ...ranges[index]!, index, width: ranges[index]!.high - ranges[index]!.low, rank: ranges[index]!.rank ?? 0 }))));
  };
  for (const index of order) {
    const range = ranges[index]!;
    if (cluster.length > 0 && range.low <= clusterHigh) {
      cluster.push(index);
      if (range.high > clusterHigh) clusterHigh = range.high;
    } else {
      flush();
      cluster = [index];
      clusterHigh = range.high;
    }
  }
  flush();
  return out;
}

interface SweepItem<T> extends AddressRange<T> {
  index: number;
  width: bigint;
  rank: number;
}

/** The disjoint pieces of overlapping ranges (sorted by low, then index): between two boundaries the best range wins. */
function sweep<T>(items: readonly SweepItem<T>[]): AddressRange<T>[] {
  const out: (AddressRange<T> & { index: number })[] = [];
  const active: SweepItem<T>[] = [];
  // Boundaries are every range start and every end + 1; between two boundaries the covering set does not change.
  const ends = items.map((r) => r.high + 1n).sort(compare);
  let next = 0;
  let endAt = 0;
  let cursor: bigint | undefined;
  while (next < items.length || active.length > 0) {
    const startPoint = next < items.length ? items[next]!.low : undefined;
    while (endAt < ends.length && cursor !== undefined && ends[endAt]! <= cursor) endAt++;
    const endPoint = endAt < ends.length ? ends[endAt] : undefined;
    const point = startPoint !== undefined && (endPoint === undefined || startPoint <= endPoint) ? startPoint : endPoint;
    if (point === undefined) break;
    if (cursor !== undefined && active.length > 0 && point > cursor) emit(out, best(active), cursor, point - 1n);
    for (let i = active.length - 1; i >= 0; i--) if (active[i]!.high < point) active.splice(i, 1);
    while (next < items.length && items[next]!.low === point) active.push(items[next++]!);
    cursor = point;
  }
  return out.map(({ low, high, value }) => ({ low, high, value }));
}

function compare(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function isSorted(ranges: readonly { low: bigint }[]): boolean {
  for (let i = 1; i < ranges.length; i++) if (ranges[i]!.low < ranges[i - 1]!.low) return false;
  return true;
}

function best<T extends { width: bigint; rank: number; index: number }>(active: readonly T[]): T {
  let winner = active[0]!;
  for (const candidate of active) {
    if (candidate.width < winner.width || (candidate.width === winner.width && (candidate.rank < winner.rank || (candidate.rank === winner.rank && candidate.index < winner.index)))) winner = candidate;
  }
  return winner;
}

function emit<T>(out: (AddressRange<T> & { index: number })[], winner: AddressRange<T> & { index: number }, low: bigint, high: bigint): void {
  const last = out[out.length - 1];
  if (last && last.index === winner.index && last.high + 1n === low) last.high = high;
  else out.push({ low, high, value: winner.value, index: winner.index });
}
