import { DuckDBInstance } from '../../store/duckdb-api.js';
import type { DuckDBConnection } from '@duckdb/node-api';
import { FlowlensError, QueryError } from '../../records/index.js';
import type { Store } from '../../store/database.js';
import { macroStatements } from '../../store/macros.js';

/**
 * The DuckDB settings that shut user SQL in (DuckDB docs, "Securing DuckDB"): no file, URL or ATTACH access, no
 * extension install or auto-load, and the configuration locked so no statement can turn any of it back on. They are
 * instance-wide, so a sandbox is its own instance (or, for in-memory data, the locked-down instance holding it).
 */
export const SANDBOX_SETTINGS: Readonly<Record<string, string>> = {
  enable_external_access: 'false',
  autoinstall_known_extensions: 'false',
  autoload_known_extensions: 'false',
  allow_community_extensions: 'false',
};

/** Options of a sandbox: how many user statements may run at the same time. */
export interface SandboxOptions {
  connections?: number;
  /** Statements run on each new connection before user SQL (TEMP views such as table aliases). */
  setup?: readonly string[];
}

/**
 * Where user SQL runs: a DuckDB instance with external access off, extensions off and the configuration locked, the
 * store's file opened read-only, each statement in a READ ONLY transaction on a pooled connection that can be
 * interrupted. flowlens's own loading of SOURCE files happens before, on the store.
 */
export class SqlSandbox {
  private readonly idle: DuckDBConnection[] = [];
  private readonly busy = new Set<DuckDBConnection>();
  private readonly waiting: ((connection: DuckDBConnection | undefined) => void)[] = [];
  private readonly drained: (() => void)[] = [];
  private opened = 0;
  private closed = false;
  private finished = false;

  private constructor(
    private readonly connect: () => Promise<DuckDBConnection>,
    private readonly owned: DuckDBInstance | undefined,
    private readonly size: number,
    private readonly setup: readonly string[] = [],
  ) {}

  /**
   * Opens a sandbox over a store: a database file is opened again, read-only, in a locked-down instance of its own;
   * an in-memory store's own instance is locked down (so open the sandbox after loading: file reads end there).
   */
  static async open(store: Store, options: SandboxOptions = {}): Promise<SqlSandbox> {
    const size = Math.max(1, options.connections ?? 1);
    if (store.path === ':memory:') {
      const setup = await store.connect();
      try {
        await lockDown(setup);
      } finally {
        setup.closeSync();
      }
      return new SqlSandbox(() => store.connect(), undefined, size, options.setup);
    }
    let instance: DuckDBInstance;
    try {
      // The same memory bound as the store's own instance, so big user queries spill instead of growing.
      const bounds = { memory_limit: String(await store.scalar("SELECT current_setting('memory_limit')")), temp_directory: String(await store.scalar("SELECT current_setting('temp_directory')")) };
      instance = await DuckDBInstance.create(store.path, { access_mode: 'READ_ONLY', ...bounds, ...SANDBOX_SETTINGS });
    } catch (error) {
      throw new FlowlensError('db-open', `cannot open database ${store.path} read-only for queries: ${(error as Error).message}`, {
        hint: 'another flowlens process may hold the database for writing (an ingest); wait for it to finish',
        cause: error,
      });
    }
    try {
      const setup = await instance.connect();
      try {
        await lockDown(setup);
      } finally {
        setup.closeSync();
      }
    } catch (error) {
      instance.closeSync();
      throw error;
    }
    return new SqlSandbox(() => instance.connect(), instance, size, options.setup);
  }

  /**
   * Runs `task` on a sandbox connection inside a READ ONLY transaction (rolled back afterwards); when `signal` aborts,
   * the running statement is interrupted and the call rejects with the signal's reason (a FlowlensError) or 'interrupted'.
   */
  async use<T>(task: (connection: DuckDBConnection) => Promise<T>, signal?: AbortSignal): Promise<T> {
    const connection = await this.acquire(signal);
    // Interrupted again until the task ends: a statement that starts just after the first interrupt must stop too.
    let again: ReturnType<typeof setInterval> | undefined;
    const interrupt = (): void => {
      connection.interrupt();
      again ??= setInterval(() => connection.interrupt(), 50);
    };
    signal?.addEventListener('abort', interrupt);
    try {
      await connection.run('BEGIN TRANSACTION READ ONLY');
      if (signal?.aborted) throw abortError(signal);
      return await task(connection);
    } catch (error) {
      if (signal?.aborted) throw abortError(signal, error);
      throw error;
    } finally {
      signal?.removeEventListener('abort', interrupt);
      clearInterval(again);
      await connection.run('ROLLBACK').catch(() => undefined);
      this.release(connection);
    }
  }

  /** Interrupts every statement running in the sandbox (shutdown). */
  interruptAll(): void {
    for (const connection of this.busy) connection.interrupt();
  }

  /** Interrupts running statements, waits for them to stop, and closes the connections (and the sandbox's own instance). */
  async close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      for (const resolve of this.waiting.splice(0)) resolve(undefined);
      for (const connection of this.idle.splice(0)) connection.closeSync();
      this.interruptAll();
      if (this.busy.size === 0) this.finish();
    }
    if (this.busy.size === 0) return;
    // Interrupted again until they stop: a statement starting right after an interrupt would not see it.
    const again = setInterval(() => this.interruptAll(), 50);
    await new Promise<void>((resolve) => this.drained.push(resolve));
    clearInterval(again);
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.owned?.closeSync();
    for (const resolve of this.drained.splice(0)) resolve();
  }

  private async acquire(signal: AbortSignal | undefined): Promise<DuckDBConnection> {
    if (this.closed) throw closedError();
    if (signal?.aborted) throw abortError(signal);
    let connection = this.idle.pop();
    if (!connection && this.opened < this.size) {
      this.opened++;
      try {
        connection = await this.newConnection();
      } catch (error) {
        this.opened--;
        throw error;
      }
    }
    if (!connection) {
      connection = await new Promise<DuckDBConnection | undefined>((resolve) => {
        const give = (c: DuckDBConnection | undefined): void => {
          signal?.removeEventListener('abort', cancel);
          resolve(c);
        };
        const cancel = (): void => {
          this.waiting.splice(this.waiting.indexOf(give), 1);
          resolve(undefined);
        };
        this.waiting.push(give);
        signal?.addEventListener('abort', cancel, { once: true });
      });
      if (!connection) throw signal?.aborted ? abortError(signal) : closedError();
    }
    this.busy.add(connection);
    return connection;
  }

  private release(connection: DuckDBConnection): void {
    this.busy.delete(connection);
    if (this.closed) {
      connection.closeSync();
      if (this.busy.size === 0) this.finish();
      return;
    }
    const next = this.waiting.shift();
    if (next) next(connection);
    else this.idle.push(connection);
  }

  private async newConnection(): Promise<DuckDBConnection> {
    const connection = await this.connect();
    // The helper macros and views are TEMP objects, one set per connection; TimeZone is set instance-wide before the lock.
    for (const sql of macroStatements()) {
      if (sql.startsWith('CREATE')) await connection.run(sql.replace('CREATE MACRO', 'CREATE OR REPLACE TEMP MACRO'));
    }
    for (const sql of this.setup) await connection.run(sql);
    return connection;
  }
}

/** Turns the sandbox settings on for the whole instance, times in UTC as everywhere in flowlens, then locks them. */
async function lockDown(connection: DuckDBConnection): Promise<void> {
  await connection.run("SET GLOBAL TimeZone = 'UTC'");
  for (const [name, value] of Object.entries(SANDBOX_SETTINGS)) await connection.run(`SET ${name} = ${value}`);
  await connection.run('SET lock_configuration = true');
}

function abortError(signal: AbortSignal, cause?: unknown): FlowlensError {
  const reason: unknown = signal.reason;
  if (reason instanceof FlowlensError) return reason;
  return new QueryError('interrupted', 'the query was interrupted', { hint: 'the server is stopping, or the request was cancelled', cause: cause ?? reason });
}

function closedError(): FlowlensError {
  return new QueryError('interrupted', 'the query sandbox is closed', { hint: 'the server is stopping' });
}
