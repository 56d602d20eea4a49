import type { Store } from '../store/index.js';
import { readRollups } from '../store/rollups.js';
import { nodeModeEnrichment } from './node-mode.js';
import { ensureFilterEnrichment } from './enrichment-filter.js';
import type { EdgeSqlOptions, GraphScope } from './graph-sql.js';
import { graphEdgesSql } from './graph-sql.js';
import type { Pseudonymizer } from './pseudonymize.js';
import { pseudonymizeNodeId } from './pseudonymize-graph.js';
import type { EdgeWeight, FlowGraph, GraphEdge, GraphNode, NodeKind } from './types.js';

/** Options of buildGraph: which flows, how they become nodes, which edges are kept, and optional pseudonymization. */
export interface BuildGraphOptions extends GraphScope, EdgeSqlOptions {
  pseudonymizer?: Pseudonymizer | undefined;
  /** false: read the flows table even when the store has up-to-date rollups (for comparisons). */
  useRollups?: boolean | undefined;
}

/** Builds the who-talks-to-whom graph from the store's flows table with one SQL query. */
export async function buildGraph(store: Store, options: BuildGraphOptions = {}): Promise<FlowGraph> {
  // Up-to-date rollups answer most graphs from per-hour address-pair sums instead of every flow.
  const rollups = options.useRollups === false ? undefined : (options.rollups ?? (await readRollups(store)));
  const scope = { ...options, rollups };
  const enrichment = nodeModeEnrichment(options.node);
  await ensureFilterEnrichment(store, options, enrichment ? [enrichment] : []);
  const result = await store.query(graphEdgesSql(scope, options));
  const weight = options.weight ?? 'flows';
  const kinds = new Map<string, NodeKind>();
  let totalEdges = 0;
  let records = 0;
  const edges: GraphEdge[] = result.rows.map((row) => {
    kinds.set(String(row.source), row.source_kind as NodeKind);
    kinds.set(String(row.target), row.target_kind as NodeKind);
    totalEdges = Number(row.total_edges);
    records = Number(row.total_records);
    return toEdge(row, weight);
  });
  if (result.rows.length === 0) {
    const { keyedFlowsSql } = await import('./graph-sql.js');
    const counts = await store.query(`${keyedFlowsSql(options)} SELECT (SELECT count(*) FROM graph_sel) AS records,
      (SELECT count(*) FROM (SELECT DISTINCT source, target FROM graph_keyed)) AS edges`);
    records = Number(counts.rows[0]?.records ?? 0);
    totalEdges = Number(counts.rows[0]?.edges ?? 0);
  }
  const graph: FlowGraph = { nodes: nodesOf(edges, kinds), edges, totalEdges, records, weight };
  return options.pseudonymizer ? pseudonymizeGraph(graph, options.pseudonymizer).graph : graph;
}

/** Replaces node ids by pseudonyms (names, "internet" and "unnamed" stay); returns the graph and pseudonym → original id. */
export function pseudonymizeGraph(graph: FlowGraph, pseudonymizer: Pseudonymizer): { graph: FlowGraph; originals: Map<string, string> } {
  const mapping = new Map<string, string>();
  const originals = new Map<string, string>();
  for (const node of graph.nodes) {
    const pseudo = pseudonymizeNodeId(node.id, node.kind, pseudonymizer);
    mapping.set(node.id, pseudo);
    originals.set(pseudo, node.id);
  }
  const rename = (id: string): string => mapping.get(id) ?? id;
  return {
    graph: {
      ...graph,
      nodes: graph.nodes.map((node) => ({ ...node, id: rename(node.id) })),
      edges: graph.edges.map((edge) => ({ ...edge, source: rename(edge.source), target: rename(edge.target) })),
    },
    originals,
  };
}

/** Sums each node's traffic over the kept edges. */
function nodesOf(edges: readonly GraphEdge[], kinds: Map<string, NodeKind>): GraphNode[] {
  const nodes = new Map<string, GraphNode>();
  const node = (id: string): GraphNode => {
    let found = nodes.get(id);
    if (!found) {
      const kind = kinds.get(id) ?? 'address';
      found = { id, kind, named: kind === 'name', flows: 0, bytes: 0, packets: 0, bytesOut: 0, bytesIn: 0, rejected: 0, degree: 0 };
      nodes.set(id, found);
    }
    return found;
  };
  for (const edge of edges) {
    const source = node(edge.source);
    const target = node(edge.target);
    for (const end of edge.source === edge.target ? [source] : [source, target]) {
      end.flows += edge.flows;
      end.bytes += edge.bytes;
      end.packets += edge.packets;
      end.rejected += edge.rejected;
      end.degree += 1;
    }
    source.bytesOut += edge.bytes;
    target.bytesIn += edge.bytes;
  }
  return [...nodes.values()];
}

function toEdge(row: Record<string, unknown>, weight: EdgeWeight): GraphEdge {
  const ports = [...new Set(((row.ports as (number | null)[] | null) ?? []).filter((p): p is number => p !== null))].slice(0, 10);
  const edge: GraphEdge = {
    source: String(row.source),
    target: String(row.target),
    flows: Number(row.flows),
    bytes: Number(row.bytes),
    packets: Number(row.packets),
    accepted: Number(row.accepted),
    rejected: Number(row.rejected),
    portCount: Number(row.port_count),
    ports,
    protocols: ((row.protocols as number[] | null) ?? []).map(Number),
    firstSeen: Number(row.first_seen),
    lastSeen: Number(row.last_seen),
    weight: 0,
  };
  edge.weight = edge[weight];
  return edge;
}
