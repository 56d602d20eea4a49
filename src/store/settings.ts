import type { Store } from './database.js';
import { sqlLiteral } from './sql-text.js';

/**
 * Sets DuckDB settings for a piece of work and returns the function that puts the values before it back (safe to
 * call more than once). RESET gives an exact default back where current_setting rounds (18.8 GiB); a global option
 * that RESET leaves alone gets its old text with SET.
 */
export async function applySettings(store: Store, settings: Readonly<Record<string, string>>): Promise<() => Promise<void>> {
  const saved: Record<string, string> = {};
  for (const [name, value] of Object.entries(settings)) {
    saved[name] = String(await store.scalar(`SELECT current_setting(${sqlLiteral(name)})`));
    await store.run(`SET ${name} = ${sqlLiteral(value)}`);
  }
  let restored = false;
  return async () => {
    if (restored) return;
    restored = true;
    for (const [name, value] of Object.entries(saved)) {
      await store.run(`RESET ${name}`);
      if (String(await store.scalar(`SELECT current_setting(${sqlLiteral(name)})`)) !== value) await store.run(`SET ${name} = ${sqlLiteral(value)}`);
    }
  };
}

/**
 * Runs `work`, then `restore` (what applySettings or capMemoryLimit returned). When the work fails inside a
 * transaction, that failure aborted it and the restore fails too: the work's error is the one reported.
 */
export async function runThenRestore<T>(restore: () => Promise<void>, work: () => Promise<T>): Promise<T> {
  let result: T;
  try {
    result = await work();
  } catch (error) {
    await restore().catch(() => undefined);
    throw error;
  }
  await restore();
  return result;
}

/** Lowers the store's memory_limit to `bytes` when it is higher (never raises it); returns the function that puts it back. */
export async function capMemoryLimit(store: Store, bytes: number): Promise<() => Promise<void>> {
  const current = parseByteSize(String(await store.scalar("SELECT current_setting('memory_limit')")));
  if (current !== undefined && current <= bytes) return async () => undefined;
  return applySettings(store, { memory_limit: `${Math.floor(bytes / 1048576)}MiB` });
}

/** Bytes of a DuckDB size text (`256.0 MiB`, `2GB`); undefined when it is not one. */
export function parseByteSize(text: string): number | undefined {
  const match = /^\s*([\d.]+)\s*([KMGT]?i?B|bytes)?\s*$/i.exec(text);
  if (!match) return undefined;
  const unit = (match[2] ?? 'B').toUpperCase();
  const power = { B: 0, BYTES: 0, KB: 1, KIB: 1, MB: 2, MIB: 2, GB: 3, GIB: 3, TB: 4, TIB: 4 }[unit];
  if (power === undefined) return undefined;
  return Number(match[1]) * (unit.includes('I') || unit === 'B' || unit === 'BYTES' ? 1024 : 1000) ** power;
}
