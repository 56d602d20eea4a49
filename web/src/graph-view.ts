import Graph from 'graphology';
import forceAtlas2 from 'graphology-layout-forceatlas2';
import FA2Layout from 'graphology-layout-forceatlas2/worker';
import Sigma from 'sigma';
import type { GraphResponse, NodeDto } from '../../src/server/protocol.js';
import { LabelPlacer } from './label-placer.js';

const NODE_COLORS: Record<string, string> = {
  name: '#2563eb', eni: '#475569', internet: '#a855f7', address: '#475569', endpoint: '#475569', subnet: '#0d9488', unnamed: '#94a3b8',
  asn: '#a855f7', country: '#a855f7', service: '#ea580c',
};
const EDGE_OK = '#a3b1c2';
const BIG_GRAPH_EDGES = 20_000;
const EDGE_MIXED = '#f59e0b';
const EDGE_REJECTED = '#dc2626';

/** Callbacks of the graph view. */
export interface GraphViewEvents {
  node(id: string): void;
  edge(source: string, target: string): void;
  background(): void;
  /** The layout started (true) or stopped (false). */
  layout?(running: boolean): void;
}

/**
 * The WebGL graph (sigma.js) with a ForceAtlas2 layout running in a web worker, which can be paused and resumed;
 * nodes can be dragged (a dragged node stays where it is dropped) and labels never overlap.
 */
export class GraphView {
  readonly graph = new Graph({ type: 'directed', multi: false, allowSelfLoops: false });
  private renderer: Sigma | undefined;
  private layout: FA2Layout | undefined;
  private layoutTimer: number | undefined;
  private highlighted: string | undefined;
  private layoutGraph: Graph | undefined;
  private pendingEdges: [string, string, Record<string, unknown>][] = [];
  private dragged: string | undefined;
  private dragMoved = false;
  private readonly labels = new LabelPlacer();
  layoutRunning = false;
  /** Worker rounds of the current layout run. */
  layoutRounds = 0;

  constructor(
    private readonly container: HTMLElement,
    private readonly events: GraphViewEvents,
  ) {}

  /** Replaces the drawn graph; keeps positions of nodes that stay, so re-filtering doesn't scramble the picture. */
  show(data: GraphResponse): void {
    const previous = new Map<string, { x: number; y: number; fixed?: true }>();
    this.graph.forEachNode((id, attrs) => previous.set(id, { x: attrs.x as number, y: attrs.y as number, ...(attrs.fixed ? { fixed: true as const } : {}) }));
    this.stopLayout();
    this.graph.clear();
    this.pendingEdges = [];
    const layoutGraph = new Graph({ type: 'directed', multi: false, allowSelfLoops: false });
    const maxBytes = Math.max(1, ...data.nodes.map((n) => n.bytes));
    const maxWeight = Math.max(1, ...data.edges.map((e) => e.weight));
    const count = data.nodes.length;
    // Sizes shrink as graphs grow, so 20k nodes don't cover each other.
    const scale = count > 5000 ? 0.35 : count > 1000 ? 0.6 : 1;
    data.nodes.forEach((node) => {
      // New nodes start uniformly in a disc (a better ForceAtlas2 start than a circle).
      const angle = 2 * Math.PI * Math.random();
      const radius = 10 * Math.sqrt(count * Math.random());
      const at = previous.get(node.id) ?? { x: radius * Math.cos(angle), y: radius * Math.sin(angle) };
      const look = nodeLook(node, maxBytes, scale);
      this.graph.addNode(node.id, { ...at, ...look });
      layoutGraph.addNode(node.id, { ...at, size: look.size });
    });
    // Big graphs get their edges drawn once the layout is done: redrawing 100k edges every round would starve the page.
    const deferEdges = data.edges.length > BIG_GRAPH_EDGES;
    const arrows = data.edges.length <= 5000;
    for (const edge of data.edges) {
      const source = data.nodes[edge.s]?.id;
      const target = data.nodes[edge.t]?.id;
      if (source === undefined || target === undefined || source === target) continue;
      const color = edge.rejected === 0 ? EDGE_OK : edge.accepted === 0 ? EDGE_REJECTED : EDGE_MIXED;
      const attributes = { size: (0.6 + 5 * Math.sqrt(edge.weight / maxWeight)) * scale, color, type: arrows ? 'arrow' : 'line', zIndex: edge.rejected > 0 ? 1 : 0 };
      layoutGraph.addDirectedEdge(source, target, { size: attributes.size });
      if (deferEdges) this.pendingEdges.push([source, target, attributes]);
      else this.graph.addDirectedEdge(source, target, attributes);
    }
    this.ensureRenderer(data.edges.length);
    this.startLayout(layoutGraph, previous.size > 0 && data.nodes.every((n) => previous.has(n.id)));
  }

  /** Centers the camera on a node and marks it. */
  focus(id: string): boolean {
    if (!this.renderer || !this.graph.hasNode(id)) return false;
    this.highlighted = id;
    const display = this.renderer.getNodeDisplayData(id);
    if (display) void this.renderer.getCamera().animate({ x: display.x, y: display.y, ratio: 0.5 }, { duration: 400 });
    this.renderer.refresh();
    return true;
  }

  /** Viewport position of a node (used by the browser tests to click it). */
  viewportPosition(id: string): { x: number; y: number } | undefined {
    if (!this.renderer || !this.graph.hasNode(id)) return undefined;
    const attrs = this.graph.getNodeAttributes(id);
    return this.renderer.graphToViewport({ x: attrs.x as number, y: attrs.y as number });
  }

  /** Labels drawn in the last frame with their boxes (the browser tests check they don't overlap). */
  get drawnLabels(): { node: string; box: { x: number; y: number; width: number; height: number } }[] {
    return this.labels.drawn;
  }

  /**
   * Stops the layout (the pause button, a drag, a new graph; the browser tests call it to click a still node);
   * deferred edges are drawn then. Safe to call from inside the layout's own update event.
   */
  stopLayout(): void {
    if (this.layoutTimer !== undefined) window.clearTimeout(this.layoutTimer);
    const layout = this.layout;
    const wasRunning = this.layoutRunning;
    // stop() first, kill() on the next task: the supervisor's message handler is still running when a round's
    // update event stops the layout, and kill() would null the matrices it writes to next.
    layout?.stop();
    if (layout) window.setTimeout(() => layout.kill(), 0);
    this.layout = undefined;
    if (this.layoutGraph) this.copyPositions(this.layoutGraph);
    this.layoutGraph?.removeAllListeners();
    this.layoutGraph = undefined;
    this.layoutRunning = false;
    if (this.pendingEdges.length > 0) {
      for (const [source, target, attributes] of this.pendingEdges) this.graph.addDirectedEdge(source, target, attributes);
      this.pendingEdges = [];
    }
    if (wasRunning) this.events.layout?.(false);
  }

  /** Runs the layout again from the drawn positions (dragged nodes stay pinned); returns whether it runs. */
  resumeLayout(): boolean {
    if (this.layoutRunning || this.graph.order < 2) return this.layoutRunning;
    const layoutGraph = new Graph({ type: 'directed', multi: false, allowSelfLoops: false });
    this.graph.forEachNode((id, a) => layoutGraph.addNode(id, { x: a.x, y: a.y, size: a.size, ...(a.fixed ? { fixed: true } : {}) }));
    this.graph.forEachEdge((_edge, a, source, target) => layoutGraph.addDirectedEdge(source, target, { size: a.size }));
    this.startLayout(layoutGraph, false);
    return this.layoutRunning;
  }

  /** Runs ForceAtlas2 in a worker on a copy of the graph and copies positions to the drawn graph at most once a frame. */
  private startLayout(layoutGraph: Graph, settled: boolean): void {
    const order = layoutGraph.order;
    this.layoutGraph = layoutGraph;
    if (order < 2) return;
    const settings = { ...forceAtlas2.inferSettings(layoutGraph), barnesHutOptimize: order > 1000, adjustSizes: false, edgeWeightInfluence: 0.5 };
    this.layout = new FA2Layout(layoutGraph, { settings, getEdgeWeight: 'size' });
    // Stop after a number of worker rounds (each round moves every node), not after a time: a slow machine gets the same picture.
    const rounds = settled ? 60 : order < 1000 ? 500 : order < 10_000 ? 300 : 200;
    this.layoutRounds = 0;
    let frame: number | undefined;
    layoutGraph.on('eachNodeAttributesUpdated', () => {
      this.layoutRounds++;
      if (this.layoutRounds >= rounds) {
        if (this.layoutGraph === layoutGraph) this.stopLayout();
        return;
      }
      frame ??= window.requestAnimationFrame(() => {
        frame = undefined;
        if (this.layoutGraph === layoutGraph) this.copyPositions(layoutGraph);
      });
    });
    this.layout.start();
    this.layoutRunning = true;
    this.events.layout?.(true);
    this.layoutTimer = window.setTimeout(() => this.stopLayout(), 60_000 + order * 10);
  }

  private copyPositions(layoutGraph: Graph): void {
    this.graph.updateEachNodeAttributes((node, attributes) => {
      const position = layoutGraph.getNodeAttributes(node);
      attributes.x = position.x;
      attributes.y = position.y;
      return attributes;
    }, { attributes: ['x', 'y'] });
  }

  private ensureRenderer(edges: number): void {
    const edgeEvents = edges <= 20_000;
    if (this.renderer) {
      this.renderer.setCustomBBox(null);
      this.renderer.setSetting('enableEdgeEvents', edgeEvents);
      this.renderer.getCamera().setState({ x: 0.5, y: 0.5, ratio: 1, angle: 0 });
      this.renderer.refresh();
      return;
    }
    this.renderer = new Sigma(this.graph, this.container, {
      renderEdgeLabels: false,
      enableEdgeEvents: edgeEvents,
      zIndex: true,
      labelRenderedSizeThreshold: 9,
      labelDensity: 0.6,
      labelFont: 'system-ui, sans-serif',
      defaultEdgeType: 'line',
      hideEdgesOnMove: edges > 30_000,
      minEdgeThickness: 0.6,
      labelGridCellSize: 80,
      defaultDrawNodeLabel: this.labels.draw,
      nodeReducer: (node, data) => (node === this.highlighted || node === this.dragged ? { ...data, highlighted: true, forceLabel: true, zIndex: 2 } : data),
    });
    const renderer = this.renderer;
    const labelContext = renderer.getCanvases().labels?.getContext('2d');
    renderer.on('beforeRender', () => this.labels.reset());
    renderer.on('afterRender', () => {
      if (labelContext) this.labels.flush(labelContext);
    });
    // A click that ends a drag is not a click on the node or the stage.
    const clicked = (): boolean => {
      const dragged = this.dragMoved;
      this.dragMoved = false;
      return !dragged;
    };
    renderer.on('clickNode', ({ node }) => {
      if (clicked()) this.events.node(node);
    });
    renderer.on('clickEdge', ({ edge }) => {
      if (clicked()) this.events.edge(this.graph.source(edge), this.graph.target(edge));
    });
    renderer.on('clickStage', () => {
      if (!clicked()) return;
      this.highlighted = undefined;
      this.events.background();
    });
    this.enableDragging(renderer);
  }

  /** Sigma's drag-and-drop pattern: a node follows the mouse while the button is down and stays pinned where dropped. */
  private enableDragging(renderer: Sigma): void {
    renderer.on('downNode', ({ node }) => {
      this.stopLayout();
      this.dragged = node;
      this.dragMoved = false;
      // Keep the frame still while a node moves, or the whole picture would rescale under the mouse.
      if (!renderer.getCustomBBox()) renderer.setCustomBBox(renderer.getBBox());
    });
    renderer.on('moveBody', ({ event }) => {
      if (this.dragged === undefined || !this.graph.hasNode(this.dragged)) return;
      const position = renderer.viewportToGraph(event);
      this.graph.mergeNodeAttributes(this.dragged, { x: position.x, y: position.y, fixed: true });
      this.dragMoved = true;
      event.preventSigmaDefault();
      event.original.preventDefault();
      event.original.stopPropagation();
    });
    const release = (): void => {
      this.dragged = undefined;
    };
    renderer.on('downStage', () => {
      this.dragMoved = false;
    });
    renderer.on('upNode', release);
    renderer.on('upStage', release);
  }
}

function nodeLook(node: NodeDto, maxBytes: number, scale: number): { size: number; color: string; label: string; forceLabel: boolean; zIndex: number } {
  const size = (3 + 15 * Math.sqrt(node.bytes / maxBytes)) * scale;
  const color = node.rejected > 0 && node.rejected === node.flows ? '#dc2626' : (NODE_COLORS[node.kind] ?? '#475569');
  return { size, color, label: node.id, forceLabel: node.named || node.kind === 'internet' || node.kind === 'asn' || node.kind === 'country' || node.kind === 'service', zIndex: node.named ? 1 : 0 };
}
