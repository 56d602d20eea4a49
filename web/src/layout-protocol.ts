/** Floats per node in the ForceAtlas2 node matrix (x, y, dx, dy, old dx, old dy, mass, convergence, size, fixed). */
export const NODE_FLOATS = 10;
/** Floats per edge in the edge matrix (source offset, target offset, weight). */
export const EDGE_FLOATS = 3;

/**
 * When the layout stops: after `maxIterations`, `maxMillis` after it started (frozen where it is), or once the
 * average node moves less than `tolerance` × the drawing's width per iteration over a window of iterations (settled).
 */
export interface LayoutStopRule {
  maxIterations: number;
  maxMillis: number;
  tolerance: number;
}

/** Main thread → worker: start on these matrices, or stop. */
export type LayoutRequest =
  | { type: 'start'; run: number; nodes: Float32Array; edges: Float32Array; settings: Record<string, unknown>; rule: LayoutStopRule; postEveryMillis: number }
  | { type: 'stop' };

/** Worker → main thread: positions (x, y per node) after some iterations; `done` with the reason on the last one. */
export interface LayoutUpdate {
  run: number;
  positions: Float32Array;
  iterations: number;
  done: boolean;
  reason?: 'settled' | 'iterations' | 'time' | 'stopped';
}
