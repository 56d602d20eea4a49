// The ForceAtlas2 layout in a web worker: iterations in batches between which stop requests get through, positions
// posted at most every `postEveryMillis`, and a stop rule (layout-protocol.ts) so that the layout always ends.
import iterate from 'graphology-layout-forceatlas2/iterate.js';
import { NODE_FLOATS } from './layout-protocol.js';
import type { LayoutRequest, LayoutStopRule, LayoutUpdate } from './layout-protocol.js';

/** Iterations whose average movement decides whether the layout settled (one iteration alone oscillates); the
 * first window, from the start positions, never counts. */
const WINDOW = 10;

let current = 0;

self.onmessage = (event: MessageEvent<LayoutRequest>) => {
  const request = event.data;
  current = request.type === 'start' ? request.run : -1;
  if (request.type === 'start') start(request.run, request.nodes, request.edges, request.settings, request.rule, request.postEveryMillis);
};

function start(id: number, nodes: Float32Array, edges: Float32Array, settings: Record<string, unknown>, rule: LayoutStopRule, postEveryMillis: number): void {
  const count = nodes.length / NODE_FLOATS;
  const began = performance.now();
  const previous = new Float32Array(count * 2);
  let iterations = 0;
  let lastPost = began;
  let moved = 0;
  const batch = (): void => {
    if (id !== current) return;
    const batchStart = performance.now();
    let reason: LayoutUpdate['reason'];
    // Iterate for about 50 ms, then yield so that a stop request is handled.
    while (reason === undefined && performance.now() - batchStart < 50) {
      for (let i = 0; i < count; i++) {
        previous[2 * i] = nodes[i * NODE_FLOATS] as number;
        previous[2 * i + 1] = nodes[i * NODE_FLOATS + 1] as number;
      }
      iterate(settings, nodes, edges);
      iterations++;
      moved += averageMove(nodes, previous, count) / Math.max(width(nodes, count), 1e-9);
      if (iterations % WINDOW === 0) {
        if (iterations >= 2 * WINDOW && moved / WINDOW < rule.tolerance) reason = 'settled';
        moved = 0;
      }
      if (iterations >= rule.maxIterations) reason ??= 'iterations';
      if (performance.now() - began >= rule.maxMillis) reason ??= 'time';
    }
    if (reason !== undefined || performance.now() - lastPost >= postEveryMillis) {
      lastPost = performance.now();
      post(id, nodes, count, iterations, reason);
    }
    if (reason === undefined) setTimeout(batch, 0);
  };
  setTimeout(batch, 0);
}

function post(run: number, nodes: Float32Array, count: number, iterations: number, reason: LayoutUpdate['reason']): void {
  const positions = new Float32Array(count * 2);
  for (let i = 0; i < count; i++) {
    positions[2 * i] = nodes[i * NODE_FLOATS] as number;
    positions[2 * i + 1] = nodes[i * NODE_FLOATS + 1] as number;
  }
  const update: LayoutUpdate = { run, positions, iterations, done: reason !== undefined, ...(reason ? { reason } : {}) };
  (self as unknown as Worker).postMessage(update, [positions.buffer]);
}

function averageMove(nodes: Float32Array, previous: Float32Array, count: number): number {
  let sum = 0;
  for (let i = 0; i < count; i++) {
    const dx = (nodes[i * NODE_FLOATS] as number) - (previous[2 * i] as number);
    const dy = (nodes[i * NODE_FLOATS + 1] as number) - (previous[2 * i + 1] as number);
    sum += Math.sqrt(dx * dx + dy * dy);
  }
  return sum / Math.max(count, 1);
}

function width(nodes: Float32Array, count: number): number {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < count; i++) {
    const x = nodes[i * NODE_FLOATS] as number;
    if (x < min) min = x;
    if (x > max) max = x;
  }
  return max - min;
}
