import { QueryError } from '../../records/index.js';
import type { Store } from '../../store/database.js';
import type { Connector, ConnectorResult, RunOptions } from '../connector.js';
import type { SqlDialect } from '../dialect.js';
import { runGeneratedSql } from './run-sql.js';
import type { SqlSandbox } from './sandbox.js';
import { dialectForStore } from './store-dialect.js';

/** Options of the DuckDB connector: the sandbox user-written SQL runs in, and the dialect when already known. */
export interface DuckDbConnectorOptions {
  /** Runs every statement in this sandbox (one read-only statement, no files, settings locked); else on the store. */
  sandbox?: SqlSandbox | undefined;
  /** The store's dialect (default: read from the store, with its rollups when they are up to date). */
  dialect?: SqlDialect | undefined;
}

/**
 * The local store as a connector: SQL written with its dialect (the store's rollups when up to date) runs on the
 * store, or in the sandbox when one is given. Closing it leaves the store (and the sandbox) open: the caller owns them.
 */
export async function createDuckDbConnector(store: Store, options: DuckDbConnectorOptions = {}): Promise<Connector> {
  const dialect = options.dialect ?? (await dialectForStore(store));
  return {
    name: 'duckdb',
    dialect,
    async run(sql: string, run: RunOptions = {}): Promise<ConnectorResult> {
      // Only a sandbox can interrupt a running statement; on the store the signal is checked before it starts.
      if (run.signal?.aborted) throw new QueryError('interrupted', 'the query was cancelled before it started', { sql, cause: run.signal.reason });
      const started = performance.now();
      const result = await runGeneratedSql(store, sql, run.maxRows, { sandbox: options.sandbox, signal: run.signal });
      const elapsedMs = performance.now() - started;
      if (!run.onRows) return { ...result, engine: 'duckdb', elapsedMs };
      // The contract of onRows: the rows go to the callback and the result carries none.
      if (result.rows.length > 0) await run.onRows(result.columns, result.types, result.rows);
      return { ...result, rows: [], engine: 'duckdb', elapsedMs };
    },
    close: () => Promise.resolve(),
  };
}
