import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { exportBlocks, renderVisNetwork, writeExport } from '../../src/graph/index.js';
import type { FlowGraph, GraphEdge, GraphNode } from '../../src/graph/index.js';

const dir = mkdtempSync(join(tmpdir(), 'flowlens-graph-blocks-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const count = fc.nat({ max: 1e12 });
const node = fc.record<GraphNode>({
  id: fc.string({ unit: 'grapheme', maxLength: 12 }),
  kind: fc.constantFrom('address', 'internet', 'name'),
  named: fc.boolean(),
  flows: count,
  bytes: count,
  packets: count,
  bytesOut: count,
  bytesIn: count,
  rejected: count,
  degree: fc.nat(1000),
}) as fc.Arbitrary<GraphNode>;
const edge = fc.record<GraphEdge>({
  source: fc.string({ maxLength: 12 }),
  target: fc.string({ maxLength: 12 }),
  flows: count,
  bytes: count,
  packets: count,
  accepted: count,
  rejected: count,
  portCount: fc.nat(65535),
  ports: fc.array(fc.nat(65535), { maxLength: 10 }),
  protocols: fc.array(fc.nat(255), { maxLength: 3 }),
  firstSeen: count,
  lastSeen: count,
  weight: fc.double({ noNaN: true, noDefaultInfinity: true }),
});
const graph = fc.record<FlowGraph>({
  nodes: fc.array(node, { maxLength: 8 }),
  edges: fc.array(edge, { maxLength: 8 }),
  totalEdges: fc.nat(),
  records: fc.nat(),
  weight: fc.constant('bytes'),
}) as fc.Arbitrary<FlowGraph>;

// The whole-text renderings the block writers must reproduce byte for byte.
const referenceJson = (g: FlowGraph): string =>
  `${JSON.stringify({ nodes: g.nodes, edges: g.edges.map(({ source, target, ...rest }) => ({ src: source, dst: target, count: rest.flows, ...rest })) }, null, 2)}\n`;

// A graph of many nodes and edges with the same shape, for block sizes.
function bigGraph(n: number): FlowGraph {
  const nodes: GraphNode[] = Array.from({ length: n }, (_, i) => ({ id: `10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`, kind: 'address', named: false, flows: i, bytes: i * 10, packets: i, bytesOut: i, bytesIn: i, rejected: 0, degree: 1 }));
  const edges: GraphEdge[] = nodes.slice(1).map((to, i) => ({ source: nodes[i]?.id as string, target: to.id, flows: i, bytes: i, packets: i, accepted: i, rejected: i % 2, portCount: 1, ports: [443], protocols: [6], firstSeen: 1, lastSeen: 2, weight: i }));
  return { nodes, edges, totalEdges: edges.length, records: n, weight: 'bytes' };
}

describe('graph export blocks', () => {
  it('give the JSON export JSON.stringify(…, null, 2) gives, for any graph', () => {
    fc.assert(
      fc.property(graph, (g) => {
        expect([...exportBlocks(g, 'json')].join('')).toBe(referenceJson(g));
      }),
    );
  });

  it('give the vis-network export a parser reads back as its nodes and edges, for any graph', () => {
    fc.assert(
      fc.property(graph, (g) => {
        const text = renderVisNetwork(g);
        const parsed = JSON.parse(text) as { nodes: { id: string }[]; edges: { from: string; to: string }[] };
        expect(parsed.nodes.map((n) => n.id)).toEqual(g.nodes.map((n) => n.id));
        expect(parsed.edges.map((e) => [e.from, e.to])).toEqual(g.edges.map((e) => [e.source, e.target]));
        expect(text).toBe(`${JSON.stringify(parsed, null, 2)}\n`);
      }),
    );
  });

  it.each(['json', 'graphml', 'dot', 'vis'] as const)('cuts a large %s export into bounded blocks and writes the same text to a file', async (format) => {
    const g = bigGraph(20_000);
    const blocks = [...exportBlocks(g, format)];
    expect(blocks.length).toBeGreaterThan(10);
    expect(Math.max(...blocks.map((b) => b.length))).toBeLessThan(128 * 1024);
    const out = join(dir, `graph.${format}`);
    await writeExport(g, format, out);
    expect(readFileSync(out, 'utf8')).toBe(blocks.join(''));
  });
});
