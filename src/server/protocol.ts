/**
 * The JSON API between `flowlens serve` and the page (web/ imports these as types only).
 * Endpoints are GET with filters as query parameters (GraphQuery), except POST /api/query (a JSON QueryRequest);
 * errors come back as ErrorResponse.
 */
import type { EdgeDetails, NodeDetails, SearchHit, TrafficBucket } from '../graph/detail-types.js';
import type { EdgeWeight, NodeKind, PublicMode } from '../graph/types.js';
import type { Finding } from '../alerts/types.js';
import type { CostCategory, CostGrouping, CostLine } from '../costs/cost-types.js';
import type { ExploreDimension, ExploreMetric, ExploreResult, ExploreRow } from '../query/explore-types.js';

export type { EdgeDetails, FlowRow, NodeDetails, PeerTraffic, PortTraffic, SearchHit, TrafficBucket, TrafficTotals } from '../graph/detail-types.js';
export type { EdgeWeight, NodeKind, PublicMode } from '../graph/types.js';

/** Filters shared by /api/graph, /api/histogram, /api/node, /api/edge and /api/search (all optional). */
export interface GraphQuery {
  /** Epoch seconds; flows whose `start` is in [start, end). */
  start?: number;
  end?: number;
  action?: 'ACCEPT' | 'REJECT';
  /** Comma-separated protocol names or numbers: `tcp,udp`. */
  protocol?: string;
  /** Comma-separated ports matched against source or destination port. */
  port?: string;
  /** Comma-separated AS numbers (`15169,AS13335`); a flow is kept when either end is in one. */
  asn?: string;
  /** Part of an AS name, case-insensitive (several separated by `|`); either end. */
  asName?: string;
  /** Comma-separated ISO 3166 country codes (`US,DE`); either end. */
  country?: string;
  /** Comma-separated AWS services of ip-ranges.json (`S3,DYNAMODB`); either end. */
  awsService?: string;
  /** Node mode: ip | ip-port | eni | subnet/NN | name. */
  node?: string;
  public?: PublicMode;
  minFlows?: number;
  minWeight?: number;
  top?: number;
  weight?: EdgeWeight;
  /** 1 to pseudonymize (needs a server started with a key). */
  pseudonymize?: 0 | 1;
}

/** GET /api/info: what the server holds and can do. */
export interface InfoResponse {
  version: string;
  records: number;
  timeRange: { min: number | null; max: number | null };
  /** True when the server has a key, so `pseudonymize=1` works. */
  canPseudonymize: boolean;
  /** True when the server always pseudonymizes (started with --pseudonymize). */
  alwaysPseudonymize: boolean;
  names: number;
  defaults: Required<Pick<GraphQuery, 'node' | 'public' | 'top' | 'weight'>>;
}

/** A node as the page draws it. */
export interface NodeDto {
  id: string;
  kind: NodeKind;
  named: boolean;
  flows: number;
  bytes: number;
  rejected: number;
  degree: number;
}

/** An edge as the page draws it: s and t index into nodes. */
export interface EdgeDto {
  s: number;
  t: number;
  flows: number;
  bytes: number;
  packets: number;
  accepted: number;
  rejected: number;
  weight: number;
}

/** GET /api/graph. */
export interface GraphResponse {
  nodes: NodeDto[];
  edges: EdgeDto[];
  stats: { records: number; totalEdges: number; nodes: number; edges: number; pseudonymized: boolean; millis: number };
}

/** GET /api/histogram: traffic over time of the filtered flows (the time window itself is ignored). */
export interface HistogramResponse {
  bucketSeconds: number;
  min: number | null;
  max: number | null;
  buckets: TrafficBucket[];
}

/** GET /api/node?id=…: NodeDetails. */
export type NodeResponse = NodeDetails;
/** GET /api/edge?source=…&target=…: EdgeDetails. */
export type EdgeResponse = EdgeDetails;

/** GET /api/search?q=…. */
export interface SearchResponse {
  hits: SearchHit[];
}

/** The body of every error: a message, a stable code, and what to do (and, for a query, where in its text). */
export interface ErrorResponse {
  error: string;
  code: string;
  hint?: string;
  /** 1-based line and column in the query text, when the error points at one. */
  position?: { line: number; column: number };
}

/** Query of GET /api/costs: the grouping and the page's time window (epoch seconds on `start`). */
export interface CostsQuery {
  by?: CostGroupingDto;
  start?: number;
  end?: number;
}

/** How cost lines are grouped. */
export type CostGroupingDto = CostGrouping;
/** The charges flow logs can explain. */
export type CostCategoryDto = CostCategory;
/** One line of the cost report. */
export type CostLineDto = CostLine;

/** GET /api/costs?by=…&start=…&end=…: the cost report at default prices (mirrors src/costs CostReport). */
export interface CostsResponse {
  groupBy: CostGroupingDto;
  days: number;
  lines: CostLineDto[];
  recommendations: string[];
  unattributed: { reason: string; records: number; gib: number }[];
  caveats: string[];
  prices: { source: string; natGatewayProcessingPerGb: number; crossAzPerGbEachWay: number; internetEgressPerGb: number; interRegionPerGb: number };
}

/** Query of GET /api/alerts: the page's time window (epoch seconds), pseudonymization, and which alert source to read. */
export interface AlertsQuery {
  start?: number;
  end?: number;
  pseudonymize?: 0 | 1;
  /** `watch` (the state `flowlens watch` saved in the database) or `rules` (`serve --rules` evaluated); default: watch when present. */
  source?: AlertSourceDto;
}

/** Where alerts come from: watch's saved state, the rules of `serve --rules`, or nowhere. */
export type AlertSourceDto = 'watch' | 'rules';

/** The state of a CloudWatch-style alarm (mirrors src/alerts AlarmState). */
export type AlarmStateDto = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

/** A datapoint as one evaluation used it (null value: a missing period filled by treatMissingData). */
export interface EvaluatedDatapointDto {
  timestamp: number;
  value: number | null;
  breaching: boolean;
  filled: boolean;
}

/** One state change of an alarm: when (start of the newest period evaluated), from → to, why, and the datapoints behind it. */
export interface AlarmTransitionDto {
  time: number;
  from: AlarmStateDto;
  to: AlarmStateDto;
  reason: string;
  datapoints: EvaluatedDatapointDto[];
}

/** One alarm series (an alarm, or one dimension value of a `*` alarm) with its state, metric and history. */
export interface AlarmDto {
  alarmName: string;
  /** Dimension values of this series (`*` when the row stands for a `*` alarm with no series worth showing). */
  dimensions: Record<string, string>;
  metricName: string;
  namespace: string;
  statistic: string | null;
  state: AlarmStateDto;
  /** Since when the alarm is in `state` (epoch seconds): its last transition, else the start of the evaluation; null when unknown. */
  since: number | null;
  /** The reason of the last transition into `state`, or why the state is what it is. */
  reason: string | null;
  threshold: number | null;
  comparisonOperator: string | null;
  period: number | null;
  evaluationPeriods: number | null;
  datapointsToAlarm: number | null;
  /** The metric's datapoints in the window: [period start, statistic value]. */
  datapoints: [number, number][];
  /** State changes in the window, oldest first. */
  transitions: AlarmTransitionDto[];
}

/** A GuardDuty-style finding as the alerts engine reports it (times in epoch seconds), with the event's id. */
export type FindingDto = Finding & { id: string };

/**
 * GET /api/alerts?start=&end=: the alarms (current state, datapoints, transitions) and findings of the window.
 * Without an alert source: `source: null`, empty lists and a `hint` saying how to get alerts.
 */
export interface AlertsResponse {
  source: AlertSourceDto | null;
  /** The sources this server can read (the page offers a switch when there are two). */
  sources: AlertSourceDto[];
  /** The time range evaluated or read (epoch seconds, end exclusive); null when there is nothing. */
  range: { start: number; end: number } | null;
  /** watch: when its last cycle was saved (epoch seconds). */
  updatedAt?: number;
  /** Where the rules came from (the rules file path). */
  rulesFile?: string;
  alarms: AlarmDto[];
  findings: FindingDto[];
  /** Findings a suppression rule of the rules file archived (each with `suppressedBy`); rules source only. */
  suppressed?: FindingDto[];
  /** How many alarm series are in ALARM now. */
  alarming: number;
  pseudonymized: boolean;
  hint?: string;
}

/** The query languages of POST /api/query. */
export type QueryLanguage = 'sql' | 'insights' | 'report';

/**
 * Body of POST /api/query. `sql`: one read-only statement, run as written (start/end do not apply); `insights`: a
 * Logs Insights query; `report`: a built-in report by name with its params. start/end (epoch seconds on `start`)
 * select the records of Insights queries and reports; `limit` (1–10,000) caps the rows (a report's own limit by default).
 */
export interface QueryRequest {
  language: QueryLanguage;
  text?: string;
  report?: string;
  params?: Record<string, string>;
  start?: number;
  end?: number;
  limit?: number;
}

/** A result column: its name and DuckDB type (VARCHAR, BIGINT, DOUBLE, TIMESTAMP, …). */
export interface QueryColumn {
  name: string;
  type: string;
}

/** POST /api/query: rows as arrays in column order (integers past 2^53 and blobs as text), the SQL that ran. */
export interface QueryResponse {
  columns: QueryColumn[];
  rows: unknown[][];
  rowCount: number;
  /** True when more rows existed than were returned (the limit or 10,000). */
  truncated: boolean;
  elapsedMs: number;
  sql: string;
}

/** The chart a result suits: bars per label, a time series, or none (the table says it). */
export type ChartKind = 'bar' | 'time' | 'table';

/** A built-in report as GET /api/reports lists it. */
export interface ReportInfo {
  name: string;
  description: string;
  chart: ChartKind;
  defaultLimit: number | null;
  params: { name: string; description: string; default: string | number | null }[];
  /** Where the report comes from (a seed, an AWS sample query), when known. */
  origin: string | null;
  /** The log the report reads: flow logs, or the S3 access / CloudTrail table of the store. */
  logType: 'vpc' | 's3-access' | 'cloudtrail';
}

/** GET /api/reports: every built-in report POST /api/query can run (those `flowlens report --list` shows, but costs). */
export interface ReportsResponse {
  reports: ReportInfo[];
}

/** A dimension the Explore tab can group by (mirrors src/query/explore ExploreDimension). */
export type ExploreDimensionDto = ExploreDimension;
/** What the Explore tab measures. */
export type ExploreMetricDto = ExploreMetric;
/** One top group of an Explore answer. */
export type ExploreRowDto = ExploreRow;

/** GET /api/explore/dimensions: the dimensions holding values in this store, the metrics, and the records' time range. */
export interface ExploreDimensionsResponse {
  dimensions: ExploreDimensionDto[];
  metrics: ExploreMetricDto[];
  timeRange: { min: number | null; max: number | null };
}

/**
 * Body of POST /api/explore: one to three dimensions (ids from /api/explore/dimensions), a metric, an optional time
 * range (epoch seconds on `start`, end exclusive), an Insights filter expression, the top N (1–50) and at most
 * `points` time buckets (10–500).
 */
export interface ExploreRequest {
  dimensions: string[];
  metric: ExploreMetricDto;
  start?: number;
  end?: number;
  filter?: string;
  limit?: number;
  points?: number;
}

/** POST /api/explore: the top groups, total and other, the stacked series, which tables answered, and the time taken. */
export type ExploreResponse = ExploreResult & { elapsedMs: number };
