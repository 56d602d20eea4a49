import type {
  AlertsQuery, AlertsResponse, CostsQuery, CostsResponse, EdgeResponse, ErrorResponse, GraphQuery, GraphResponse, HistogramResponse, InfoResponse,
  NodeResponse, QueryRequest, QueryResponse, ReportsResponse, SearchResponse,
} from '../../src/server/protocol.js';
import type { ExploreDimensionsResponse, ExploreRequest, ExploreResponse } from '../../src/server/protocol.js';

/** An API error with the server's code and hint. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly hint: string | undefined,
    readonly position?: ErrorResponse['position'],
  ) {
    super(message);
  }
}

/** The text an error shows on the page: the server's message and, for an ApiError, its hint. */
export function errorText(error: unknown): string {
  if (error instanceof ApiError) return `${error.message}${error.hint ? ` — ${error.hint}` : ''}`;
  return error instanceof Error ? error.message : String(error);
}

/** Query-string of a GraphQuery (or another endpoint's query) plus extra parameters; empty values are left out. */
export function queryString(query: GraphQuery | CostsQuery | AlertsQuery, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries({ ...query, ...extra })) {
    if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
  }
  return params.toString();
}

async function get<T>(path: string, query: GraphQuery | CostsQuery | AlertsQuery, extra: Record<string, string> = {}): Promise<T> {
  const qs = queryString(query, extra);
  const response = await fetch(`api/${path}${qs ? `?${qs}` : ''}`);
  if (!response.ok) {
    const body = (await response.json().catch(() => ({ error: response.statusText, code: 'http' }))) as ErrorResponse;
    throw new ApiError(body.error, body.code, body.hint);
  }
  return (await response.json()) as T;
}

async function post<T>(path: string, body: unknown): Promise<T> {
  const response = await fetch(`api/${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  if (!response.ok) {
    const error = (await response.json().catch(() => ({ error: response.statusText, code: 'http' }))) as ErrorResponse;
    throw new ApiError(error.error, error.code, error.hint, error.position);
  }
  return (await response.json()) as T;
}

/** The typed API client of the page. */
export const api = {
  info: () => get<InfoResponse>('info', {}),
  graph: (query: GraphQuery) => get<GraphResponse>('graph', query),
  histogram: (query: GraphQuery) => get<HistogramResponse>('histogram', query, { buckets: '160' }),
  node: (query: GraphQuery, id: string) => get<NodeResponse>('node', query, { id }),
  edge: (query: GraphQuery, source: string, target: string) => get<EdgeResponse>('edge', query, { source, target }),
  search: (query: GraphQuery, q: string) => get<SearchResponse>('search', query, { q }),
  reports: () => get<ReportsResponse>('reports', {}),
  query: (request: QueryRequest) => post<QueryResponse>('query', request),
  costs: (query: CostsQuery) => get<CostsResponse>('costs', query),
  alerts: (query: AlertsQuery) => get<AlertsResponse>('alerts', query),
  exploreDimensions: () => get<ExploreDimensionsResponse>('explore/dimensions', {}),
  explore: (request: ExploreRequest) => post<ExploreResponse>('explore', request),
};
