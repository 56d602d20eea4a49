import { ENRICHMENT_COLUMNS, enrichedFlowsSql, ensureEnrichment, findEnrichmentColumn, readEnrichmentSources } from '../enrich/index.js';
import type { EnrichmentColumn } from '../enrich/index.js';
import { FlowlensError } from '../records/index.js';
import type { Store } from '../store/database.js';
import { ROLLUP_KEYS, ROLLUP_SECONDS, readRollups, rollupTablesFor } from '../store/rollups.js';
import type { FlowRollups } from '../store/rollups.js';
import { quoteIdentifier, sqlLiteral } from '../sql/index.js';
import { duckdb } from '../engines/index.js';
import { compileInsightsFilter, flowsSource } from './insights/index.js';
import type { ExploreDimension, ExploreMetric, ExploreOptions, ExploreResult, ExploreRow } from './explore-types.js';

export type { ExploreDimension, ExploreMetric, ExploreOptions, ExploreResult, ExploreRow } from './explore-types.js';

/** The dimensions the explorer may group by (an allow-list: nothing else reaches SQL as an identifier). */
export const EXPLORE_DIMENSIONS: readonly ExploreDimension[] = [
  { id: 'srcaddr', label: 'source address', type: 'VARCHAR' },
  { id: 'dstaddr', label: 'destination address', type: 'VARCHAR' },
  { id: 'srcport', label: 'source port', type: 'INTEGER' },
  { id: 'dstport', label: 'destination port', type: 'INTEGER' },
  { id: 'protocol', label: 'protocol', type: 'INTEGER' },
  { id: 'action', label: 'action', type: 'VARCHAR' },
  { id: 'interface_id', label: 'ENI', type: 'VARCHAR' },
  { id: 'subnet_id', label: 'subnet', type: 'VARCHAR' },
  { id: 'vpc_id', label: 'VPC', type: 'VARCHAR' },
  { id: 'instance_id', label: 'instance', type: 'VARCHAR' },
  { id: 'az_id', label: 'availability zone', type: 'VARCHAR' },
  { id: 'flow_direction', label: 'flow direction', type: 'VARCHAR' },
  { id: 'traffic_path', label: 'traffic path', type: 'INTEGER' },
  { id: 'pkt_src_aws_service', label: 'source AWS service', type: 'VARCHAR' },
  { id: 'pkt_dst_aws_service', label: 'destination AWS service', type: 'VARCHAR' },
  { id: 'account_id', label: 'account', type: 'VARCHAR' },
  { id: 'region', label: 'region', type: 'VARCHAR' },
  // Computed at query time from the store's range tables (flowlens enrich); offered when the store has them.
  ...ENRICHMENT_COLUMNS.filter((c) => c.source !== 'asn' && c.source !== 'aws_region').map((c) => ({ id: c.name, label: enrichmentLabel(c), type: 'VARCHAR' as const })),
];

/** The metrics the explorer offers. */
export const EXPLORE_METRICS: readonly ExploreMetric[] = ['bytes', 'packets', 'flows'];

/** Bucket widths the time series may use (seconds): the smallest giving at most `points` buckets wins. */
const BUCKETS = [60, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400, 604_800];

/** Dimensions with few distinct values (interfaces, subnets, directions…), grouped per bucket in one scan. */
const FEW_VALUES = new Set(['protocol', 'action', 'interface_id', 'subnet_id', 'vpc_id', 'instance_id', 'az_id', 'flow_direction', 'traffic_path', 'pkt_src_aws_service', 'pkt_dst_aws_service', 'account_id', 'region']);

/** Every column a rollup row keys on (besides unit and hour). */
const ROLLUP_COLUMNS = new Set(ROLLUP_KEYS.ports);

/**
 * Answers an explorer question with two statements: the top-N groups (with the total and the group count), then the
 * metric per time bucket of those groups and of the rest. Each reads the rollup tables when they are exact for the
 * store and hold every column the question reads (addresses, destination port, protocol, action) at the needed
 * time resolution (whole hours), else the records. NODATA and SKIPDATA records are left out (they hold no traffic).
 */
export async function exploreFlows(store: Store, options: ExploreOptions): Promise<ExploreResult> {
  const dimensions = options.dimensions.map(dimensionOf);
  if (dimensions.length === 0 || dimensions.length > 3) throw new FlowlensError('bad-request', 'pick one to three dimensions');
  if (new Set(dimensions.map((d) => d.id)).size !== dimensions.length) throw new FlowlensError('bad-request', 'a dimension is picked twice');
  if (!EXPLORE_METRICS.includes(options.metric)) throw new FlowlensError('bad-request', `unknown metric "${String(options.metric)}"`, { hint: `metrics: ${EXPLORE_METRICS.join(', ')}` });
  const limit = clampInteger(options.limit ?? 10, 1, 50, 'limit');
  const points = clampInteger(options.points ?? 120, 10, 500, 'points');
  const start = options.start === undefined ? undefined : wholeSecond(options.start, 'start');
  const end = options.end === undefined ? undefined : wholeSecond(options.end, 'end');
  if (start !== undefined && end !== undefined && end <= start) throw new FlowlensError('bad-request', 'end is not after start');

  const enriched = new Set<EnrichmentColumn>(dimensions.map((d) => findEnrichmentColumn(d.id)).filter((c) => c !== undefined));
  const filter = options.filter?.trim() ? compileInsightsFilter(options.filter, { dialect: duckdb, source: flowsSource({ enrichment: enriched }) }) : undefined;
  const read = new Set([...dimensions.map((d) => d.id), ...(filter?.columns ?? [])]);
  const rollups = await readRollups(store);
  if (enriched.size > 0) await ensureEnrichment(store, [...new Set([...enriched].map((c) => c.kind))]);
  const sql: string[] = [];

  const range = await timeRange(store, start, end);
  const hourAligned = (t: number | undefined): boolean => t === undefined || t % ROLLUP_SECONDS === 0;
  // Enrichment columns come from the addresses, which the rollups hold: they are joined to the rollup rows then.
  const rollupsFit = rollups !== undefined && [...read].every((c) => ROLLUP_COLUMNS.has(c) || findEnrichmentColumn(c) !== undefined) && hourAligned(start) && hourAligned(end);
  // A day or more in whole hours is drawn from the hourly rollups (at least 24 points) rather than scanning every record.
  const bucketSeconds = pickBucket(range, points, rollupsFit && range !== null && range.end - range.start >= 24 * ROLLUP_SECONDS ? ROLLUP_SECONDS : 0);
  const extra = filter ? [filter.sql] : [];
  const pairs = rollups?.wholeStore?.pairs;
  const enrich = (relation: Relation | undefined): Relation | undefined =>
    relation && enriched.size > 0 ? { ...relation, table: `(${enrichedFlowsSql({ table: relation.table, columns: [...enriched], addresses: { table: pairs ?? relation.table } })})` } : relation;
  const topSource = enrich(rollupsFit ? rollupRelation(rollups, read, start, end, extra) : undefined);
  const seriesSource = enrich(rollupsFit && bucketSeconds % ROLLUP_SECONDS === 0 ? rollupRelation(rollups, read, start, end, extra, true) : undefined);
  const recordWhere = [`coalesce(r."log_status", 'OK') NOT IN ('NODATA', 'SKIPDATA')`, ...timeTerms('r."start"', start, end), ...extra];

  const keys = dimensions.map((d, i) => `r.${quoteIdentifier(d.id)} AS d${i}`).join(', ');
  const order = dimensions.map((_, i) => `d${i} NULLS LAST`).join(', ');
  const groupBy = dimensions.map((_, i) => String(i + 1)).join(', ');
  // Enrichment columns join flows to the distinct addresses' values (from the whole-store rollup when it is current).
  const table = enriched.size > 0 ? `(${enrichedFlowsSql({ columns: [...enriched], addresses: pairs ? { table: pairs } : { table: 'flows' } })})` : 'flows';
  const records: Relation = { table, where: recordWhere, time: 'r."start"' };
  if (!topSource && !seriesSource && dimensions.every((d) => FEW_VALUES.has(d.id))) {
    // Few groups per bucket: one scan of the records answers the top groups and the series together.
    const answer = range ? await oneScan(store, { dimensions, metric: options.metric, from: records, bucketSeconds, limit, sql }) : { rows: [], total: 0, groups: 0, series: { t: [], values: [] } };
    const other = Math.max(0, answer.total - answer.rows.reduce((sum, r) => sum + r.value, 0));
    return { dimensions: dimensions.map((d) => d.id), metric: options.metric, range, bucketSeconds, ...answer, other, source: { top: 'flows', series: 'flows' }, sql };
  }
  const topFrom = topSource ?? records;
  // One pass over the groups for the top rows, the total and the group count (a window over all groups costs twice that).
  const topSql = `WITH g AS (
  SELECT ${keys}, ${metricSql(options.metric, topSource !== undefined)} AS v FROM ${topFrom.table} AS r WHERE ${joinWhere(topFrom.where)} GROUP BY ${groupBy}
)
SELECT * FROM (SELECT sum(v) AS total, count(*) AS "groups" FROM g) LEFT JOIN (SELECT * FROM g ORDER BY v DESC, ${order} LIMIT ${limit}) ON TRUE
ORDER BY v DESC, ${order}`;
  sql.push(topSql);
  const top = await store.query(topSql);
  const rows: ExploreRow[] = top.rows.filter((row) => row.v !== null && row.v !== undefined).map((row) => ({ key: dimensions.map((d, i) => toKey(row[`d${i}`], d)), value: Number(row.v ?? 0) }));
  const total = Number(top.rows[0]?.total ?? 0);
  const groups = Number(top.rows[0]?.groups ?? 0);

  const seriesFrom = seriesSource ?? records;
  const series = range && rows.length > 0 ? await bucketSeries(store, { dimensions, rows, metric: options.metric, from: seriesFrom, rollups: seriesSource !== undefined, bucketSeconds, sql }) : { t: [], values: [] };
  return {
    dimensions: dimensions.map((d) => d.id),
    metric: options.metric,
    range,
    bucketSeconds,
    rows,
    total,
    other: Math.max(0, total - rows.reduce((sum, r) => sum + r.value, 0)),
    groups,
    series,
    source: { top: topSource ? 'rollups' : 'flows', series: seriesSource ? 'rollups' : 'flows' },
    sql,
  };
}

/** Dimensions that hold at least one value in the store, in EXPLORE_DIMENSIONS order (one scan of their columns). */
export async function presentDimensions(store: Store): Promise<ExploreDimension[]> {
  const stored = EXPLORE_DIMENSIONS.filter((d) => !findEnrichmentColumn(d.id));
  const probes = stored.map((d, i) => `count(${quoteIdentifier(d.id)}) > 0 AS c${i}`).join(', ');
  const row = (await store.query(`SELECT ${probes} FROM flows`)).rows[0] ?? {};
  // Enrichment dimensions: offered when the store holds their range table.
  const loaded = new Set((await readEnrichmentSources(store)).map((s) => s.kind));
  const enriched = EXPLORE_DIMENSIONS.filter((d) => {
    const column = findEnrichmentColumn(d.id);
    return column !== undefined && loaded.has(column.kind);
  });
  return [...stored.filter((_, i) => row[`c${i}`] === true), ...enriched];
}

interface Relation {
  table: string;
  where: string[];
  /** The SQL of the row's time (start of the record, or of its rollup hour). */
  time: string;
}

async function bucketSeries(
  store: Store,
  q: { dimensions: ExploreDimension[]; rows: ExploreRow[]; metric: ExploreMetric; from: Relation; rollups: boolean; bucketSeconds: number; sql: string[] },
): Promise<{ t: number[]; values: number[][] }> {
  const b = q.bucketSeconds;
  // The top groups as a list of literals, so the series shows exactly the groups of the table: a group's rank is its
  // position in the list (list_position matches NULL with NULL, as IS NOT DISTINCT FROM does), a lookup per record
  // that costs far less than a join.
  const one = q.dimensions.length === 1;
  const group = (values: string[]): string => (one ? (values[0] as string) : `struct_pack(${values.map((v, i) => `d${i} := ${v}`).join(', ')})`);
  const list = q.rows.map((row) => group(row.key.map((k, i) => `CAST(${sqlLiteral(k)} AS ${q.dimensions[i]?.type ?? 'VARCHAR'})`))).join(', ');
  const probe = group(q.dimensions.map((d) => `CAST(r.${quoteIdentifier(d.id)} AS ${d.type})`));
  const sql = `SELECT (${q.from.time} - ((${q.from.time} % ${b}) + ${b}) % ${b}) AS t, coalesce(list_position([${list}], ${probe}), 0) AS rank,
  ${metricSql(q.metric, q.rollups)} AS v
FROM ${q.from.table} AS r
WHERE ${joinWhere(q.from.where)} GROUP BY 1, 2 ORDER BY 1, 2`;
  q.sql.push(sql);
  return toSeries((await store.query(sql)).rows, q.rows.length, b);
}

/**
 * The top groups, total, group count and series in one statement: the records grouped by bucket and dimensions once
 * (materialized), then summed per group for the ranking. For dimensions with few values, where the grouped rows are few.
 */
async function oneScan(
  store: Store,
  q: { dimensions: ExploreDimension[]; metric: ExploreMetric; from: Relation; bucketSeconds: number; limit: number; sql: string[] },
): Promise<{ rows: ExploreRow[]; total: number; groups: number; series: { t: number[]; values: number[][] } }> {
  const b = q.bucketSeconds;
  const ds = q.dimensions.map((_, i) => `d${i}`);
  const keys = q.dimensions.map((d, i) => `r.${quoteIdentifier(d.id)} AS d${i}`).join(', ');
  const order = ds.map((d) => `${d} NULLS LAST`).join(', ');
  const on = ds.map((d) => `g.${d} IS NOT DISTINCT FROM top.${d}`).join(' AND ');
  const sql = `WITH g AS MATERIALIZED (
  SELECT (${q.from.time} - ((${q.from.time} % ${b}) + ${b}) % ${b}) AS t, ${keys}, ${metricSql(q.metric, false)} AS v
  FROM ${q.from.table} AS r WHERE ${joinWhere(q.from.where)} GROUP BY ${ds.map((_, i) => String(i + 2)).join(', ')}, 1
), k AS (SELECT ${ds.join(', ')}, sum(v) AS v FROM g GROUP BY ${ds.join(', ')}),
top AS (SELECT ${ds.join(', ')}, row_number() OVER (ORDER BY v DESC, ${order}) AS rank FROM k QUALIFY rank <= ${q.limit}),
n AS (SELECT count(*) AS "groups" FROM k)
SELECT g.t, coalesce(top.rank, 0) AS rank, ${ds.map((d) => `any_value(top.${d}) AS ${d}`).join(', ')}, sum(g.v) AS v, any_value(n."groups") AS "groups"
FROM g LEFT JOIN top ON ${on} CROSS JOIN n GROUP BY 1, 2 ORDER BY 1, 2`;
  q.sql.push(sql);
  const result = (await store.query(sql)).rows;
  const byRank = new Map<number, ExploreRow>();
  for (const row of result) {
    const rank = Number(row.rank);
    if (rank === 0) continue;
    const group = byRank.get(rank) ?? { key: q.dimensions.map((d, i) => toKey(row[`d${i}`], d)), value: 0 };
    group.value += Number(row.v ?? 0);
    byRank.set(rank, group);
  }
  const rows = [...byRank.entries()].sort((a, c) => a[0] - c[0]).map(([, row]) => row);
  const total = result.reduce((sum, row) => sum + Number(row.v ?? 0), 0);
  // Ranks are renumbered 1..n in case a rank has no row (cannot happen, but the series must line up with rows).
  const renumber = new Map([...byRank.keys()].sort((a, c) => a - c).map((rank, i) => [rank, i + 1]));
  const renumbered = result.map((row) => ({ ...row, rank: Number(row.rank) === 0 ? 0 : (renumber.get(Number(row.rank)) ?? 0) }));
  return { rows, total, groups: Number(result[0]?.groups ?? 0), series: toSeries(renumbered, rows.length, b) };
}

/** Rows of (t, rank, v) as a series per rank (rank 0, "other", last), with every bucket from the first to the last. */
function toSeries(result: Record<string, unknown>[], count: number, b: number): { t: number[]; values: number[][] } {
  const times = [...new Set(result.map((r) => Number(r.t)))].sort((a, c) => a - c);
  if (times.length === 0) return { t: [], values: [] };
  // Every bucket between the first and the last, so gaps show as zero rather than as a line across them.
  const t: number[] = [];
  if (times.length > 0) for (let at = times[0] as number; at <= (times[times.length - 1] as number); at += b) t.push(at);
  const index = new Map(t.map((at, i) => [at, i]));
  const series = Array.from({ length: count + 1 }, () => new Array<number>(t.length).fill(0));
  for (const row of result) {
    const rank = Number(row.rank);
    const line = series[rank === 0 ? count : rank - 1];
    const at = index.get(Number(row.t));
    if (line && at !== undefined) line[at] = Number(row.v ?? 0);
  }
  return { t, values: series };
}

/** The rollup table (pairs when no destination port is read) with its time and the rollup form of the window. */
function rollupRelation(rollups: FlowRollups, read: Set<string>, start: number | undefined, end: number | undefined, extra: string[], hourly = false): Relation {
  const time = timeTerms('r.hour_start', start, end);
  const tables = hourly || time.length > 0 ? { ports: rollups.ports, pairs: rollups.pairs } : rollupTablesFor(rollups, 'TRUE');
  const table = read.has('dstport') ? tables.ports : tables.pairs;
  return { table, where: [`coalesce(r."log_status", 'OK') NOT IN ('NODATA', 'SKIPDATA')`, ...time, ...extra], time: 'r.hour_start' };
}

/** The time range the series spans: the window asked, narrowed to the records' first and last start. */
async function timeRange(store: Store, start: number | undefined, end: number | undefined): Promise<{ start: number; end: number } | null> {
  const where = timeTerms('"start"', start, end);
  const row = (await store.query(`SELECT min("start") AS lo, max("start") AS hi FROM flows${where.length ? ` WHERE ${where.join(' AND ')}` : ''}`)).rows[0];
  if (row?.lo === null || row?.lo === undefined) return null;
  return { start: Math.max(Number(row.lo), start ?? -Infinity), end: Math.min(Number(row.hi) + 1, end ?? Infinity) };
}

function pickBucket(range: { start: number; end: number } | null, points: number, least: number): number {
  const span = range ? range.end - range.start : 0;
  return BUCKETS.find((b) => b >= least && span / b <= points) ?? (BUCKETS[BUCKETS.length - 1] as number);
}

function metricSql(metric: ExploreMetric, rollups: boolean): string {
  if (metric === 'flows') return rollups ? 'sum(r.flows)::DOUBLE' : 'count(*)::DOUBLE';
  return `coalesce(sum(r.${quoteIdentifier(metric)}), 0)::DOUBLE`;
}

function timeTerms(column: string, start: number | undefined, end: number | undefined): string[] {
  return [...(start === undefined ? [] : [`${column} >= ${sqlLiteral(start)}`]), ...(end === undefined ? [] : [`${column} < ${sqlLiteral(end)}`])];
}

function joinWhere(terms: string[]): string {
  return terms.length > 0 ? terms.join(' AND ') : 'TRUE';
}

function enrichmentLabel(column: EnrichmentColumn): string {
  const side = column.side === 'src' ? 'source' : 'destination';
  return column.source === 'as_name' ? `${side} AS` : column.source === 'country' ? `${side} country` : `${side} AWS service (ip-ranges)`;
}

function dimensionOf(id: string): ExploreDimension {
  const found = EXPLORE_DIMENSIONS.find((d) => d.id === id);
  if (!found) throw new FlowlensError('bad-request', `unknown dimension "${id}"`, { hint: `dimensions: ${EXPLORE_DIMENSIONS.map((d) => d.id).join(', ')}` });
  return found;
}

function toKey(value: unknown, dimension: ExploreDimension): string | number | null {
  if (value === null || value === undefined) return null;
  return dimension.type === 'INTEGER' ? Number(value) : String(value);
}

function clampInteger(value: number, min: number, max: number, name: string): number {
  if (!Number.isInteger(value) || value < min || value > max) throw new FlowlensError('bad-request', `${name} must be an integer from ${min} to ${max}`);
  return value;
}

function wholeSecond(value: number, name: string): number {
  if (!Number.isSafeInteger(value)) throw new FlowlensError('bad-request', `${name} must be whole epoch seconds`);
  return value;
}
