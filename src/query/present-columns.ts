import { ALL_COLUMNS } from '../records/index.js';
import type { Store } from '../store/database.js';
import { quoteIdentifier } from '../store/sql-text.js';

/**
 * The field columns that hold at least one value among the selected records, in AWS order (the default v2 fields
 * when none). `from` is the flows table or a derived table of flows rows (e.g. findipFlowsSql).
 */
export async function presentFieldColumns(store: Store, where: string, from = 'flows'): Promise<string[]> {
  const probes = ALL_COLUMNS.map((column, i) => `count(${quoteIdentifier(column)}) > 0 AS c${i}`).join(', ');
  const result = await store.query(`SELECT ${probes} FROM ${from} AS f WHERE ${where}`);
  const row = result.rows[0] ?? {};
  const present = ALL_COLUMNS.filter((_, i) => row[`c${i}`] === true);
  return present.length > 0 ? present : ALL_COLUMNS.slice(0, 14);
}
