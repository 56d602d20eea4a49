import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildGraph, renderDot, renderGraphJson, renderGraphml, renderHypergraph, writeExport } from '../../src/graph/index.js';
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

/** Splits simple CSV (the exports quote only cells with commas or quotes). */
function parseCsv(text: string): Record<string, string>[] {
  const [header = '', ...lines] = text.trimEnd().split('\n');
  const columns = header.split(',');
  return lines.map((line) => {
    const cells = [...line.matchAll(/("([^"]|"")*"|[^,]*)(,|$)/g)].map((m) => (m[1] ?? '').replace(/^"|"$/g, '').replaceAll('""', '"'));
    return Object.fromEntries(columns.map((c, i) => [c, cells[i] ?? '']));
  });
}

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

  it('renders hypergraph tables with Graphistry columns: EventID, entities nodeID "src_ip::…", direct edges src/dst', () => {
    const tables = renderHypergraph(graph);
    const events = parseCsv(tables.events);
    const entities = parseCsv(tables.entities);
    const edges = parseCsv(tables.edges);
    expect(Object.keys(events[0] ?? {})).toEqual(['EventID', 'src_ip', 'dest_ip', 'flows', 'bytes', 'packets', 'accepted', 'rejected', 'port_count', 'ports', 'protocols', 'first_seen', 'last_seen']);
    expect(Object.keys(entities[0] ?? {})).toEqual(['src_ip', 'dest_ip', 'nodeTitle', 'EventID', 'type', 'category', 'nodeID']);
    expect(Object.keys(edges[0] ?? {})).toEqual([...Object.keys(events[0] ?? {}), 'edgeType', 'src', 'dst']);
    expect(events).toHaveLength(graph.edges.length);
    expect(edges).toHaveLength(graph.edges.length);
    const sources = new Set(graph.edges.map((e) => e.source));
    const targets = new Set(graph.edges.map((e) => e.target));
    expect(entities).toHaveLength(sources.size + targets.size);
    expect(edges[0]).toMatchObject({ EventID: 'EventID::0', edgeType: 'src_ip::dest_ip', src: `src_ip::${graph.edges[0]?.source}`, dst: `dest_ip::${graph.edges[0]?.target}` });
    const nodeIds = new Set(entities.map((e) => e.nodeID));
    expect(edges.every((e) => nodeIds.has(e.src ?? '') && nodeIds.has(e.dst ?? ''))).toBe(true);
  });

  it('writes hypergraph tables into a folder and the edge table as Parquet', async () => {
    const paths = await writeExport(graph, 'hypergraph', join(dir, 'hyper'));
    expect(paths.map((p) => p.split('/').pop())).toEqual(['events.csv', 'entities.csv', 'edges.csv']);
    expect(readFileSync(join(dir, 'hyper', 'edges.csv'), 'utf8')).toContain('src_ip::internet');
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
