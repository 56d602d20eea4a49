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
