import { QueryError } from '../records/index.js';
import type { RowStream, Store } from '../store/database.js';
import { quoteIdentifier } from '../store/sql-text.js';
import { runUserSql, toReadOnlySql } from './user-sql.js';

/**
 * Like runUserSql, but returns the rows as DuckDB produces them (a RowStream) instead of a whole result: the same
 * statement check, then the query is started and read chunk by chunk by the caller.
 */
export async function streamUserSql(store: Store, sql: string): Promise<RowStream> {
  const runnable = toReadOnlySql(sql);
  try {
    return await store.streamRows(runnable);
  } catch (error) {
    if (error instanceof QueryError && error.code === 'sql') {
      // The error a failed run gives, with its hint and position (runUserSql builds it).
      await runUserSql(store, sql);
    }
    throw error;
  }
}

/**
 * Makes `flows` (and the views over it, such as vpc_flow_logs) show only the records of `where` on this
 * connection: a TEMP view named flows, found before the stored one, over the stored one. `TRUE` changes nothing.
 */
export async function restrictFlows(store: Store, where: string): Promise<void> {
  if (where === 'TRUE') return;
  const database = String(await store.scalar('SELECT current_database()'));
  await store.run(`CREATE OR REPLACE TEMP VIEW flows AS SELECT * FROM ${quoteIdentifier(database)}.main.flows WHERE ${where}`);
}
