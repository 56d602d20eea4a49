import type { Store } from './database.js';
import { FLOW_COLUMNS, FLOW_RECORDS_TABLE, flowsViewSql, isTextLayout, physicalColumnsOf, storedValueSql } from './schema.js';
import { quoteIdentifier, sqlLiteral } from './sql-text.js';

/** The columns the physical flow table has now (a narrow store's `src_text`, `action_code`, …, not the field names). */
export async function readPhysicalColumns(store: Store): Promise<Set<string>> {
  const result = await store.query(
    `SELECT column_name FROM duckdb_columns() WHERE table_name = ${sqlLiteral(FLOW_RECORDS_TABLE)} AND schema_name = 'main' AND database_name = current_database()`,
  );
  return new Set(result.rows.map((row) => String(row.column_name)));
}

/** The `flows` columns the store holds (stored as they are or in a narrow form), plus the physical column names. */
export async function readStoredColumns(store: Store): Promise<Set<string>> {
  const physical = await readPhysicalColumns(store);
  const stored = new Set(physical);
  for (const column of FLOW_COLUMNS) if (storedValueSql(column.name, physical) !== undefined) stored.add(column.name);
  return stored;
}

/**
 * Adds the physical columns a new format's fields need (in the store's layout) and refreshes the `flows` view;
 * returns the physical set (pass it back as `known` to skip reading it again).
 */
export async function ensureFlowColumns(store: Store, columns: readonly string[], known?: Set<string>): Promise<Set<string>> {
  const stored = known ?? (await readPhysicalColumns(store));
  const textLayout = isTextLayout(stored);
  const missing = columns.flatMap((c) => physicalColumnsOf(c, textLayout)).filter((c, i, all) => !stored.has(c.name) && all.findIndex((o) => o.name === c.name) === i);
  for (const column of missing) {
    await store.run(`ALTER TABLE ${FLOW_RECORDS_TABLE} ADD COLUMN ${quoteIdentifier(column.name)} ${column.type}`);
    stored.add(column.name);
  }
  if (missing.length > 0 || known === undefined) await store.run(flowsViewSql(stored));
  return stored;
}
