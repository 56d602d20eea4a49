import type { FlowGraph, GraphEdge, GraphNode } from './types.js';

/** The export formats of `flowlens graph`. */
export const EXPORT_FORMATS = ['json', 'graphml', 'dot', 'vis', 'hypergraph', 'parquet'] as const;
/** One export format. */
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** A JSON edge: the blog's `{src, dst, count}` plus the aggregated attributes. */
export interface JsonEdge extends Omit<GraphEdge, 'source' | 'target'> {
  src: string;
  dst: string;
  count: number;
}

/** The graph as JSON `{nodes, edges}` (the shape the blog's graph.json used, with attributes). */
export function renderGraphJson(graph: FlowGraph): string {
  const edges: JsonEdge[] = graph.edges.map(({ source, target, ...rest }) => ({ src: source, dst: target, count: rest.flows, ...rest }));
  return `${JSON.stringify({ nodes: graph.nodes, edges }, null, 2)}\n`;
}

const NODE_KEYS: [keyof GraphNode, string][] = [
  ['kind', 'string'], ['named', 'boolean'], ['flows', 'long'], ['bytes', 'long'], ['packets', 'long'],
  ['bytesOut', 'long'], ['bytesIn', 'long'], ['rejected', 'long'], ['degree', 'int'],
];
const EDGE_KEYS: [keyof GraphEdge, string][] = [
  ['flows', 'long'], ['bytes', 'long'], ['packets', 'long'], ['accepted', 'long'], ['rejected', 'long'],
  ['portCount', 'int'], ['ports', 'string'], ['protocols', 'string'], ['firstSeen', 'long'], ['lastSeen', 'long'], ['weight', 'double'],
];

/** The graph as GraphML (directed; node ids n0…, the address or name in the `label` attribute). */
export function renderGraphml(graph: FlowGraph): string {
  const index = new Map(graph.nodes.map((node, i) => [node.id, `n${i}`]));
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<graphml xmlns="http://graphml.graphdrawing.org/xmlns" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"',
    '  xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">',
    '  <key id="label" for="node" attr.name="label" attr.type="string"/>',
    ...NODE_KEYS.map(([name, type]) => `  <key id="n_${name}" for="node" attr.name="${name}" attr.type="${type}"/>`),
    ...EDGE_KEYS.map(([name, type]) => `  <key id="e_${name}" for="edge" attr.name="${name}" attr.type="${type}"/>`),
    '  <graph id="flows" edgedefault="directed">',
  ];
  for (const node of graph.nodes) {
    const data = [`<data key="label">${xml(node.id)}</data>`, ...NODE_KEYS.map(([k]) => `<data key="n_${k}">${xml(String(node[k]))}</data>`)];
    lines.push(`    <node id="${index.get(node.id)}">${data.join('')}</node>`);
  }
  graph.edges.forEach((edge, i) => {
    const data = EDGE_KEYS.map(([k]) => `<data key="e_${k}">${xml(cell(edge[k]))}</data>`);
    lines.push(`    <edge id="e${i}" source="${index.get(edge.source)}" target="${index.get(edge.target)}">${data.join('')}</edge>`);
  });
  lines.push('  </graph>', '</graphml>');
  return `${lines.join('\n')}\n`;
}

/** The graph as Graphviz DOT: edge width by weight, rejected-only edges red, mixed orange, named nodes filled. */
export function renderDot(graph: FlowGraph): string {
  const maxWeight = Math.max(1, ...graph.edges.map((e) => e.weight));
  const lines = ['digraph flowlens {', '  graph [overlap=false, splines=true];', '  node [shape=box, style="rounded", fontname="Helvetica"];', '  edge [fontname="Helvetica", fontsize=9];'];
  for (const node of graph.nodes) {
    const style = node.named ? ', style="rounded,filled", fillcolor="#dbeafe"' : node.kind === 'internet' ? ', shape=ellipse' : '';
    lines.push(`  ${dotId(node.id)} [label=${dotId(node.id)}, kind=${dotId(node.kind)}, flows=${node.flows}, bytes=${node.bytes}${style}];`);
  }
  for (const edge of graph.edges) {
    const color = edge.rejected > 0 && edge.accepted === 0 ? 'red' : edge.rejected > 0 ? 'orange' : 'gray40';
    const width = (1 + (4 * edge.weight) / maxWeight).toFixed(2);
    lines.push(`  ${dotId(edge.source)} -> ${dotId(edge.target)} [label="${edge.weight}", flows=${edge.flows}, bytes=${edge.bytes}, rejected=${edge.rejected}, ports=${dotId(edge.ports.join(','))}, penwidth=${width}, color=${color}];`);
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

/** A vis-network node: `new vis.DataSet(nodes)` takes it as it is. */
export interface VisNode {
  id: string;
  label: string;
  /** Scales the node (vis-network `scaling`): the node's total of the graph's weight measure. */
  value: number;
  /** The node kind, for vis-network `groups` styling. */
  group: string;
  title: string;
}

/** A vis-network edge: `from`/`to` node ids, `value` (width scaling), `title` (tooltip text). */
export interface VisEdge {
  id: string;
  from: string;
  to: string;
  value: number;
  title: string;
  arrows: 'to';
  /** Red for edges with only rejected flows, orange for mixed (the blog's wish: rejected traffic in red). */
  color?: { color: string };
}

/** The graph in vis-network's own shape `{nodes: [{id, label, value, group}], edges: [{from, to, value, title}]}`. */
export function renderVisNetwork(graph: FlowGraph): string {
  const nodes: VisNode[] = graph.nodes.map((node) => ({
    id: node.id,
    label: node.id,
    value: node[graph.weight],
    group: node.kind,
    title: `${node.id} (${node.kind}): ${node.flows} flows, ${node.bytes} bytes, ${node.packets} packets${node.rejected ? `, ${node.rejected} rejected` : ''}`,
  }));
  const edges: VisEdge[] = graph.edges.map((edge, i) => ({
    id: `e${i}`,
    from: edge.source,
    to: edge.target,
    value: edge.weight,
    title: `${edge.source} -> ${edge.target}: ${edge.flows} flows, ${edge.bytes} bytes, ${edge.packets} packets${edge.ports.length ? `; ports ${edge.ports.join(', ')}` : ''}${edge.rejected ? `; ${edge.rejected} rejected` : ''}`,
    arrows: 'to',
    ...(edge.rejected > 0 ? { color: { color: edge.accepted === 0 ? 'red' : 'orange' } } : {}),
  }));
  return `${JSON.stringify({ nodes, edges }, null, 2)}\n`;
}

function cell(value: unknown): string {
  return Array.isArray(value) ? value.join(',') : String(value);
}

function xml(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
}

function dotId(text: string): string {
  return `"${text.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n')}"`;
}
