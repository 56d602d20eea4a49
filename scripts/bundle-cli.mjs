#!/usr/bin/env node
// Bundles the built CLI (dist/bin/flowlens.js and the flowlens modules it imports) in place: a command then loads a
// few bundled files instead of about 160 modules, which saves a good part of every command's start. Packages stay
// external (they are resolved from node_modules as before); the library (dist/src) is not bundled.
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

const OUT = 'dist/bin';
// The chunks of an earlier build: their names carry content hashes, so they would pile up.
rmSync(`${OUT}/chunks`, { recursive: true, force: true });
await build({
  entryPoints: [`${OUT}/flowlens.js`],
  outdir: OUT,
  allowOverwrite: true,
  bundle: true,
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
});
