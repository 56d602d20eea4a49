import type { NodeKind } from './types.js';

/** Traffic totals of a node or an edge. */
export interface TrafficTotals {
  flows: number;
  bytes: number;
  packets: number;
  accepted: number;
  rejected: number;
  firstSeen: number | null;
  lastSeen: number | null;
}

/** One bucket of traffic over time (`t` = bucket start, epoch seconds). */
export interface TrafficBucket {
  t: number;
  flows: number;
  bytes: number;
  rejected: number;
}

/** Flows by destination port and protocol. */
export interface PortTraffic {
  protocol: number | null;
  port: number | null;
  direction: 'in' | 'out';
  flows: number;
  bytes: number;
  rejected: number;
}

/** A neighbour of a node with the traffic in one direction. */
export interface PeerTraffic {
  id: string;
  kind: NodeKind;
  direction: 'in' | 'out';
  flows: number;
  bytes: number;
  rejected: number;
}

/** One flow record as the details panel shows it. */
export interface FlowRow {
  start: number | null;
  end: number | null;
  interfaceId: string | null;
  srcaddr: string | null;
  srcport: number | null;
  dstaddr: string | null;
  dstport: number | null;
  protocol: number | null;
  packets: number | null;
  bytes: number | null;
  action: string | null;
}

/** Everything about one node: totals, peers, ports, traffic over time and its latest flows. */
export interface NodeDetails {
  id: string;
  kind: NodeKind;
  totals: TrafficTotals;
  peers: PeerTraffic[];
  ports: PortTraffic[];
  timeline: TrafficBucket[];
  bucketSeconds: number;
  flows: FlowRow[];
}

/** Everything about one edge: totals, ports, traffic over time and its latest flows. */
export interface EdgeDetails {
  source: string;
  target: string;
  totals: TrafficTotals;
  ports: PortTraffic[];
  timeline: TrafficBucket[];
  bucketSeconds: number;
  flows: FlowRow[];
}

/** A search hit: a node id (in the scope's node mode) and what matched. */
export interface SearchHit {
  id: string;
  kind: NodeKind;
  match: string;
}

