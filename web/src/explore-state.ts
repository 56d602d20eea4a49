import type { ExploreMetricDto, ExploreRequest } from '../../src/server/protocol.js';

/** Time ranges the Explore tab offers: everything, the last hours or days of the data, or from/to. */
export const RANGES: { id: string; label: string; hours: number }[] = [
  { id: 'all', label: 'all time', hours: 0 },
  { id: '1h', label: 'last hour', hours: 1 },
  { id: '6h', label: 'last 6 hours', hours: 6 },
  { id: '24h', label: 'last 24 hours', hours: 24 },
  { id: '7d', label: 'last 7 days', hours: 168 },
  { id: 'custom', label: 'from … to', hours: 0 },
];

/** What an Explore view is: the state the URL holds so a view can be shared. */
export interface ExploreState {
  dimensions: string[];
  metric: ExploreMetricDto;
  range: string;
  /** Epoch seconds, for range `custom`. */
  from?: number | undefined;
  to?: number | undefined;
  filter: string;
  limit: number;
  /** Whether the series stacks "other" on top of the top groups (it can dwarf them). */
  other: boolean;
}

/** The view the tab opens with when the URL holds none. */
export const DEFAULT_STATE: ExploreState = { dimensions: ['srcaddr', 'dstaddr'], metric: 'bytes', range: 'all', filter: '', limit: 10, other: true };

const METRICS: readonly ExploreMetricDto[] = ['bytes', 'packets', 'flows'];

/** The state as the query string of the URL's `#explore?…` hash. */
export function stateToHash(state: ExploreState): string {
  const params = new URLSearchParams();
  params.set('dims', state.dimensions.join(','));
  params.set('metric', state.metric);
  params.set('range', state.range);
  if (state.range === 'custom') {
    if (state.from !== undefined) params.set('from', String(state.from));
    if (state.to !== undefined) params.set('to', String(state.to));
  }
  if (state.filter) params.set('filter', state.filter);
  params.set('limit', String(state.limit));
  if (!state.other) params.set('other', '0');
  return `#explore?${params.toString()}`;
}

/** The state of a `#explore?…` hash (unknown or missing values fall back to the defaults), or undefined for another hash. */
export function stateFromHash(hash: string): ExploreState | undefined {
  if (!hash.startsWith('#explore')) return undefined;
  const params = new URLSearchParams(hash.slice(hash.indexOf('?') + 1 || hash.length));
  const dims = (params.get('dims') ?? '').split(',').filter(Boolean).slice(0, 3);
  const metric = params.get('metric') as ExploreMetricDto | null;
  const range = params.get('range') ?? DEFAULT_STATE.range;
  const limit = Number(params.get('limit'));
  const time = (name: string): number | undefined => (params.get(name) && Number.isSafeInteger(Number(params.get(name))) ? Number(params.get(name)) : undefined);
  return {
    dimensions: dims.length > 0 ? dims : DEFAULT_STATE.dimensions,
    metric: metric && METRICS.includes(metric) ? metric : DEFAULT_STATE.metric,
    range: RANGES.some((r) => r.id === range) ? range : DEFAULT_STATE.range,
    from: time('from'),
    to: time('to'),
    filter: params.get('filter') ?? '',
    limit: Number.isInteger(limit) && limit >= 1 && limit <= 50 ? limit : DEFAULT_STATE.limit,
    other: params.get('other') !== '0',
  };
}

/**
 * The API request of a state. "Last N hours" ends at the end of the hour of the latest record (the data may be old,
 * so not at the clock's now), on whole hours so the rollups can answer.
 */
export function stateToRequest(state: ExploreState, latest: number | null): ExploreRequest {
  const request: ExploreRequest = { dimensions: state.dimensions, metric: state.metric, limit: state.limit };
  if (state.filter.trim()) request.filter = state.filter.trim();
  const hours = RANGES.find((r) => r.id === state.range)?.hours ?? 0;
  if (hours > 0 && latest !== null) {
    const end = latest - (latest % 3600) + 3600;
    request.start = end - hours * 3600;
    request.end = end;
  } else if (state.range === 'custom') {
    if (state.from !== undefined) request.start = state.from;
    if (state.to !== undefined) request.end = state.to;
  }
  return request;
}
