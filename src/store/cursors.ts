import type { CursorStore } from '../sources/index.js';
import type { Store } from './database.js';

/**
 * A CursorStore kept in the store's ingest_cursors table. `scope` names the local filters that
 * narrowed what was stored (e.g. `action=REJECT`), so a run with other filters keeps its own cursor
 * instead of trusting one that skipped records it wants.
 */
export function createStoreCursors(store: Store, scope?: string): CursorStore {
  const name = (source: string): string => (scope ? `${source} [${scope}]` : source);
  return {
    async get(source) {
      const found = await store.query('SELECT cursor FROM ingest_cursors WHERE source = ?', [name(source)]);
      const value = found.rows[0]?.cursor;
      return typeof value === 'string' ? value : undefined;
    },
    async set(source, cursor) {
      await store.run(
        'INSERT INTO ingest_cursors (source, cursor, updated_at) VALUES (?, ?, now()) ON CONFLICT (source) DO UPDATE SET cursor = excluded.cursor, updated_at = excluded.updated_at',
        [name(source), cursor],
      );
    },
  };
}
