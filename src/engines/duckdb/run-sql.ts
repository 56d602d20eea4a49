import type { QueryResult, Store } from '../../store/database.js';
import type { TableResult } from '../connector.js';
import type { SqlDialect } from '../dialect.js';
import type { SqlSandbox } from './sandbox.js';

/**
 * Where generated SQL runs: on a sandbox (checked by DuckDB's parser, no files, settings locked, interruptible by
 * `signal`) — as for every query text a user wrote — or, without one, on the store's own connection.
 */
export interface GeneratedSqlRun {
  sandbox?: SqlSandbox | undefined;
  signal?: AbortSignal | undefined;
  /** The store's dialect, when the caller already read it (the server reads it in its queue). */
  dialect?: SqlDialect | undefined;
}

/** Runs generated SQL on the store (or the sandbox in `run`), reading at most `maxRows` rows when given. */
export async function runGeneratedSql(store: Store, sql: string, maxRows?: number, run: GeneratedSqlRun = {}): Promise<TableResult> {
  if (run.sandbox) return runOnSandbox(run.sandbox, sql, maxRows, run.signal);
  if (maxRows === undefined) {
    const result = await store.query(sql);
    return { ...result, truncated: false, sql };
  }
  const capped = await store.queryCapped(sql, maxRows);
  const rows = capped.rows.map((values) => Object.fromEntries(capped.columns.map((name, i) => [name, values[i]])));
  return { columns: capped.columns, types: capped.types, rows, truncated: capped.truncated, sql };
}

async function runOnSandbox(sandbox: SqlSandbox, sql: string, maxRows: number | undefined, signal: AbortSignal | undefined): Promise<TableResult> {
  const { runUserSql, runUserSqlCapped } = await import('./user-sql.js');
  const hint = 'the query compiled to the SQL shown; see docs/queries.md';
  if (maxRows === undefined) return { ...(await runUserSql(sandbox, sql, { signal, hint })), truncated: false, sql };
  const capped = await runUserSqlCapped(sandbox, sql, maxRows, { signal, hint });
  const rows = capped.rows.map((values) => Object.fromEntries(capped.columns.map((name, i) => [name, values[i]])));
  return { columns: capped.columns, types: capped.types, rows, truncated: capped.truncated, sql };
}

/**
 * Runs one read-only SQL statement a user wrote on the store, in a sandbox opened for it and closed after (DuckDB's
 * parser checks the statement; no file access, settings locked); anything but one read-only statement is a
 * QueryError 'read-only'. An in-memory store stays locked down afterwards, so load it first.
 */
export async function runSql(store: Store, sql: string, options: { signal?: AbortSignal } = {}): Promise<QueryResult> {
  const [{ SqlSandbox }, { runUserSql }] = await Promise.all([import('./sandbox.js'), import('./user-sql.js')]);
  const sandbox = await SqlSandbox.open(store);
  try {
    return await runUserSql(sandbox, sql, options);
  } finally {
    await sandbox.close();
  }
}
