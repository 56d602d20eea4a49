// The ForceAtlas2 package ships types for its layout functions, not for its one-iteration module and defaults.
declare module 'graphology-layout-forceatlas2/iterate.js' {
  /** One ForceAtlas2 iteration over the node (10 floats per node) and edge (3 floats per edge) matrices, in place. */
  export default function iterate(settings: Record<string, unknown>, nodes: Float32Array, edges: Float32Array): void;
}

declare module 'graphology-layout-forceatlas2/defaults.js' {
  /** The layout's default settings. */
  const defaults: Record<string, unknown>;
  export default defaults;
}
