import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { DuckDBInstance } from './duckdb-api.js';
import type { DuckDBConnection, DuckDBValue } from '@duckdb/node-api';
import { FlowlensError, QueryError } from '../records/index.js';
import { resultRows, streamWasCut } from './chunk-rows.js';
import { macroStatements } from './macros.js';
import { ensureFlowColumns } from './flow-columns.js';
import { BASE_COLUMNS, flowsViewSql, schemaStatements } from './schema.js';

/** The database path used when neither --db nor FLOWLENS_DB is given. */
export const DEFAULT_DB_PATH = 'flowlens.duckdb';

/** Resolves the database path: the --db option, else $FLOWLENS_DB, else ./flowlens.duckdb. */
export function resolveDbPath(option: string | undefined, env: Record<string, string | undefined> = process.env): string {
  return option ?? env.FLOWLENS_DB ?? DEFAULT_DB_PATH;
}

/** A query result as plain JS values: integers as numbers (bigint beyond 2^53), timestamps as ISO text. */
export interface QueryResult {
  columns: string[];
  types: string[];
  rows: Record<string, unknown>[];
}

/** A query result capped at a row count: rows as arrays in column order, and whether rows were left out. */
export interface CappedQueryResult {
  columns: string[];
  types: string[];
  rows: unknown[][];
  truncated: boolean;
}

/** A query's rows as DuckDB produces them: the columns and their types first, then arrays of rows chunk by chunk. */
export interface RowStream extends AsyncIterable<unknown[][]> {
  readonly columns: string[];
  readonly types: string[];
}

/** Options for opening a store: read-only for queries, and DuckDB settings such as threads. */
export interface OpenStoreOptions {
  readOnly?: boolean;
  threads?: number;
  /** DuckDB's memory_limit (e.g. `384MB`); default $FLOWLENS_MEMORY_LIMIT, else DEFAULT_MEMORY_LIMIT. */
  memoryLimit?: string;
  /** Where DuckDB spills work that does not fit memory_limit; default $FLOWLENS_TEMP_DIR, else see storeTempDirectory. */
  tempDirectory?: string;
}

/** The memory_limit every store gets unless told otherwise: big sorts and aggregations spill instead of growing. */
export const DEFAULT_MEMORY_LIMIT = '256MiB';

/**
 * The DuckDB settings bounding a store's memory: memory_limit, and temp_directory for what spills (next to a
 * writable database file as `<db>.tmp`, else a per-process folder under the system temporary folder).
 */
export function storeMemorySettings(path: string, options: OpenStoreOptions = {}, env: Record<string, string | undefined> = process.env): Record<string, string> {
  const memoryLimit = options.memoryLimit ?? (env.FLOWLENS_MEMORY_LIMIT || DEFAULT_MEMORY_LIMIT);
  const own = path !== ':memory:' && !options.readOnly ? `${resolve(path)}.tmp` : join(tmpdir(), `flowlens-duckdb-${process.pid}`);
  return { memory_limit: memoryLimit, temp_directory: options.tempDirectory ?? (env.FLOWLENS_TEMP_DIR || own) };
}

/** The embedded DuckDB store: one database file (or ':memory:') with the flows schema. */
export class Store {
  // Whether the connection is inside a transaction begun through run() (BEGIN … COMMIT/ROLLBACK).
  private transactionOpen = false;
  // The transaction a stream began for itself and has not ended yet (its token).
  private streamTransaction: object | undefined;

  private constructor(
    private readonly instance: DuckDBInstance,
    readonly connection: DuckDBConnection,
    readonly path: string,
  ) {}

  /** Opens (creating when missing, unless read-only) the database at `path` and ensures the schema. */
  static async open(path: string, options: OpenStoreOptions = {}): Promise<Store> {
    // A database made by this open has exactly the schema's columns: nothing to read back before making the view.
    const fresh = path === ':memory:' || (!options.readOnly && !existsSync(resolve(path)));
    if (path !== ':memory:' && !options.readOnly) mkdirSync(dirname(resolve(path)), { recursive: true });
    const settings: Record<string, string> = storeMemorySettings(path, options);
    if (options.readOnly) settings.access_mode = 'READ_ONLY';
    if (options.threads) settings.threads = String(options.threads);
    // jemalloc then gives freed pages back to the system in the background; otherwise the pages of every finished
    // sort and COPY stay resident, hundreds of MB beyond memory_limit on a long print or a graph of many files.
    settings.allocator_background_threads = 'true';
    let instance: DuckDBInstance;
    try {
      instance = await DuckDBInstance.create(path, settings);
    } catch (error) {
      throw new FlowlensError('db-open', `cannot open database ${path}: ${(error as Error).message}`, {
        hint: /memory_limit|temp_directory|memory limit|set config/i.test((error as Error).message)
          ? `check FLOWLENS_MEMORY_LIMIT (now ${settings.memory_limit}; e.g. 512MB or 2GB) and FLOWLENS_TEMP_DIR`
          : openFailureHint((error as Error).message, options.readOnly === true),
        cause: error,
      });
    }
    const connection = await instance.connect();
    const store = new Store(instance, connection, path);
    if (!options.readOnly) {
      // One round trip: DuckDB runs the statements in order.
      await connection.run(schemaStatements().join(';\n'));
      if (fresh) await connection.run(flowsViewSql(new Set(BASE_COLUMNS)));
      else await ensureFlowColumns(store, []);
    }
    await startSession(connection);
    return store;
  }

  /** Opens another connection to this store's database (the SQL sandbox runs user statements on its own ones). */
  connect(): Promise<DuckDBConnection> {
    return this.instance.connect();
  }

  /** Opens another connection set up as the store's own (UTC time zone, the TEMP macros and views), to run the store's SQL beside it. */
  async connectSession(): Promise<DuckDBConnection> {
    const connection = await this.instance.connect();
    try {
      await startSession(connection);
    } catch (error) {
      connection.closeSync();
      throw error;
    }
    return connection;
  }

  /** Opens a fresh in-memory store (used when commands run straight on a SOURCE); it spills to its temp_directory. */
  static memory(options: Pick<OpenStoreOptions, 'memoryLimit' | 'tempDirectory'> = {}): Promise<Store> {
    return Store.open(':memory:', options);
  }

  /** Runs a statement without reading results. */
  async run(sql: string, params?: DuckDBValue[]): Promise<void> {
    await this.endAbandonedStream();
    try {
      await this.connection.run(sql, params);
    } catch (error) {
      throw new QueryError('sql', (error as Error).message, { sql, cause: error });
    }
    if (/^\s*BEGIN\b/i.test(sql)) this.transactionOpen = true;
    else if (/^\s*(COMMIT|ROLLBACK|ABORT|END)\b/i.test(sql)) this.transactionOpen = false;
  }

  /** Runs a query and returns all rows as plain JS objects. */
  async query(sql: string, params?: DuckDBValue[]): Promise<QueryResult> {
    await this.endAbandonedStream();
    let reader;
    try {
      reader = await this.connection.runAndReadAll(sql, params);
    } catch (error) {
      throw new QueryError('sql', (error as Error).message, { sql, cause: error });
    }
    const columns = reader.columnNames();
    const types = reader.columnTypes().map((t) => t.toString());
    const rows = reader.getRowObjectsJS().map((row) => normalizeRow(row as Record<string, unknown>));
    return { columns, types, rows };
  }

  /** Runs a query and reads at most `maxRows` rows as arrays (duplicate column names stay apart); `truncated` when more exist. */
  async queryCapped(sql: string, maxRows: number): Promise<CappedQueryResult> {
    let reader;
    try {
      reader = await this.connection.streamAndReadUntil(sql, maxRows + 1);
    } catch (error) {
      throw new QueryError('sql', (error as Error).message, { sql, cause: error });
    }
    const rows = reader.getRowsJS().slice(0, maxRows).map((row) => row.map(normalizeValue));
    return { columns: reader.columnNames(), types: reader.columnTypes().map((t) => t.toString()), rows, truncated: reader.currentRowCount > maxRows };
  }

  /**
   * Starts a query and returns its rows as a stream of chunks (plain JS values as `query` gives them, rows as arrays
   * in column order so duplicate names stay apart). Stopping the iteration early ends the query.
   */
  async streamRows(sql: string, params?: DuckDBValue[]): Promise<RowStream> {
    const own = await this.beginStream();
    let result;
    try {
      result = await this.connection.stream(sql, params);
    } catch (error) {
      await this.endStream(own, false, sql);
      throw new QueryError('sql', (error as Error).message, { sql, cause: error });
    }
    const source = result;
    const end = (complete: boolean): Promise<void> => this.endStream(own, complete, sql);
    return {
      columns: source.columnNames(),
      types: source.columnTypes().map((t) => t.toString()),
      async *[Symbol.asyncIterator]() {
        let complete = false;
        try {
          yield* resultRows(source);
          complete = true;
        } catch (error) {
          throw new QueryError('sql', (error as Error).message, { sql, cause: error });
        } finally {
          await end(complete);
        }
      },
    };
  }

  /** Streams a query's rows in batches, for results too large to hold. */
  async *stream(sql: string, params?: DuckDBValue[]): AsyncGenerator<Record<string, unknown>[]> {
    const own = await this.beginStream();
    let complete = false;
    try {
      let result;
      try {
        result = await this.connection.stream(sql, params);
      } catch (error) {
        throw new QueryError('sql', (error as Error).message, { sql, cause: error });
      }
      for await (const batch of result.yieldRowObjectJs()) yield batch.map((row) => normalizeRow(row as Record<string, unknown>));
      complete = true;
    } finally {
      await this.endStream(own, complete, sql);
    }
  }

  /** Streams the first column of a query as text, one array per chunk (for results that SQL renders to text). */
  async *streamText(sql: string, params?: DuckDBValue[]): AsyncGenerator<string[]> {
    const own = await this.beginStream();
    let complete = false;
    try {
      let result;
      try {
        result = await this.connection.stream(sql, params);
      } catch (error) {
        throw new QueryError('sql', (error as Error).message, { sql, cause: error });
      }
      for (;;) {
        const chunk = await result.fetchChunk();
        if (!chunk || chunk.rowCount === 0) break;
        const vector = chunk.getColumnVector(0);
        const lines = new Array<string>(chunk.rowCount);
        for (let i = 0; i < chunk.rowCount; i++) lines[i] = String(vector.getItem(i) ?? '');
        yield lines;
      }
      complete = true;
    } finally {
      await this.endStream(own, complete, sql);
    }
  }

  // DuckDB's Node driver ends a streamed result that an error cut short (out of memory halfway, a value that does not
  // convert) exactly as a complete one. Inside a transaction the error shows afterwards, as the transaction is then
  // aborted: a stream runs in one (its own, unless the caller has one open) and is checked when its rows end.
  private async beginStream(): Promise<object | undefined> {
    await this.endAbandonedStream();
    if (this.transactionOpen) return undefined;
    await this.connection.run('BEGIN TRANSACTION');
    const token = {};
    this.streamTransaction = token;
    return token;
  }

  // `own` is the token beginStream gave (undefined inside a caller's transaction); `complete` says the rows ended.
  private async endStream(own: object | undefined, complete: boolean, sql: string): Promise<void> {
    // Another statement on the connection ended the stream's transaction meanwhile (and DuckDB closed the stream):
    // nothing is left to check or end, and a statement now would close that other statement's stream in turn.
    if (own !== undefined && this.streamTransaction !== own) return;
    let cut = false;
    if (complete) {
      try {
        cut = await streamWasCut(this.connection);
      } catch (error) {
        throw new QueryError('sql', (error as Error).message, { sql, cause: error });
      }
    }
    if (own !== undefined && this.streamTransaction === own) {
      this.streamTransaction = undefined;
      await this.connection.run(complete && !cut ? 'COMMIT' : 'ROLLBACK').catch(() => undefined);
    }
    if (cut) {
      throw new QueryError('sql', 'the query stopped with an error partway through its rows, so its output is incomplete', {
        sql,
        hint: 'if the machine ran short of memory, raise FLOWLENS_MEMORY_LIMIT or narrow the question (--start/--end, a filter) and run it again',
      });
    }
  }

  // A stream's own transaction that its reader left open (stopped before the end, or never read) ends before the
  // connection runs anything else.
  private async endAbandonedStream(): Promise<void> {
    if (!this.streamTransaction) return;
    this.streamTransaction = undefined;
    await this.connection.run('ROLLBACK').catch(() => undefined);
  }

  /** Returns the single value of a one-row, one-column query. */
  async scalar(sql: string, params?: DuckDBValue[]): Promise<unknown> {
    const result = await this.query(sql, params);
    const first = result.rows[0];
    return first ? first[result.columns[0] ?? ''] : undefined;
  }

  /** Closes the connection and the database. */
  close(): void {
    this.connection.closeSync();
    this.instance.closeSync();
  }
}

// The TEMP macros of a session as one text (one round trip: DuckDB runs its statements in order), made once.
let sessionSql: string | undefined;

// Temporary macros and views belong to the connection that created them: every connection running the store's SQL makes its own.
async function startSession(connection: DuckDBConnection): Promise<void> {
  sessionSql ??= macroStatements().map((sql) => sql.replace('CREATE MACRO', 'CREATE OR REPLACE TEMP MACRO')).join(';\n');
  await connection.run(sessionSql);
}

/** What to do when DuckDB cannot open a database file, from its error message: held by another process, not writable, missing or not a database. */
export function openFailureHint(message: string, readOnly: boolean): string {
  const holder = /Conflicting lock is held in (.+?) \(PID (\d+)\)/.exec(message);
  if (holder || /Could not set lock/i.test(message)) {
    const who = holder ? `process ${holder[2]} (${holder[1]})` : 'another process';
    return readOnly
      ? `${who} is writing to the database (a running \`flowlens ingest\`, \`watch\` or \`alerts run\`?): DuckDB lets readers in once it has finished; run again then, or query a copy of the file`
      : `${who} has the database open: wait for it to finish or stop it, or use another --db`;
  }
  if (/permission denied|read-only file system|EACCES|EROFS|EPERM/i.test(message)) {
    return readOnly
      ? 'the database file cannot be read by this user: check its permissions, or pass another --db'
      : 'the database file or its folder is not writable (permissions or a read-only file system): pass a --db on a writable disk; commands that only read open it read-only';
  }
  if (/database does not exist|no such file/i.test(message)) return 'run `flowlens ingest SOURCE --db PATH` first, or pass the right --db';
  if (/not a valid DuckDB database/i.test(message)) return 'the file is not a flowlens (DuckDB) database: pass the right --db';
  return 'check the --db path, and that no other process is writing to it';
}

/** Converts DuckDB JS values to plain JSON-friendly ones. */
export function normalizeValue(value: unknown): unknown {
  if (typeof value === 'bigint') {
    return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(value) : value;
  }
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(normalizeValue);
  return value;
}

function normalizeRow(row: Record<string, unknown>): Record<string, unknown> {
  for (const key of Object.keys(row)) row[key] = normalizeValue(row[key]);
  return row;
}
