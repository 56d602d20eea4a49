import type { Store } from './database.js';
import { FLOW_COLUMNS, FLOW_RECORDS_TABLE, flowsViewSql } from './schema.js';
import { quoteIdentifier, sqlLiteral } from './sql-text.js';

const TYPES = new Map(FLOW_COLUMNS.map((c) => [c.name, c.type]));

/** The columns the physical flow table has now. */
export async function readStoredColumns(store: Store): Promise<Set<string>> {
  const result = await store.query(
    `SELECT column_name FROM duckdb_columns() WHERE table_name = ${sqlLiteral(FLOW_RECORDS_TABLE)} AND schema_name = 'main' AND database_name = current_database()`,
  );
  return new Set(result.rows.map((row) => String(row.column_name)));
}

/** Adds the columns a new format brings to the physical table and refreshes the `flows` view; returns the stored set. */
export async function ensureFlowColumns(store: Store, columns: readonly string[], known?: Set<string>): Promise<Set<string>> {
  const stored = known ?? (await readStoredColumns(store));
  const missing = columns.filter((c) => !stored.has(c));
  for (const column of missing) {
    const type = TYPES.get(column);
    if (!type) throw new Error(`no stored type for column ${column}`);
    await store.run(`ALTER TABLE ${FLOW_RECORDS_TABLE} ADD COLUMN ${quoteIdentifier(column)} ${type}`);
    stored.add(column);
  }
  if (missing.length > 0 || known === undefined) await store.run(flowsViewSql(stored));
  return stored;
}
