import type { Store } from './database.js';

/**
 * SQL of the first `limit` bad lines ingest kept aside, in ingest order: file, line, code, message, the text (an
 * excerpt of a long line) and text_length, the whole line's length (computed for stores made before that column).
 */
export async function rejectsSql(store: Store, limit: number): Promise<string> {
  const kept = Number(await store.scalar("SELECT count(*) FROM duckdb_columns() WHERE table_name = 'rejects' AND column_name = 'text_length'")) > 0;
  const length = kept ? 'coalesce(text_length, length(text))' : 'length(text)';
  return `SELECT source AS file, line, code, message, text, ${length} AS text_length FROM rejects ORDER BY unit_id, line LIMIT ${limit}`;
}
