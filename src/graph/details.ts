import type { QueryResult, Store } from '../store/index.js';
import { addressInRangesSql, addressRangeSql } from '../sql/addresses.js';
import { quoteIdentifier, sqlLiteral } from '../store/sql-text.js';
import { cidrBounds, parseCidr } from './address-text.js';
import type { GraphScope } from './graph-sql.js';
import { flowCondition, keyedFlowsSql, rollupScope } from './graph-sql.js';
import { ensureFilterEnrichment } from './enrichment-filter.js';
import { readRollups, ROLLUP_SECONDS } from '../store/rollups.js';
import type { Pseudonymizer } from './pseudonymize.js';
import { pseudonymizeNodeId } from './pseudonymize-graph.js';
import type { NodeKind, NodeMode } from './types.js';
import type { EdgeDetails, FlowRow, NodeDetails, PortTraffic, SearchHit, TrafficBucket, TrafficTotals } from './detail-types.js';

/** Options of the detail queries: row limits and an optional pseudonymizer for what is returned. */
export interface DetailOptions {
  limit?: number;
  pseudonymizer?: Pseudonymizer | undefined;
}

const TOTALS = `count(*) AS flows, coalesce(sum(bytes), 0)::BIGINT AS bytes, coalesce(sum(packets), 0)::BIGINT AS packets,
  count(*) FILTER (WHERE action = 'ACCEPT') AS accepted, count(*) FILTER (WHERE action = 'REJECT') AS rejected,
  min("start") AS first_seen, max("end") AS last_seen`;

/** The traffic of one node (by its real id in the scope's node mode); null when no selected flow touches it. */
export async function nodeDetails(store: Store, id: string, scope: GraphScope, options: DetailOptions = {}): Promise<NodeDetails | null> {
  const limit = options.limit ?? 100;
  const node = sqlLiteral(id);
  const condition = `source = ${node} OR target = ${node}`;
  const read = async (queries: DetailQueries): Promise<NodeDetails | null> => {
    const totals = await queries.totals(`any_value(CASE WHEN source = ${node} THEN source_kind ELSE target_kind END) AS kind`);
    const row = totals.rows[0];
    if (!row || Number(row.flows) === 0) return null;
    const peers = await queries.grouped(`CASE WHEN source = ${node} THEN target ELSE source END AS id, CASE WHEN source = ${node} THEN target_kind ELSE source_kind END AS kind,
  CASE WHEN source = ${node} THEN 'out' ELSE 'in' END AS direction`, `ORDER BY bytes DESC, flows DESC, id LIMIT ${limit}`);
    const ports = await queries.ports((target) => `CASE WHEN ${target} = ${node} THEN 'in' ELSE 'out' END`, limit);
    const { bucketSeconds, timeline } = await queries.timeline(row);
    const flows = await queries.latest(limit);
    const p = options.pseudonymizer;
    const kind = row.kind as NodeKind;
    return {
      id: p ? pseudonymizeNodeId(id, kind, p) : id,
      kind,
      totals: toTotals(row),
      peers: peers.rows.map((r) => ({
        id: p ? pseudonymizeNodeId(String(r.id), r.kind as NodeKind, p) : String(r.id),
        kind: r.kind as NodeKind,
        direction: r.direction as 'in' | 'out',
        flows: Number(r.flows),
        bytes: Number(r.bytes),
        rejected: Number(r.rejected),
      })),
      ports: ports.rows.map(toPort),
      timeline,
      bucketSeconds,
      flows: flows.map((f) => (p ? pseudonymizeFlow(f, p) : f)),
    };
  };
  return withSelection(store, scope, [id], condition, read);
}

/** The traffic of one directed edge (real node ids); null when there is none. */
export async function edgeDetails(store: Store, source: string, target: string, scope: GraphScope, options: DetailOptions = {}): Promise<EdgeDetails | null> {
  const limit = options.limit ?? 100;
  const condition = `source = ${sqlLiteral(source)} AND target = ${sqlLiteral(target)}`;
  return withSelection(store, scope, [source, target], condition, async (queries) => {
    const totals = await queries.totals('any_value(source_kind) AS source_kind, any_value(target_kind) AS target_kind');
    const row = totals.rows[0];
    if (!row || Number(row.flows) === 0) return null;
    const ports = await queries.ports(() => `'in'`, limit);
    const { bucketSeconds, timeline } = await queries.timeline(row);
    const flows = await queries.latest(limit);
    const p = options.pseudonymizer;
    return {
      source: p ? pseudonymizeNodeId(source, row.source_kind as NodeKind, p) : source,
      target: p ? pseudonymizeNodeId(target, row.target_kind as NodeKind, p) : target,
      totals: toTotals(row),
      ports: ports.rows.map(toPort),
      timeline,
      bucketSeconds,
      flows: flows.map((f) => (p ? pseudonymizeFlow(f, p) : f)),
    };
  });
}

/**
 * Traffic over time of the selected flows, in about `buckets` buckets of a round width: every data record of the
 * selection counts (AWS writes addresses on every record whose log status is OK).
 */
export async function trafficHistogram(store: Store, scope: GraphScope, buckets = 120): Promise<{ bucketSeconds: number; buckets: TrafficBucket[]; min: number | null; max: number | null }> {
  await ensureFilterEnrichment(store, scope);
  const condition = flowCondition(scope, { addresses: false });
  const range = await store.query(`SELECT min("start") AS min, max("end") AS max FROM flows WHERE ${condition}`);
  const min = range.rows[0]?.min as number | null;
  const max = range.rows[0]?.max as number | null;
  if (min === null || max === null || min === undefined || max === undefined) return { bucketSeconds: 60, buckets: [], min: null, max: null };
  const bucketSeconds = roundBucket((max - min) / buckets);
  const result = await store.query(`SELECT ("start" // ${bucketSeconds}) * ${bucketSeconds} AS t, count(*) AS flows, coalesce(sum(bytes), 0)::BIGINT AS bytes,
  count(*) FILTER (WHERE action = 'REJECT') AS rejected FROM flows WHERE ${condition} GROUP BY t ORDER BY t`);
  return { bucketSeconds, buckets: result.rows.map(toBucket), min, max };
}

/** Finds nodes by name (substring), address or CIDR (nodes containing it) or address prefix text. */
export async function searchNodes(store: Store, query: string, scope: GraphScope, options: DetailOptions & { names?: string[] } = {}): Promise<SearchHit[]> {
  const limit = options.limit ?? 20;
  const q = query.trim();
  if (q === '') return [];
  const hits: SearchHit[] = [];
  const lower = q.toLowerCase();
  for (const name of new Set(options.names ?? [])) if (name.toLowerCase().includes(lower)) hits.push({ id: name, kind: 'name', match: name });
  const p = options.pseudonymizer;
  const cidr = parseCidr(q);
  let condition: (side: 'src' | 'dst') => string;
  if (cidr) {
    let { low, high } = cidrBounds(cidr);
    if (p) {
      // The user searches pseudonyms: reveal the network (prefix-preserving, so the range maps to one range).
      const width = cidr.v4 ? 32 : 128;
      const hostMask = (1n << BigInt(width - cidr.prefix)) - 1n;
      low = p.reveal(low) & ~hostMask;
      high = low | hostMask;
    }
    condition = (side) => addressRangeSql(`${side}_ip`, low, high);
  } else if (!p && /^[0-9a-f.:]+$/i.test(q)) {
    condition = (side) => `starts_with(${side}addr, ${sqlLiteral(q)})`;
  } else {
    return hits.slice(0, limit);
  }
  const result = await store.query(`${keyedFlowsSql(scope)}
SELECT id, kind, match FROM (
  SELECT source AS id, source_kind AS kind, srcaddr AS match FROM graph_keyed WHERE ${condition('src')}
  UNION SELECT target, target_kind, dstaddr FROM graph_keyed WHERE ${condition('dst')}
) GROUP BY id, kind, match ORDER BY id, match LIMIT ${limit * 5}`);
  const seen = new Set(hits.map((h) => h.id));
  for (const r of result.rows) {
    const kind = r.kind as NodeKind;
    const id = p ? pseudonymizeNodeId(String(r.id), kind, p) : String(r.id);
    if (seen.has(id)) continue;
    seen.add(id);
    hits.push({ id, kind, match: p ? p.address(String(r.match)) : String(r.match) });
  }
  return hits.slice(0, limit);
}

let selectionSerial = 0;

/** The detail queries over one selection: totals, sums grouped by keys, port sums, and a WITH clause of its flows (`sel`). */
interface DetailQueries {
  totals(extra: string): Promise<QueryResult>;
  grouped(keys: string, tail: string): Promise<QueryResult>;
  /** Port sums; `direction` gives the SQL of 'in'/'out' from the target column's name. */
  ports(direction: (target: string) => string, limit: number): Promise<QueryResult>;
  timeline(totals: Record<string, unknown>): Promise<{ bucketSeconds: number; timeline: TrafficBucket[] }>;
  latest(limit: number): Promise<FlowRow[]>;
}

/**
 * Keys the scope's traffic once into a temporary table of the rows whose source/target match `condition`, and runs
 * `read` with queries over it. With up-to-date rollups that fit the scope (rollupScope), the table holds keyed address
 * pairs from the pair rollup, ports come from the port rollup, and only the timeline and the latest flows read the
 * records (of those pairs); otherwise the table holds the keyed records themselves.
 */
async function withSelection<T>(store: Store, scope: GraphScope, ids: readonly string[], condition: string, read: (queries: DetailQueries) => Promise<T>): Promise<T> {
  const table = quoteIdentifier(`graph_detail_${++selectionSerial}`);
  const rollups = scope.rollups ?? (await readRollups(store));
  const rollup = rollupScope({ ...scope, rollups });
  const addresses = addressNarrowing(scope, ids);
  const narrowed = addresses === undefined ? scope : { ...scope, where: `(${scope.where ?? 'TRUE'}) AND (${addresses})` };
  // Node keys depend on the addresses alone in the modes rollups serve: the keyed pairs select the records.
  const pairRecords = (since?: number): string => `WITH sel AS (SELECT f.* FROM flows f
  SEMI JOIN (SELECT DISTINCT src_ip, dst_ip FROM ${table}) p ON f.src_ip = p.src_ip AND f.dst_ip = p.dst_ip
  WHERE ${flowCondition(narrowed)}${since === undefined ? '' : ` AND f."start" >= ${Math.trunc(since)}`})`;
  // The hourly pair rollup rows of the keyed pairs.
  const hourly = rollup && rollups ? `(SELECT r.* FROM ${quoteIdentifier(rollups.pairs)} r SEMI JOIN ${table} p
  ON r.src_ip = p.src_ip AND r.dst_ip = p.dst_ip AND r.protocol IS NOT DISTINCT FROM p.protocol WHERE ${rollup.condition})` : '';
  const sums = `sum(flows)::BIGINT AS flows, coalesce(sum(bytes), 0)::BIGINT AS bytes, coalesce(sum(packets), 0)::BIGINT AS packets,
  sum(accepted)::BIGINT AS accepted, sum(rejected)::BIGINT AS rejected, min(first_seen) AS first_seen, max(last_seen) AS last_seen`;
  // The selection's hourly sums, read once for the timeline and the latest flows.
  let hourRows: Promise<HourSums[]> | undefined;
  const hours = (): Promise<HourSums[]> =>
    (hourRows ??= store.query(`SELECT hour_start AS t, sum(flows)::BIGINT AS flows, coalesce(sum(bytes), 0)::BIGINT AS bytes,
  coalesce(sum(flows) FILTER (WHERE "action" = 'REJECT'), 0)::BIGINT AS rejected FROM ${hourly} GROUP BY hour_start ORDER BY hour_start`).then((r) =>
      r.rows.map((row) => ({ t: Number(row.t), flows: Number(row.flows), bytes: BigInt(row.bytes as bigint | number), rejected: Number(row.rejected) })),
    ));
  try {
    if (rollup) {
      await store.run(`CREATE TEMP TABLE ${table} AS ${keyedFlowsSql({ ...scope, rollups }, 'rollup', addresses)}
SELECT source, source_kind, target, target_kind, src_ip, dst_ip, protocol, flows, bytes, packets, accepted, rejected, first_seen, last_seen FROM graph_keyed WHERE ${condition}`);
      return await read({
        totals: (extra) => store.query(`SELECT ${sums}, ${extra} FROM ${table}`),
        grouped: (keys, tail) => store.query(`SELECT ${keys}, ${sums} FROM ${table} GROUP BY ALL ${tail}`),
        ports: (direction, limit) => store.query(`SELECT r.protocol, r.dstport AS port, ${direction('p.target')} AS direction,
  sum(r.flows)::BIGINT AS flows, coalesce(sum(r.bytes), 0)::BIGINT AS bytes, coalesce(sum(r.flows) FILTER (WHERE r."action" = 'REJECT'), 0)::BIGINT AS rejected
FROM (SELECT * FROM ${rollup.ports} WHERE ${rollup.condition}) r
  JOIN ${table} p ON r.src_ip = p.src_ip AND r.dst_ip = p.dst_ip AND r.protocol IS NOT DISTINCT FROM p.protocol
GROUP BY ALL ORDER BY flows DESC, bytes DESC, port LIMIT ${limit}`),
        timeline: async (totals) => {
          const bucketSeconds = timelineBucket(totals, true);
          if (bucketSeconds % ROLLUP_SECONDS !== 0) return timelineOf(store, pairRecords(), bucketSeconds);
          return { bucketSeconds, timeline: bucketHours(await hours(), bucketSeconds) };
        },
        latest: async (limit) => {
          // The latest hours holding `limit` flows hold the latest `limit` flows: only their records are read.
          const rows = await hours();
          let count = 0;
          let since: number | undefined;
          for (let i = rows.length - 1; i >= 0; i--) {
            since = rows[i]!.t;
            count += rows[i]!.flows;
            if (count >= limit) break;
          }
          return latestFlows(store, pairRecords(since), limit);
        },
      });
    }
    await store.run(`CREATE TEMP TABLE ${table} AS ${keyedFlowsSql(narrowed)} SELECT * FROM graph_keyed WHERE ${condition}`);
    const base = `WITH sel AS (SELECT * FROM ${table})`;
    return await read({
      totals: (extra) => store.query(`${base} SELECT ${TOTALS}, ${extra} FROM sel`),
      grouped: (keys, tail) => store.query(`${base} SELECT ${keys}, ${TOTALS} FROM sel GROUP BY ALL ${tail}`),
      ports: (direction, limit) => store.query(`${base} SELECT protocol, dstport AS port, ${direction('target')} AS direction, ${TOTALS}
FROM sel GROUP BY ALL ORDER BY flows DESC, bytes DESC, port LIMIT ${limit}`),
      timeline: (totals) => timelineOf(store, base, timelineBucket(totals, false)),
      latest: (limit) => latestFlows(store, base, limit),
    });
  } finally {
    await store.run(`DROP TABLE IF EXISTS ${table}`);
  }
}

/**
 * A condition on src_ip/dst_ip true for every flow whose addresses can give one of the node ids (in ip, ip-port, subnet
 * and name modes: the address, endpoint address or subnet the id names, and the ranges of a known name); the keys still
 * decide. Undefined when an id can come from any address ("internet", "unnamed", ENI nodes).
 */
function addressNarrowing(scope: GraphScope, ids: readonly string[]): string | undefined {
  const mode = scope.node ?? { kind: 'ip' };
  if (mode.kind === 'eni') return undefined;
  const ranges: { low: bigint; high: bigint }[] = [];
  for (const id of ids) {
    const named = (scope.names?.entries ?? []).filter((e) => e.name === id);
    const own = addressOfId(id, mode.kind);
    if (named.length === 0 && own === null) return undefined;
    ranges.push(...named, ...(own ? [own] : []));
  }
  if (ranges.length === 0 || ranges.length > 64) return undefined;
  const any = (column: string): string => addressInRangesSql(column, ranges);
  return `${any('src_ip')} OR ${any('dst_ip')}`;
}

/** The address range a node id stands for in a node mode (an address, an endpoint's address, a subnet), or null. */
function addressOfId(id: string, mode: NodeMode['kind']): { low: bigint; high: bigint } | null {
  let text = id;
  if (mode === 'ip-port') text = /^\[(.+)\]:\d+$/.exec(id)?.[1] ?? /^([\d.]+):\d+$/.exec(id)?.[1] ?? id;
  if (mode !== 'subnet' && text.includes('/')) return null;
  const cidr = parseCidr(text);
  return cidr ? cidrBounds(cidr) : null;
}

/** Sums of one hour of the hourly pair rollup (bytes exact). */
interface HourSums {
  t: number;
  flows: number;
  bytes: bigint;
  rejected: number;
}

/** Hourly sums summed into buckets of a whole number of hours, in time order. */
function bucketHours(hours: readonly HourSums[], bucketSeconds: number): TrafficBucket[] {
  const buckets: { t: number; flows: number; bytes: bigint; rejected: number }[] = [];
  for (const h of hours) {
    const t = Math.floor(h.t / bucketSeconds) * bucketSeconds;
    const last = buckets[buckets.length - 1];
    if (last?.t === t) {
      last.flows += h.flows;
      last.bytes += h.bytes;
      last.rejected += h.rejected;
    } else buckets.push({ t, flows: h.flows, bytes: h.bytes, rejected: h.rejected });
  }
  return buckets.map((b) => ({ t: b.t, flows: b.flows, bytes: Number(b.bytes), rejected: b.rejected }));
}

/** A round bucket width (1 min … 1 week) near the wanted one. */
export function roundBucket(seconds: number): number {
  const steps = [60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800];
  return steps.find((s) => s >= seconds) ?? 604800;
}

/**
 * The timeline's bucket width: about 60 buckets over the traffic's span, and whole hours when the span is 18 hours or
 * more and the hourly rollups answer (at least 18 points, without reading the records).
 */
function timelineBucket(totals: Record<string, unknown>, hourly: boolean): number {
  const first = Number(totals.first_seen);
  const last = Number(totals.last_seen);
  const span = Number.isFinite(first) && Number.isFinite(last) ? last - first : 0;
  const bucket = roundBucket(span > 0 ? span / 60 : 60);
  return hourly && span >= 18 * ROLLUP_SECONDS ? Math.max(bucket, ROLLUP_SECONDS) : bucket;
}

async function timelineOf(store: Store, base: string, bucketSeconds: number): Promise<{ bucketSeconds: number; timeline: TrafficBucket[] }> {
  const result = await store.query(`${base} SELECT ("start" // ${bucketSeconds}) * ${bucketSeconds} AS t, count(*) AS flows, coalesce(sum(bytes), 0)::BIGINT AS bytes,
  count(*) FILTER (WHERE action = 'REJECT') AS rejected FROM sel GROUP BY t ORDER BY t`);
  return { bucketSeconds, timeline: result.rows.map(toBucket) };
}

async function latestFlows(store: Store, base: string, limit: number): Promise<FlowRow[]> {
  const result = await store.query(`${base} SELECT "start", "end", interface_id, srcaddr, srcport, dstaddr, dstport, protocol, packets, bytes, action
FROM sel ORDER BY "start" DESC, srcaddr, dstaddr, interface_id, srcport, dstport, "end", bytes LIMIT ${limit}`);
  return result.rows.map((r) => ({
    start: num(r.start), end: num(r.end), interfaceId: str(r.interface_id), srcaddr: str(r.srcaddr), srcport: num(r.srcport),
    dstaddr: str(r.dstaddr), dstport: num(r.dstport), protocol: num(r.protocol), packets: num(r.packets), bytes: num(r.bytes), action: str(r.action),
  }));
}

function pseudonymizeFlow(flow: FlowRow, p: Pseudonymizer): FlowRow {
  return {
    ...flow,
    srcaddr: flow.srcaddr === null ? null : p.address(flow.srcaddr),
    dstaddr: flow.dstaddr === null ? null : p.address(flow.dstaddr),
    interfaceId: flow.interfaceId === null ? null : p.token(flow.interfaceId),
  };
}

function toTotals(row: Record<string, unknown>): TrafficTotals {
  return {
    flows: Number(row.flows), bytes: Number(row.bytes), packets: Number(row.packets), accepted: Number(row.accepted),
    rejected: Number(row.rejected), firstSeen: num(row.first_seen), lastSeen: num(row.last_seen),
  };
}

function toPort(row: Record<string, unknown>): PortTraffic {
  return { protocol: num(row.protocol), port: num(row.port), direction: row.direction as 'in' | 'out', flows: Number(row.flows), bytes: Number(row.bytes), rejected: Number(row.rejected) };
}

function toBucket(row: Record<string, unknown>): TrafficBucket {
  return { t: Number(row.t), flows: Number(row.flows), bytes: Number(row.bytes), rejected: Number(row.rejected) };
}

function num(value: unknown): number | null {
  return value === null || value === undefined ? null : Number(value);
}

function str(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value);
}

