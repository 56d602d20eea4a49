import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildGraph, graphEdgesSql, loadNameTable, parseNodeMode } from '../../src/graph/index.js';
import type { FlowGraph, NameTable, PublicMode } from '../../src/graph/index.js';
import type { Store } from '../../src/store/index.js';
import { fixtureRecords, fixtureStore, graphFixture } from './fixture.js';
import { referenceGraph } from './reference.js';

let store: Store;
let names: NameTable;

beforeAll(async () => {
  store = await fixtureStore();
  names = await loadNameTable({ names: [graphFixture('names.yaml')] });
});
afterAll(() => store.close());

const edge = (graph: FlowGraph, source: string, target: string) => graph.edges.find((e) => e.source === source && e.target === target);

describe('buildGraph', () => {
  it('builds the ip graph of the fixture: 7 nodes, 13 edges from 16 data records (counted by hand)', async () => {
    const graph = await buildGraph(store, { node: parseNodeMode('ip') });
    expect(graph.records).toBe(16);
    expect(graph.nodes).toHaveLength(7);
    expect(graph.edges).toHaveLength(13);
    expect(graph.totalEdges).toBe(13);
    // Records 3 and 4 are one flow seen at two ENIs: both count.
    expect(edge(graph, '10.0.1.12', '10.0.1.10')).toMatchObject({ flows: 2, bytes: 1000, packets: 10, portCount: 1, ports: [8080], firstSeen: 1700000060, lastSeen: 1700000120 });
    expect(edge(graph, '198.51.100.7', '10.0.2.20')).toMatchObject({ flows: 2, bytes: 80, accepted: 0, rejected: 2, portCount: 2, ports: [22, 3389], protocols: [6] });
    expect(edge(graph, '10.0.1.10', '10.0.0.2')).toMatchObject({ flows: 1, bytes: 70, protocols: [17], ports: [53] });
    const web1 = graph.nodes.find((n) => n.id === '10.0.1.10');
    // 10.0.1.10 touches edges C(2 flows) D(1) F(2) G(1) K(1) L(1) M(1).
    expect(web1).toMatchObject({ kind: 'address', named: false, flows: 9, degree: 7, bytesOut: 2000 + 1200 + 70 + 168, bytesIn: 1000 + 7000 + 130 });
  });

  it.each([
    ['ip', 'keep', false],
    ['ip', 'group', false],
    ['ip', 'keep', true],
    ['ip-port', 'keep', false],
    ['ip-port', 'group', true],
    ['subnet/24', 'keep', false],
    ['subnet/24', 'group', true],
    ['subnet/16', 'keep', false],
    ['subnet/30', 'keep', true],
    ['name', 'keep', true],
    ['name', 'group', false],
  ] as const)('matches a plain-JS aggregation for --node %s --public %s (names: %s)', async (node, publicMode, withNames) => {
    const mode = parseNodeMode(node);
    const graph = await buildGraph(store, { node: mode, publicMode: publicMode as PublicMode, names: withNames ? names : undefined });
    const reference = referenceGraph(fixtureRecords(), mode, withNames ? names : undefined, publicMode);
    expect(graph.edges).toHaveLength(reference.size);
    for (const ref of reference.values()) {
      expect(edge(graph, ref.source, ref.target)).toMatchObject({
        flows: ref.flows, bytes: ref.bytes, packets: ref.packets, accepted: ref.accepted, rejected: ref.rejected,
        portCount: ref.ports.size, firstSeen: ref.firstSeen, lastSeen: ref.lastSeen,
      });
    }
  });

  it('names addresses by longest prefix: 10.0.2.20 is postgres, not db-subnet', async () => {
    const graph = await buildGraph(store, { node: parseNodeMode('ip'), names });
    const ids = graph.nodes.map((n) => n.id).sort();
    expect(ids).toEqual(['10.0.0.2', '10.0.1.10', '10.0.1.11', '198.51.100.7', '203.0.113.5', 'load-balancer-0', 'postgres']);
    expect(graph.nodes.find((n) => n.id === 'postgres')).toMatchObject({ kind: 'name', named: true });
  });

  it('groups public addresses into one internet node', async () => {
    const graph = await buildGraph(store, { node: parseNodeMode('ip'), publicMode: 'group' });
    expect(graph.nodes.map((n) => n.id)).toContain('internet');
    expect(graph.nodes.map((n) => n.id)).not.toContain('203.0.113.5');
    expect(graph.nodes.find((n) => n.id === 'internet')?.kind).toBe('internet');
  });

  it('renders subnets for any prefix length', async () => {
    const graph = await buildGraph(store, { node: parseNodeMode('subnet/20') });
    expect(graph.nodes.map((n) => n.id).sort()).toEqual(['10.0.0.0/20', '198.51.96.0/20', '203.0.112.0/20']);
  });

  it('infers each ENI address from the records it captured in --node eni', async () => {
    const graph = await buildGraph(store, { node: parseNodeMode('eni') });
    expect(graph.nodes.map((n) => `${n.id}:${n.kind}`).sort()).toEqual([
      '10.0.0.2:address', '198.51.100.7:address', '203.0.113.5:address',
      'eni-0a1b2c3d4e5f60001:eni', 'eni-0a1b2c3d4e5f60002:eni', 'eni-0a1b2c3d4e5f60003:eni', 'eni-0a1b2c3d4e5f60004:eni',
    ]);
    expect(edge(graph, 'eni-0a1b2c3d4e5f60001', 'eni-0a1b2c3d4e5f60002')).toMatchObject({ flows: 2, bytes: 1000 });
  });

  it('names ENIs and addresses from describe-network-interfaces output', async () => {
    const enis = await loadNameTable({ enis: [graphFixture('network-interfaces.json')] });
    const byEni = await buildGraph(store, { node: parseNodeMode('eni'), names: enis });
    expect(byEni.nodes.map((n) => n.id).sort()).toEqual(['10.0.0.2', '198.51.100.7', '203.0.113.5', 'alb:web-alb', 'i-0123456789abcdef0', 'rds:eni-0a1b2c3d4e5f60004', 'web-2']);
    const byIp = await buildGraph(store, { node: parseNodeMode('ip'), names: enis });
    expect(edge(byIp, 'alb:web-alb', 'i-0123456789abcdef0')).toMatchObject({ flows: 2 });
  });

  it('filters by time window, action, protocol and port', async () => {
    const rejected = await buildGraph(store, { where: "action = 'REJECT'" });
    expect(rejected.edges.map((e) => `${e.source}>${e.target}`).sort()).toEqual(['198.51.100.7>10.0.1.11', '198.51.100.7>10.0.2.20']);
    const udp = await buildGraph(store, { protocols: [17] });
    expect(udp.edges).toHaveLength(2);
    const ssh = await buildGraph(store, { ports: [22] });
    expect(ssh.records).toBe(2);
    const windowed = await buildGraph(store, { where: '"start" >= 1700000300' });
    expect(windowed.records).toBe(3);
  });

  it('keeps edges with at least --min-flows flows and the --top K by weight', async () => {
    const min2 = await buildGraph(store, { minFlows: 2 });
    expect(min2.edges.map((e) => e.flows)).toEqual([2, 2, 2]);
    expect(min2.totalEdges).toBe(13);
    const top3 = await buildGraph(store, { top: 3, weight: 'bytes' });
    expect(top3.edges.map((e) => e.bytes)).toEqual([7000, 4000, 2000]);
    expect(top3.edges.every((e) => e.weight === e.bytes)).toBe(true);
    const heavy = await buildGraph(store, { minWeight: 1000, weight: 'bytes' });
    expect(heavy.edges.every((e) => e.bytes >= 1000)).toBe(true);
    expect(heavy.edges).toHaveLength(6); // A 1000, B 4000, C 1000, D 2000, F 1200, G 7000
  });

  it('gives the same edges without port lists (the server path)', async () => {
    for (const node of ['ip', 'subnet/24', 'eni']) {
      const full = await buildGraph(store, { node: parseNodeMode(node), names });
      const lean = await buildGraph(store, { node: parseNodeMode(node), names, withPorts: false });
      expect(lean.edges.map(({ ports: _p, protocols: _q, ...rest }) => rest)).toEqual(full.edges.map(({ ports: _p, protocols: _q, ...rest }) => rest));
      expect(lean.nodes).toEqual(full.nodes);
    }
  });

  it('returns an empty graph with counts when nothing matches', async () => {
    const graph = await buildGraph(store, { ports: [9] });
    expect(graph).toMatchObject({ nodes: [], edges: [], records: 0, totalEdges: 0 });
  });

  it('quotes names so SQL text in a name stays data', async () => {
    const { parseNames } = await import('../../src/graph/index.js');
    const tricky = parseNames(`10.0.1.12: "o'brien\\"; DROP TABLE flows; --"`, 'yaml');
    const graph = await buildGraph(store, { names: tricky });
    expect(graph.nodes.map((n) => n.id)).toContain(`o'brien"; DROP TABLE flows; --`);
    expect(graphEdgesSql({ names: tricky })).toContain(`'o''brien`);
  });
});
