/** Types of the explorer (src/query/explore.ts), kept apart so the page can import them without the store. */

/** A dimension the explorer groups by: a flows column, its label and its DuckDB type. */
export interface ExploreDimension {
  id: string;
  label: string;
  type: 'VARCHAR' | 'INTEGER';
}

/** What the explorer measures: bytes, packets or flow records. */
export type ExploreMetric = 'bytes' | 'packets' | 'flows';

/** An explorer question: up to three dimensions, a metric, a time range on `start`, an Insights filter and the top N. */
export interface ExploreOptions {
  dimensions: string[];
  metric: ExploreMetric;
  /** Epoch seconds, on each record's `start`; end exclusive. */
  start?: number | undefined;
  end?: number | undefined;
  /** An Insights filter expression (`dstPort = 443 and action = "REJECT"`). */
  filter?: string | undefined;
  /** How many top groups get their own series (1–50, default 10); the rest is "other". */
  limit?: number | undefined;
  /** At most this many time buckets (10–500, default 120). */
  points?: number | undefined;
}

/** One top group: its dimension values (in the order asked) and its metric total. */
export interface ExploreRow {
  key: (string | number | null)[];
  value: number;
}

/** The explorer's answer: the top groups, the total and "other", and a stacked series (top groups, then other). */
export interface ExploreResult {
  dimensions: string[];
  metric: ExploreMetric;
  /** The time range the series covers (epoch seconds, end exclusive); null when no record matches. */
  range: { start: number; end: number } | null;
  bucketSeconds: number;
  rows: ExploreRow[];
  total: number;
  /** The metric summed over every group that is not in `rows`. */
  other: number;
  /** How many groups there are in all. */
  groups: number;
  /** Bucket starts, and per top group (then "other") the metric per bucket. */
  series: { t: number[]; values: number[][] };
  /** Which tables answered: the hourly/whole-store rollups or the records. */
  source: { top: 'rollups' | 'flows'; series: 'rollups' | 'flows' };
  /** The statements that ran, in order. */
  sql: string[];
}
