import { ALL_COLUMNS } from '../records/index.js';
import type { Store } from '../store/database.js';
import { quoteIdentifier } from '../sql/index.js';

/**
 * The field columns that hold at least one value among the selected records, in AWS order (the default v2 fields
 * when none). `from` is the flows table or a derived table of flows rows (e.g. findipFlowsSql). As readPresentColumns,
 * a sample of the first rows decides most columns, so that the full pass reads only the others.
 */
export async function presentFieldColumns(store: Store, where: string, from = 'flows'): Promise<string[]> {
  const present = await readPresentColumns(store, `(SELECT * FROM ${from} AS f WHERE ${where})`, ALL_COLUMNS);
  return present.length > 0 ? present : ALL_COLUMNS.slice(0, 14);
}

const PRESENT_SAMPLE_ROWS = 2048;

/**
 * The columns holding at least one value among the rows of `from`, in order. The first 2,048 rows usually show every
 * present column, so the full pass (reading every row's columns) runs only for the columns they leave undecided.
 */
export async function readPresentColumns(store: Store, from: string, columns: readonly string[]): Promise<string[]> {
  const probe = async (names: readonly string[], source: string): Promise<{ present: Set<string>; rows: number }> => {
    const row = (await store.query(`SELECT count(*) AS n, ${names.map((n, i) => `count(${quoteIdentifier(n)}) > 0 AS p${i}`).join(', ')} FROM ${source} AS f`)).rows[0] ?? {};
    return { present: new Set(names.filter((_, i) => row[`p${i}`] === true)), rows: Number(row.n) };
  };
  if (columns.length === 0) return [];
  const first = await probe(columns, `(SELECT * FROM ${from} AS s LIMIT ${PRESENT_SAMPLE_ROWS})`);
  const seen = first.present;
  // A sample shorter than its limit held every row: nothing is left undecided.
  const undecided = first.rows < PRESENT_SAMPLE_ROWS ? [] : columns.filter((c) => !seen.has(c));
  const more = undecided.length > 0 ? await anyValue(store, undecided, from) : new Set<string>();
  return columns.filter((c) => seen.has(c) || more.has(c));
}

// The columns with a value in any row of `from`: one EXISTS each, which stops at the first value. Columns whose
// statistics say they never held a value (a field the store never held, which the view makes a constant NULL) are
// left out first: each EXISTS binds the whole view, which costs more than its scan on a store of 100M records.
async function anyValue(store: Store, columns: readonly string[], from: string): Promise<Set<string>> {
  const candidates = await withoutNeverFilled(store, columns, from);
  if (candidates.length === 0) return new Set();
  const tests = candidates.map((c, i) => `EXISTS (SELECT 1 FROM ${from} AS f WHERE ${quoteIdentifier(c)} IS NOT NULL) AS p${i}`);
  const row = (await store.query(`SELECT ${tests.join(', ')}`)).rows[0] ?? {};
  return new Set(candidates.filter((_, i) => row[`p${i}`] === true));
}

// The columns DuckDB's statistics cannot rule out: `stats()` is read from the tables' metadata without a scan, and
// "Has No Null: false" means no value was ever stored (values present, or unknown statistics, keep the column).
async function withoutNeverFilled(store: Store, columns: readonly string[], from: string): Promise<readonly string[]> {
  const row = (await store.query(`SELECT ${columns.map((c, i) => `stats(${quoteIdentifier(c)}) AS s${i}`).join(', ')} FROM ${from} AS f LIMIT 1`)).rows[0];
  if (!row) return columns;
  return columns.filter((_, i) => !String(row[`s${i}`]).includes('Has No Null: false'));
}
