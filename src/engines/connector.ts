import type { AthenaCost } from './athena/cost.js';
import type { EngineName, SqlDialect } from './dialect.js';

/** The rows of a report, an Insights query or SQL: column names and types, rows keyed by column, the SQL that ran. */
export interface TableResult {
  columns: string[];
  types: string[];
  rows: Record<string, unknown>[];
  /** True when `maxRows` cut the result short. */
  truncated: boolean;
  sql: string;
}

/** How one statement runs on a connector: at most `maxRows` rows are read, and `signal` stops it. */
export interface RunOptions {
  maxRows?: number | undefined;
  signal?: AbortSignal | undefined;
  /** Receives the rows page by page as the engine returns them (Athena); the result's `rows` then stays empty. */
  onRows?: ((columns: string[], types: string[], rows: Record<string, unknown>[]) => Promise<void> | void) | undefined;
}

/** What Athena reports about a finished query: its id, the data it scanned and what that costs. */
export interface AthenaRunInfo {
  queryExecutionId: string;
  totalExecutionTimeMs: number;
  /** Bytes scanned, bytes billed and dollars. */
  cost: AthenaCost;
}

/** The rows a connector returned, how long the run took, and what the engine reported about it. */
export interface ConnectorResult extends TableResult {
  engine: EngineName;
  elapsedMs: number;
  /** Athena only: the query id, the data scanned and its cost. */
  athena?: AthenaRunInfo | undefined;
}

/**
 * One SQL engine behind one interface: its dialect (what callers write SQL with) and `run` (where that SQL runs).
 * Get a connector, build the SQL with `connector.dialect`, run it; `close` releases what the connector opened.
 */
export interface Connector {
  readonly name: EngineName;
  readonly dialect: SqlDialect;
  run(sql: string, options?: RunOptions): Promise<ConnectorResult>;
  close(): Promise<void>;
}

/** A connection a connector opens at its first run (once, however many runs start together) and closes on `close`. */
export interface OpenedOnFirstUse<T> {
  get(): Promise<T>;
  close(): Promise<void>;
}

/** Opens `open()` at the first `get`; a `given` value is used as is and left for its owner to close. */
export function openOnFirstUse<T>(given: T | undefined, open: () => Promise<T>, close: (value: T) => Promise<void>): OpenedOnFirstUse<T> {
  let opening: Promise<T> | undefined;
  return {
    get: () => (given !== undefined ? Promise.resolve(given) : (opening ??= open())),
    async close(): Promise<void> {
      const pending = opening;
      opening = undefined;
      // A failed open left nothing to close.
      const value = await pending?.catch(() => undefined);
      if (value !== undefined) await close(value);
    },
  };
}
