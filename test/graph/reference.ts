import { addressToBigInt, isPrivateAddress } from '../../src/records/index.js';
import type { FlowRecord } from '../../src/records/index.js';
import { bigIntToAddress, lookupName } from '../../src/graph/index.js';
import type { NameTable, NodeMode, PublicMode } from '../../src/graph/index.js';

/** A reference edge: what the graph SQL must compute, aggregated in plain JS. */
export interface RefEdge {
  source: string;
  target: string;
  flows: number;
  bytes: number;
  packets: number;
  accepted: number;
  rejected: number;
  ports: Set<number>;
  firstSeen: number;
  lastSeen: number;
}

/** Groups records into edges by a JS node-key function (ip, ip-port, subnet/NN and name modes). */
export function referenceGraph(records: readonly FlowRecord[], mode: NodeMode, names: NameTable | undefined, publicMode: PublicMode): Map<string, RefEdge> {
  const edges = new Map<string, RefEdge>();
  for (const r of records) {
    const source = refKey(String(r.srcaddr), r.srcport as number | null, mode, names, publicMode);
    const target = refKey(String(r.dstaddr), r.dstport as number | null, mode, names, publicMode);
    const id = `${source} -> ${target}`;
    let edge = edges.get(id);
    if (!edge) {
      edge = { source, target, flows: 0, bytes: 0, packets: 0, accepted: 0, rejected: 0, ports: new Set(), firstSeen: Infinity, lastSeen: -Infinity };
      edges.set(id, edge);
    }
    edge.flows++;
    edge.bytes += Number(r.bytes ?? 0);
    edge.packets += Number(r.packets ?? 0);
    if (r.action === 'ACCEPT') edge.accepted++;
    if (r.action === 'REJECT') edge.rejected++;
    if (r.dstport !== null) edge.ports.add(Number(r.dstport));
    edge.firstSeen = Math.min(edge.firstSeen, Number(r.start));
    edge.lastSeen = Math.max(edge.lastSeen, Number(r.end));
  }
  return edges;
}

function refKey(address: string, port: number | null, mode: NodeMode, names: NameTable | undefined, publicMode: PublicMode): string {
  const value = addressToBigInt(address) as bigint;
  const name = names ? lookupName(names, value) : undefined;
  if (name !== undefined) return name;
  if (publicMode === 'group' && !isPrivateAddress(address)) return 'internet';
  switch (mode.kind) {
    case 'ip-port':
      return port === null ? address : address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
    case 'subnet': {
      const v4 = !address.includes(':');
      const width = v4 ? 32 : 128;
      const prefix = v4 ? mode.prefix : mode.prefix6;
      const hostMask = (1n << BigInt(width - prefix)) - 1n;
      return `${bigIntToAddress(value & ~hostMask)}/${prefix}`;
    }
    case 'name':
      return isPrivateAddress(address) ? 'unnamed' : address;
    default:
      return address;
  }
}
