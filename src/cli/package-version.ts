import { readFileSync } from 'node:fs';

/** flowlens's version from its package.json, found by walking up from this module (src/, dist/src/ or the bundled CLI's dist/bin/chunks/). */
export function packageVersion(): string {
  let folder = new URL('.', import.meta.url);
  for (let depth = 0; depth < 5; depth++) {
    try {
      const manifest = JSON.parse(readFileSync(new URL('package.json', folder), 'utf8')) as { name?: string; version?: string };
      if (manifest.name === 'flowlens' && manifest.version) return manifest.version;
    } catch {
      // No package.json at this level: look one folder up.
    }
    folder = new URL('..', folder);
  }
  return '0.0.0-unknown';
}
