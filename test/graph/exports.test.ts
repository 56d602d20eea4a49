import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataSet } from 'vis-data';
import { buildGraph, renderDot, renderGraphJson, renderGraphml, renderVisNetwork, writeExport } from '../../src/graph/index.js';
import type { FlowGraph } from '../../src/graph/index.js';
import { Store } from '../../src/store/index.js';
import { fixtureStore } from './fixture.js';

let graph: FlowGraph;
let dir: string;

beforeAll(async () => {
  const store = await fixtureStore();
  graph = await buildGraph(store, { publicMode: 'group' });
  store.close();
  dir = mkdtempSync(join(tmpdir(), 'flowlens-graph-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('graph exports', () => {
  it('renders JSON {nodes, edges} with the blog edge shape {src, dst, count} plus attributes', () => {
    const json = JSON.parse(renderGraphJson(graph)) as { nodes: { id: string }[]; edges: Record<string, unknown>[] };
    expect(json.nodes).toHaveLength(graph.nodes.length);
    expect(json.edges).toHaveLength(graph.edges.length);
    expect(json.edges[0]).toMatchObject({ src: graph.edges[0]?.source, dst: graph.edges[0]?.target, count: graph.edges[0]?.flows, bytes: graph.edges[0]?.bytes });
  });

  it('renders GraphML that parses as XML with every node and edge and declared keys', () => {
    const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@' }).parse(renderGraphml(graph)) as {
      graphml: { key: { '@id': string }[]; graph: { '@edgedefault': string; node: { '@id': string; data: { '@key': string; '#text': unknown }[] }[]; edge: { '@source': string; '@target': string }[] } };
    };
    const g = doc.graphml.graph;
    expect(g['@edgedefault']).toBe('directed');
    expect(g.node).toHaveLength(graph.nodes.length);
    expect(g.edge).toHaveLength(graph.edges.length);
    const ids = new Set(g.node.map((n) => n['@id']));
    expect(g.edge.every((e) => ids.has(e['@source']) && ids.has(e['@target']))).toBe(true);
    const labels = g.node.map((n) => n.data.find((d) => d['@key'] === 'label')?.['#text']);
    expect(labels).toContain('internet');
    const keys = new Set(doc.graphml.key.map((k) => k['@id']));
    expect(g.node.flatMap((n) => n.data.map((d) => d['@key'])).every((k) => keys.has(k))).toBe(true);
  });

  it('escapes XML special characters in GraphML', () => {
    const tricky: FlowGraph = { ...graph, nodes: [{ ...graph.nodes[0]!, id: 'a<b>&"c"' }], edges: [] };
    const doc = new XMLParser({ ignoreAttributes: false }).parse(renderGraphml(tricky)) as { graphml: { graph: { node: { data: unknown[] } } } };
    expect(JSON.stringify(doc.graphml.graph.node.data[0])).toContain('a<b>&\\"c\\"');
  });

  it('renders DOT: a digraph with one statement per node and per edge, rejected-only edges red', () => {
    const dot = renderDot(graph);
    expect(dot.startsWith('digraph flowlens {')).toBe(true);
    expect(dot.trimEnd().endsWith('}')).toBe(true);
    expect(dot.match(/^ {2}"[^"]*(?:\\.[^"]*)*" -> /gm)).toHaveLength(graph.edges.length);
    expect(dot.match(/^ {2}"[^"]*" \[label=/gm)).toHaveLength(graph.nodes.length);
    expect(dot).toMatch(/"internet" -> "10\.0\.2\.20" \[[^\]]*color=red\]/);
  });

  it("renders vis-network's shape, which vis-data's DataSet loads with unique ids and edges between known nodes", () => {
    const data = JSON.parse(renderVisNetwork(graph)) as { nodes: Record<string, unknown>[]; edges: Record<string, unknown>[] };
    // DataSet throws on a repeated id, as vis-network's own data layer does.
    const nodes = new DataSet(data.nodes as { id: string }[]);
    const edges = new DataSet(data.edges as { id: string; from: string; to: string }[]);
    expect(nodes.length).toBe(graph.nodes.length);
    expect(edges.length).toBe(graph.edges.length);
    const ids = new Set(nodes.getIds());
    expect(edges.get().every((e) => ids.has(e.from) && ids.has(e.to))).toBe(true);
    for (const node of data.nodes) expect(Object.keys(node)).toEqual(['id', 'label', 'value', 'group', 'title']);
    const first = graph.edges[0];
    expect(data.edges[0]).toMatchObject({ from: first?.source, to: first?.target, value: first?.weight, arrows: 'to' });
    expect(String(data.edges[0]?.title)).toContain(`${first?.flows} flows`);
    const internet = data.nodes.find((n) => n.id === 'internet');
    expect(internet).toMatchObject({ label: 'internet', group: 'internet', value: graph.nodes.find((n) => n.id === 'internet')?.flows });
    // Rejected-only edges are red, as the blog wanted.
    const rejectedOnly = graph.edges.findIndex((e) => e.rejected > 0 && e.accepted === 0);
    expect(rejectedOnly).toBeGreaterThanOrEqual(0);
    expect(data.edges[rejectedOnly]?.color).toEqual({ color: 'red' });
  });

  it('writes the edge table as Parquet', async () => {
    const parquet = join(dir, 'edges.parquet');
    await writeExport(graph, 'parquet', parquet);
    const store = await Store.memory();
    try {
      const result = await store.query(`SELECT * FROM read_parquet('${parquet}') ORDER BY weight DESC, flows DESC, source, target`);
      expect(result.rows).toHaveLength(graph.edges.length);
      expect(result.rows[0]).toMatchObject({ source: graph.edges[0]?.source, target: graph.edges[0]?.target, flows: graph.edges[0]?.flows, ports: graph.edges[0]?.ports });
    } finally {
      store.close();
    }
  });
});
