import type { Store } from './database.js';
import { FLOWS_TABLE } from './schema.js';
import { sqlLiteral } from './sql-text.js';

// Table references whose columns cannot be told from the statement's text: any of them means every column.
const OPAQUE_TABLE_REFS: ReadonlySet<string> = new Set(['TABLE_FUNCTION', 'PIVOT', 'SHOW_REF', 'COLUMN_DATA', 'DELIM_GET']);

/**
 * The names of the `flows` columns that SELECT statements can read, from DuckDB's own parse tree
 * (json_serialize_sql: parsed, not bound). Returns undefined when they may read every column: a `*` or COLUMNS(…),
 * a column by position, a table other than `flows` and the statements' own CTEs (a view such as vpc_flow_logs reads
 * `flows` whole), a table function, a NATURAL join, renamed columns, a whole row named by its table, or text that is
 * not SELECT statements.
 */
export async function flowsColumnsRead(store: Store, statements: readonly string[]): Promise<Set<string> | undefined> {
  const names = new Set<string>();
  for (const text of statements) {
    const parsed = JSON.parse(String(await store.scalar(`SELECT json_serialize_sql(${sqlLiteral(text)})`))) as { error?: boolean; statements?: unknown[] };
    if (parsed.error !== false || !Array.isArray(parsed.statements)) return undefined;
    const tree: Tree = { columns: new Set(), lone: new Set(), relations: new Set(), tables: new Set(), ctes: new Set(), opaque: false };
    walk(parsed.statements, tree);
    if (tree.opaque) return undefined;
    for (const table of tree.tables) if (table !== FLOWS_TABLE && !tree.ctes.has(table)) return undefined;
    // A lone name equal to a table, alias or CTE may stand for the whole row as a struct.
    for (const name of tree.lone) if (tree.relations.has(name)) return undefined;
    for (const name of tree.columns) names.add(name);
  }
  return names;
}

interface Tree {
  /** Every part of every column reference (`t.col` or a struct field `col.field`: either part may be the column). */
  columns: Set<string>;
  /** Column references of one part. */
  lone: Set<string>;
  relations: Set<string>;
  tables: Set<string>;
  ctes: Set<string>;
  opaque: boolean;
}

function walk(node: unknown, tree: Tree): void {
  if (Array.isArray(node)) {
    for (const item of node) walk(item, tree);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const object = node as Record<string, unknown>;
  // `*`, COLUMNS(…), and #1 (a column by position).
  if (object.class === 'STAR' || object.class === 'POSITIONAL_REFERENCE') tree.opaque = true;
  if (object.class === 'COLUMN_REF' && Array.isArray(object.column_names)) {
    const parts = object.column_names.map((part) => lower(String(part)));
    for (const part of parts) tree.columns.add(part);
    if (parts.length === 1) tree.lone.add(parts[0] as string);
  }
  if (typeof object.class !== 'string' && typeof object.type === 'string') {
    if (OPAQUE_TABLE_REFS.has(object.type)) tree.opaque = true;
    // NATURAL joins match columns by name; `flows AS f(a, b)` renames them by position.
    if (object.ref_type === 'NATURAL') tree.opaque = true;
    if (Array.isArray(object.column_name_alias) && object.column_name_alias.length > 0) tree.opaque = true;
    if (object.type === 'BASE_TABLE' && typeof object.table_name === 'string') {
      tree.tables.add(lower(object.table_name));
      tree.relations.add(lower(object.table_name));
    }
    if (typeof object.alias === 'string' && object.alias !== '') tree.relations.add(lower(object.alias));
  }
  if (Array.isArray(object.using_columns)) for (const name of object.using_columns) tree.columns.add(lower(String(name)));
  const cteMap = object.cte_map as { map?: { key?: unknown }[] } | undefined;
  if (cteMap && Array.isArray(cteMap.map)) {
    for (const entry of cteMap.map) {
      if (typeof entry.key === 'string') {
        tree.ctes.add(lower(entry.key));
        tree.relations.add(lower(entry.key));
      }
    }
  }
  for (const value of Object.values(object)) if (value !== null && typeof value === 'object') walk(value, tree);
}

// DuckDB resolves names case-insensitively.
function lower(name: string): string {
  return name.toLowerCase();
}
