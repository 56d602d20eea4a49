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
  return [...graphJsonBlocks(graph)].join('');
}

/** renderGraphJson's text in blocks of about BLOCK_CHARS, made as they are written: no whole text in memory. */
export function graphJsonBlocks(graph: FlowGraph): Generator<string> {
  const edges = mapped(graph.edges, ({ source, target, ...rest }): JsonEdge => ({ src: source, dst: target, count: rest.flows, ...rest }));
  return jsonArraysBlocks([
    ['nodes', graph.nodes],
    ['edges', edges],
  ]);
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
  return [...graphmlBlocks(graph)].join('');
}

/** renderGraphml's text in blocks, made as they are written. */
export function* graphmlBlocks(graph: FlowGraph): Generator<string> {
  const index = new Map(graph.nodes.map((node, i) => [node.id, `n${i}`]));
  const lines = new LineBlocks();
  yield* lines.add([
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<graphml xmlns="http://graphml.graphdrawing.org/xmlns" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"',
    '  xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">',
    '  <key id="label" for="node" attr.name="label" attr.type="string"/>',
    ...NODE_KEYS.map(([name, type]) => `  <key id="n_${name}" for="node" attr.name="${name}" attr.type="${type}"/>`),
    ...EDGE_KEYS.map(([name, type]) => `  <key id="e_${name}" for="edge" attr.name="${name}" attr.type="${type}"/>`),
    '  <graph id="flows" edgedefault="directed">',
  ]);
  for (const node of graph.nodes) {
    const data = [`<data key="label">${xml(node.id)}</data>`, ...NODE_KEYS.map(([k]) => `<data key="n_${k}">${xml(String(node[k]))}</data>`)];
    yield* lines.add([`    <node id="${index.get(node.id)}">${data.join('')}</node>`]);
  }
  for (let i = 0; i < graph.edges.length; i++) {
    const edge = graph.edges[i] as GraphEdge;
    const data = EDGE_KEYS.map(([k]) => `<data key="e_${k}">${xml(cell(edge[k]))}</data>`);
    yield* lines.add([`    <edge id="e${i}" source="${index.get(edge.source)}" target="${index.get(edge.target)}">${data.join('')}</edge>`]);
  }
  yield* lines.add(['  </graph>', '</graphml>']);
  yield* lines.end();
}

/** The graph as Graphviz DOT: edge width by weight, rejected-only edges red, mixed orange, named nodes filled. */
export function renderDot(graph: FlowGraph): string {
  return [...dotBlocks(graph)].join('');
}

/** renderDot's text in blocks, made as they are written. */
export function* dotBlocks(graph: FlowGraph): Generator<string> {
  // A loop, not Math.max(...weights): spreading a large edge list overflows the call stack.
  let maxWeight = 1;
  for (const edge of graph.edges) if (edge.weight > maxWeight) maxWeight = edge.weight;
  const lines = new LineBlocks();
  yield* lines.add(['digraph flowlens {', '  graph [overlap=false, splines=true];', '  node [shape=box, style="rounded", fontname="Helvetica"];', '  edge [fontname="Helvetica", fontsize=9];']);
  for (const node of graph.nodes) {
    const style = node.named ? ', style="rounded,filled", fillcolor="#dbeafe"' : node.kind === 'internet' ? ', shape=ellipse' : '';
    yield* lines.add([`  ${dotId(node.id)} [label=${dotId(node.id)}, kind=${dotId(node.kind)}, flows=${node.flows}, bytes=${node.bytes}${style}];`]);
  }
  for (const edge of graph.edges) {
    const color = edge.rejected > 0 && edge.accepted === 0 ? 'red' : edge.rejected > 0 ? 'orange' : 'gray40';
    const width = (1 + (4 * edge.weight) / maxWeight).toFixed(2);
    yield* lines.add([`  ${dotId(edge.source)} -> ${dotId(edge.target)} [label="${edge.weight}", flows=${edge.flows}, bytes=${edge.bytes}, rejected=${edge.rejected}, ports=${dotId(edge.ports.join(','))}, penwidth=${width}, color=${color}];`]);
  }
  yield* lines.add(['}']);
  yield* lines.end();
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
  return [...visNetworkBlocks(graph)].join('');
}

/** renderVisNetwork's text in blocks, made as they are written. */
export function visNetworkBlocks(graph: FlowGraph): Generator<string> {
  const nodes = mapped(graph.nodes, (node): VisNode => ({
    id: node.id,
    label: node.id,
    value: node[graph.weight],
    group: node.kind,
    title: `${node.id} (${node.kind}): ${node.flows} flows, ${node.bytes} bytes, ${node.packets} packets${node.rejected ? `, ${node.rejected} rejected` : ''}`,
  }));
  const edges = mapped(graph.edges, (edge, i): VisEdge => ({
    id: `e${i}`,
    from: edge.source,
    to: edge.target,
    value: edge.weight,
    title: `${edge.source} -> ${edge.target}: ${edge.flows} flows, ${edge.bytes} bytes, ${edge.packets} packets${edge.ports.length ? `; ports ${edge.ports.join(', ')}` : ''}${edge.rejected ? `; ${edge.rejected} rejected` : ''}`,
    arrows: 'to',
    ...(edge.rejected > 0 ? { color: { color: edge.accepted === 0 ? 'red' : 'orange' } } : {}),
  }));
  return jsonArraysBlocks([
    ['nodes', nodes],
    ['edges', edges],
  ]);
}

// The size a block of export text grows to before it is handed to the writer.
const BLOCK_CHARS = 64 * 1024;

// The items of an array mapped one at a time as they are read.
function* mapped<T, U>(items: readonly T[], map: (item: T, index: number) => U): Generator<U> {
  for (let i = 0; i < items.length; i++) yield map(items[i] as T, i);
}

// The text JSON.stringify({name: [...items], …}, null, 2) + '\n' gives, in blocks, one item stringified at a time.
function* jsonArraysBlocks(arrays: readonly [string, Iterable<unknown>][]): Generator<string> {
  let block = '{\n';
  for (let a = 0; a < arrays.length; a++) {
    const [name, items] = arrays[a] as [string, Iterable<unknown>];
    block += `  ${JSON.stringify(name)}: [`;
    let first = true;
    for (const item of items) {
      // Inside the object and the array every line of an item is indented by four more spaces.
      block += `${first ? '\n' : ',\n'}    ${(JSON.stringify(item, null, 2) ?? 'null').replaceAll('\n', '\n    ')}`;
      first = false;
      if (block.length >= BLOCK_CHARS) {
        yield block;
        block = '';
      }
    }
    block += `${first ? '' : '\n  '}]${a < arrays.length - 1 ? ',' : ''}\n`;
  }
  yield `${block}}\n`;
}

// Lines joined with newlines into blocks of about BLOCK_CHARS.
class LineBlocks {
  private block = '';

  *add(lines: readonly string[]): Generator<string> {
    for (const line of lines) this.block += `${line}\n`;
    if (this.block.length >= BLOCK_CHARS) {
      yield this.block;
      this.block = '';
    }
  }

  *end(): Generator<string> {
    if (this.block.length > 0) yield this.block;
    this.block = '';
  }
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
