import type { RowStream, Store } from '../../store/database.js';
import type { SqlSandbox } from './sandbox.js';
import { quoteIdentifier } from '../../sql/index.js';
import { withUserSqlStream } from './user-sql.js';
import type { UserSqlOptions, UserSqlStream } from './user-sql.js';

/**
 * Runs a user's SQL in the sandbox (one read-only statement, checked by DuckDB's parser) and hands its rows, as
 * DuckDB produces them, to `consume` as a RowStream (arrays in column order); the connection is held until it returns.
 */
export async function streamUserSql<T>(sandbox: SqlSandbox, sql: string, consume: (stream: RowStream) => Promise<T>, options: UserSqlOptions = {}): Promise<T> {
  return withUserSqlStream(sandbox, sql, (stream) => consume(toRowStream(stream)), options);
}

/**
 * The statements that make `flows` (and the views over it, such as vpc_flow_logs) show only the records of `where`
 * on a connection: a TEMP view named flows, found before the stored one, over the stored one. `TRUE` needs none.
 */
export async function restrictFlowsStatements(store: Store, where: string): Promise<string[]> {
  if (where === 'TRUE') return [];
  const database = String(await store.scalar('SELECT current_database()'));
  return [`CREATE OR REPLACE TEMP VIEW flows AS SELECT * FROM ${quoteIdentifier(database)}.main.flows WHERE ${where}`];
}

function toRowStream(stream: UserSqlStream): RowStream {
  return {
    columns: stream.columns,
    types: stream.types,
    [Symbol.asyncIterator]: () => stream.rows(),
  };
}
