import { Readable } from 'node:stream';
import { ingestSources } from '../../../src/store/index.js';
import type { Store } from '../../../src/store/index.js';
import type { Source } from '../../../src/sources/index.js';

let batch = 0;
const unitsByText = new WeakMap<Store, Map<string, number>>();

/**
 * Ingests default-format (v2) flow-log lines into the store through the normal ingest path, as one unit,
 * and returns its unit_id (queries select `WHERE unit_id = …`). Text already ingested into this store
 * (ingest skips it by content hash) returns the earlier unit.
 */
export async function ingestFlowLines(store: Store, lines: readonly string[]): Promise<number> {
  const text = `${lines.join('\n')}\n`;
  const known = unitsByText.get(store) ?? new Map<string, number>();
  unitsByText.set(store, known);
  const previous = known.get(text);
  if (previous !== undefined) return previous;
  const key = `memory:filter-pattern-test:${batch++}`;
  const source: Source = {
    name: key,
    async *units() {
      yield { key, fingerprint: key, kind: 'text', open: async () => Readable.from([Buffer.from(text)]) };
    },
  };
  const summary = await ingestSources(store, [source]);
  if (summary.badLines > 0) throw new Error(`${summary.badLines} bad lines in test records:\n${text}`);
  const unit = Number(await store.scalar('SELECT unit_id FROM ingest_units WHERE unit_key = ?', [key]));
  known.set(text, unit);
  return unit;
}
