/** How flows' endpoints become graph nodes. */
export type NodeMode =
  | { kind: 'ip' }
  | { kind: 'ip-port' }
  | { kind: 'eni' }
  | { kind: 'subnet'; prefix: number; prefix6: number }
  | { kind: 'name' }
  /** Public addresses grouped by their autonomous system, country or AWS service (flowlens enrich); private ones stay addresses. */
  | { kind: 'asn' }
  | { kind: 'country' }
  | { kind: 'service' };

/** What a node stands for: a name, an ENI, the grouped internet, an address, an address and port, a subnet, or unnamed addresses (name mode). */
export type NodeKind = 'name' | 'eni' | 'internet' | 'address' | 'endpoint' | 'subnet' | 'unnamed' | 'asn' | 'country' | 'service';

/** The edge measure that `--top` ranks by and that the page draws as edge width. */
export type EdgeWeight = 'flows' | 'bytes' | 'packets';

/** What public (non-private) addresses become: one "internet" node, or their own nodes. */
export type PublicMode = 'group' | 'keep';

/** A graph node with its traffic totals over the edges kept in the graph. */
export interface GraphNode {
  id: string;
  kind: NodeKind;
  /** True when a names file or AWS enrichment named the node. */
  named: boolean;
  flows: number;
  bytes: number;
  packets: number;
  bytesOut: number;
  bytesIn: number;
  rejected: number;
  degree: number;
}

/** A directed edge: the flows from one node to another, aggregated. */
export interface GraphEdge {
  source: string;
  target: string;
  flows: number;
  bytes: number;
  packets: number;
  accepted: number;
  rejected: number;
  /** Number of distinct destination ports. */
  portCount: number;
  /** The most used destination ports (at most 10), most flows first. */
  ports: number[];
  protocols: number[];
  /** Earliest `start` and latest `end` (epoch seconds). */
  firstSeen: number;
  lastSeen: number;
  /** The value of the chosen weight measure. */
  weight: number;
}

/** A built graph with the options that shaped it. */
export interface FlowGraph {
  nodes: GraphNode[];
  edges: GraphEdge[];
  /** Edges before --min-flows/--min-weight/--top were applied. */
  totalEdges: number;
  /** Flow records that went into the graph. */
  records: number;
  weight: EdgeWeight;
}
