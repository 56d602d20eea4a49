import type { Store } from '../store/index.js';
import { addressRangeSql } from '../sql/addresses.js';
import { sqlLiteral } from '../store/sql-text.js';
import { cidrBounds, parseCidr } from './address-text.js';
import type { GraphScope } from './graph-sql.js';
import { flowCondition, keyedFlowsSql } from './graph-sql.js';
import { ensureFilterEnrichment } from './enrichment-filter.js';
import type { Pseudonymizer } from './pseudonymize.js';
import { pseudonymizeNodeId } from './pseudonymize-graph.js';
import type { NodeKind } from './types.js';
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
  const base = `${keyedFlowsSql(scope)}, sel AS (SELECT * FROM graph_keyed WHERE source = ${node} OR target = ${node})`;
  const totals = await store.query(`${base} SELECT ${TOTALS}, any_value(CASE WHEN source = ${node} THEN source_kind ELSE target_kind END) AS kind FROM sel`);
  const row = totals.rows[0];
  if (!row || Number(row.flows) === 0) return null;
  const peers = await store.query(`${base}
SELECT CASE WHEN source = ${node} THEN target ELSE source END AS id, CASE WHEN source = ${node} THEN target_kind ELSE source_kind END AS kind,
  CASE WHEN source = ${node} THEN 'out' ELSE 'in' END AS direction, ${TOTALS}
FROM sel GROUP BY ALL ORDER BY bytes DESC, flows DESC, id LIMIT ${limit}`);
  const ports = await store.query(`${base}
SELECT protocol, dstport AS port, CASE WHEN target = ${node} THEN 'in' ELSE 'out' END AS direction, ${TOTALS}
FROM sel GROUP BY ALL ORDER BY flows DESC, bytes DESC, port LIMIT ${limit}`);
  const { bucketSeconds, timeline } = await timelineOf(store, base, row);
  const flows = await latestFlows(store, base, limit);
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
}

/** The traffic of one directed edge (real node ids); null when there is none. */
export async function edgeDetails(store: Store, source: string, target: string, scope: GraphScope, options: DetailOptions = {}): Promise<EdgeDetails | null> {
  const limit = options.limit ?? 100;
  const base = `${keyedFlowsSql(scope)}, sel AS (SELECT * FROM graph_keyed WHERE source = ${sqlLiteral(source)} AND target = ${sqlLiteral(target)})`;
  const totals = await store.query(`${base} SELECT ${TOTALS}, any_value(source_kind) AS source_kind, any_value(target_kind) AS target_kind FROM sel`);
  const row = totals.rows[0];
  if (!row || Number(row.flows) === 0) return null;
  const ports = await store.query(`${base} SELECT protocol, dstport AS port, 'in' AS direction, ${TOTALS} FROM sel GROUP BY ALL ORDER BY flows DESC, bytes DESC, port LIMIT ${limit}`);
  const { bucketSeconds, timeline } = await timelineOf(store, base, row);
  const flows = await latestFlows(store, base, limit);
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
}

/** Traffic over time of the selected flows, in about `buckets` buckets of a round width. */
export async function trafficHistogram(store: Store, scope: GraphScope, buckets = 120): Promise<{ bucketSeconds: number; buckets: TrafficBucket[]; min: number | null; max: number | null }> {
  await ensureFilterEnrichment(store, scope);
  const range = await store.query(`SELECT min("start") AS min, max("end") AS max FROM flows WHERE ${flowCondition(scope)}`);
  const min = range.rows[0]?.min as number | null;
  const max = range.rows[0]?.max as number | null;
  if (min === null || max === null || min === undefined || max === undefined) return { bucketSeconds: 60, buckets: [], min: null, max: null };
  const bucketSeconds = roundBucket((max - min) / buckets);
  const result = await store.query(`SELECT ("start" // ${bucketSeconds}) * ${bucketSeconds} AS t, count(*) AS flows, coalesce(sum(bytes), 0)::BIGINT AS bytes,
  count(*) FILTER (WHERE action = 'REJECT') AS rejected FROM flows WHERE ${flowCondition(scope)} GROUP BY t ORDER BY t`);
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

/** A round bucket width (1 min … 1 week) near the wanted one. */
export function roundBucket(seconds: number): number {
  const steps = [60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800];
  return steps.find((s) => s >= seconds) ?? 604800;
}

async function timelineOf(store: Store, base: string, totals: Record<string, unknown>): Promise<{ bucketSeconds: number; timeline: TrafficBucket[] }> {
  const first = Number(totals.first_seen);
  const last = Number(totals.last_seen);
  const bucketSeconds = roundBucket(Number.isFinite(first) && Number.isFinite(last) ? (last - first) / 60 : 60);
  const result = await store.query(`${base} SELECT ("start" // ${bucketSeconds}) * ${bucketSeconds} AS t, count(*) AS flows, coalesce(sum(bytes), 0)::BIGINT AS bytes,
  count(*) FILTER (WHERE action = 'REJECT') AS rejected FROM sel GROUP BY t ORDER BY t`);
  return { bucketSeconds, timeline: result.rows.map(toBucket) };
}

async function latestFlows(store: Store, base: string, limit: number): Promise<FlowRow[]> {
  const result = await store.query(`${base} SELECT "start", "end", interface_id, srcaddr, srcport, dstaddr, dstport, protocol, packets, bytes, action
FROM sel ORDER BY "start" DESC, srcaddr, dstaddr LIMIT ${limit}`);
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

