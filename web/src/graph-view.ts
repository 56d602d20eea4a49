import Graph from 'graphology';
import forceAtlas2 from 'graphology-layout-forceatlas2';
import defaults from 'graphology-layout-forceatlas2/defaults.js';
import Sigma from 'sigma';
import type { GraphResponse, NodeDto } from '../../src/server/protocol.js';
import { LabelPlacer } from './label-placer.js';
import { EDGE_FLOATS, NODE_FLOATS } from './layout-protocol.js';
import type { LayoutRequest, LayoutStopRule, LayoutUpdate } from './layout-protocol.js';

const NODE_COLORS: Record<string, string> = {
  name: '#2563eb', eni: '#475569', internet: '#a855f7', address: '#475569', endpoint: '#475569', subnet: '#0d9488', unnamed: '#94a3b8',
  asn: '#a855f7', country: '#a855f7', service: '#ea580c',
};
const EDGE_OK = '#a3b1c2';
/** Above this many edges the first drawing shows the nodes, and the edges follow when the layout stops. */
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
 * nodes can be dragged (a dragged node stays where it is dropped) and labels never overlap. The graph is drawn at once
 * and follows the layout (a graph of more than 20,000 edges shows its nodes first and its edges when the layout
 * stops); the layout stops by the rule of `stopRule` (settled, or frozen after a number of iterations or seconds), so
 * a big graph never keeps the page busy.
 */
export class GraphView {
  readonly graph = new Graph({ type: 'directed', multi: false, allowSelfLoops: false });
  private renderer: Sigma | undefined;
  private worker: Worker | undefined;
  private layoutRun = 0;
  /** Node ids in the order of the running layout's matrices; undefined when no layout runs. */
  private layoutNodes: string[] | undefined;
  /** Edges of a big graph waiting for the layout to stop: redrawing them every layout step would starve the page. */
  private pendingEdges: [string, string, Record<string, unknown>][] = [];
  private highlighted: string | undefined;
  private dragged: string | undefined;
  private dragMoved = false;
  private readonly labels = new LabelPlacer();
  layoutRunning = false;
  /** Iterations of the current (or last) layout run. */
  layoutRounds = 0;
  /** Why the last layout run stopped. */
  layoutStop: LayoutUpdate['reason'] | undefined;

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
      this.graph.addNode(node.id, { ...at, ...nodeLook(node, maxBytes, scale) });
    });
    const arrows = data.edges.length <= 5000;
    const deferEdges = data.edges.length > BIG_GRAPH_EDGES;
    for (const edge of data.edges) {
      const source = data.nodes[edge.s]?.id;
      const target = data.nodes[edge.t]?.id;
      if (source === undefined || target === undefined || source === target) continue;
      const color = edge.rejected === 0 ? EDGE_OK : edge.accepted === 0 ? EDGE_REJECTED : EDGE_MIXED;
      const attributes = { size: (0.6 + 5 * Math.sqrt(edge.weight / maxWeight)) * scale, color, type: arrows ? 'arrow' : 'line', zIndex: edge.rejected > 0 ? 1 : 0 };
      if (deferEdges) this.pendingEdges.push([source, target, attributes]);
      else this.graph.addDirectedEdge(source, target, attributes);
    }
    this.ensureRenderer(data.edges.length);
    this.startLayout(previous.size > 0 && data.nodes.every((n) => previous.has(n.id)));
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

  /** Stops the layout (the pause button, a drag, a new graph; the browser tests call it to click a still node). */
  stopLayout(): void {
    const wasRunning = this.layoutRunning;
    if (this.layoutNodes !== undefined) this.worker?.postMessage({ type: 'stop' } satisfies LayoutRequest);
    this.layoutNodes = undefined;
    this.layoutRunning = false;
    if (this.pendingEdges.length > 0) {
      for (const [source, target, attributes] of this.pendingEdges) this.graph.addDirectedEdge(source, target, attributes);
      this.pendingEdges = [];
    }
    if (wasRunning) {
      this.layoutStop ??= 'stopped';
      this.events.layout?.(false);
    }
  }

  /** Runs the layout again from the drawn positions (dragged nodes stay pinned); returns whether it runs. */
  resumeLayout(): boolean {
    if (this.layoutRunning || this.graph.order < 2) return this.layoutRunning;
    this.startLayout(false);
    return this.layoutRunning;
  }

  /**
   * The layout's stop rule: a graph whose nodes were all drawn before runs 60 iterations; otherwise up to 500
   * iterations (300 from 1,000 nodes, 200 from 10,000), at most 6 s, and less once the average node moves under 0.1 %
   * of the drawing's width per iteration over ten iterations (from the 20th on).
   */
  static stopRule(order: number, settled: boolean): LayoutStopRule {
    return { maxIterations: settled ? 60 : order < 1000 ? 500 : order < 10_000 ? 300 : 200, maxMillis: 6000, tolerance: 0.001 };
  }

  /** Runs ForceAtlas2 in the worker on the drawn graph and copies its positions back as they come. */
  private startLayout(settled: boolean): void {
    const order = this.graph.order;
    this.layoutStop = undefined;
    this.layoutRounds = 0;
    if (order < 2) return;
    const nodes = this.graph.nodes();
    const offset = new Map(nodes.map((id, i) => [id, i * NODE_FLOATS]));
    const nodeMatrix = new Float32Array(order * NODE_FLOATS);
    nodes.forEach((id, i) => {
      const a = this.graph.getNodeAttributes(id);
      nodeMatrix.set([a.x as number, a.y as number, 0, 0, 0, 0, 1, 1, (a.size as number) || 1, a.fixed ? 1 : 0], i * NODE_FLOATS);
    });
    const edgeMatrix = new Float32Array((this.graph.size + this.pendingEdges.length) * EDGE_FLOATS);
    let e = 0;
    const addEdge = (a: Record<string, unknown>, source: string, target: string): void => {
      const s = offset.get(source) as number;
      const t = offset.get(target) as number;
      const weight = (a.size as number) || 1;
      // A node's mass is 1 + its weighted degree, as the library's own matrices have it.
      nodeMatrix[s + 6] = (nodeMatrix[s + 6] as number) + weight;
      nodeMatrix[t + 6] = (nodeMatrix[t + 6] as number) + weight;
      edgeMatrix.set([s, t, weight], e);
      e += EDGE_FLOATS;
    };
    this.graph.forEachEdge((_edge, a, source, target) => addEdge(a, source, target));
    for (const [source, target, attributes] of this.pendingEdges) addEdge(attributes, source, target);
    const settings = { ...defaults, ...forceAtlas2.inferSettings(order), barnesHutOptimize: order > 1000, adjustSizes: false, edgeWeightInfluence: 0.5 };
    const run = ++this.layoutRun;
    this.layoutNodes = nodes;
    // Redrawing many edges costs the page a frame each time: their positions come less often.
    const postEveryMillis = this.graph.size > 5000 ? 300 : this.pendingEdges.length > 0 ? 250 : 0;
    const worker = this.layoutWorker();
    const request: LayoutRequest = { type: 'start', run, nodes: nodeMatrix, edges: edgeMatrix, settings, rule: GraphView.stopRule(order, settled), postEveryMillis };
    worker.postMessage(request, [nodeMatrix.buffer, edgeMatrix.buffer]);
    this.layoutRunning = true;
    this.events.layout?.(true);
  }

  private layoutWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(new URL('./layout-worker.ts', import.meta.url), { type: 'module' });
    let frame: number | undefined;
    let latest: LayoutUpdate | undefined;
    worker.onmessage = (event: MessageEvent<LayoutUpdate>) => {
      if (event.data.run !== this.layoutRun || this.layoutNodes === undefined) return;
      latest = event.data;
      this.layoutRounds = latest.iterations;
      // At most one copy per frame; the last update is always applied.
      frame ??= window.requestAnimationFrame(() => {
        frame = undefined;
        const update = latest;
        latest = undefined;
        if (!update || update.run !== this.layoutRun || this.layoutNodes === undefined) return;
        this.copyPositions(this.layoutNodes, update.positions);
        if (update.done) {
          this.layoutStop = update.reason;
          this.stopLayout();
        }
      });
    };
    this.worker = worker;
    return worker;
  }

  private copyPositions(nodes: readonly string[], positions: Float32Array): void {
    const index = new Map(nodes.map((id, i) => [id, i]));
    this.graph.updateEachNodeAttributes((node, attributes) => {
      const i = index.get(node);
      // A dragged node stays where it was dropped.
      if (i === undefined || attributes.fixed) return attributes;
      attributes.x = positions[2 * i];
      attributes.y = positions[2 * i + 1];
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
