import { fileURLToPath } from 'node:url';
import { resolveSource } from '../../src/sources/index.js';
import { ingestSources, Store } from '../../src/store/index.js';

/** Path of a file in test/fixtures. */
export function fixturePath(relative: string): string {
  return fileURLToPath(new URL(`../fixtures/${relative}`, import.meta.url));
}

/** An in-memory store loaded with fixture files (e.g. `queries/flows-mixed.log`). */
export async function loadStore(...relatives: string[]): Promise<Store> {
  const store = await Store.memory();
  const sources = await Promise.all(relatives.map((r) => resolveSource(fixturePath(r))));
  await ingestSources(store, sources);
  return store;
}

/** Rows as arrays of values in column order, numbers rounded to 6 decimals, for order-sensitive comparison. */
export function valuesOf(rows: readonly Record<string, unknown>[]): unknown[][] {
  return rows.map((row) => Object.values(row).map((v) => (typeof v === 'number' ? Math.round(v * 1e6) / 1e6 : v)));
}

/** Runs the CLI in-process with captured output (no console writes); the shared helper with an env. */
export async function runFlowlensCli(argv: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const { runFlowlens } = await import('../helpers/cli.js');
  return runFlowlens(argv, { env });
}
