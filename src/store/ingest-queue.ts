import { rmSync } from 'node:fs';
import type { LogFormat } from '../parse/index.js';
import type { SourceUnit } from '../sources/index.js';
import type { Store } from './database.js';
import { ensureFlowColumns } from './flow-columns.js';
import { applySettings, runThenRestore } from './settings.js';
import { createIngestFolder, removeIngestFolder } from './temp-folders.js';
import { FLOW_RECORDS_TABLE, isTextLayout, NARROW_FORMS } from './schema.js';
import { quoteIdentifier, sqlLiteral } from './sql-text.js';
import type { ChunkFile } from './unit-writer.js';

// One INSERT … read_parquet over many chunk files costs much less CPU than one per file, so chunks wait until
// this many rows can be loaded together; the first load starts sooner, as DuckDB has nothing to do until then, and
// loads no larger than this keep short what DuckDB still has to load once JavaScript has read the last line.
const FIRST_LOAD_ROWS = 200_000;
const LOAD_ROWS = 300_000;
// Units share a transaction until this many rows or this much time has gone into it: DuckDB's commit of
// a small unit costs about as much as loading it.
const GROUP_ROWS = 2_000_000;
const GROUP_MS = 30_000;
// …or this many units: a folder of thousands of small objects would otherwise put all of them in one transaction,
// whose rows, ledger rows and rollups at once took the process past 512 MB.
const GROUP_UNITS = 4096;
const INGEST_MEMORY_LIMIT = '128MB';

/** Work the owner of an IngestQueue adds to its transactions. */
export interface IngestQueueHooks {
  /**
   * Called when a commit is queued, while only finished units have written rows: hands their open chunks to
   * add(), and returns the work that must run in the same transaction just before its COMMIT (ledger rows).
   */
  seal?: (() => (() => Promise<void>) | undefined) | undefined;
}

/**
 * The store side of an ingest, run one task at a time in submission order while JavaScript goes on
 * parsing the next units: chunk files are loaded several units at a time, and units share a transaction
 * committed every GROUP_ROWS rows or GROUP_MS. Nothing else may use the store's connection while the
 * queue has work: code that needs it awaits `exclusive()` first. The first failing task stops the queue;
 * later calls rethrow its error.
 */
export class IngestQueue {
  /** Where unit writers put their chunk files; removed by finish(). */
  readonly folder: string;
  private tail: Promise<void> = Promise.resolve();
  private failure: unknown = null;
  private inTransaction = false;
  private pending: ChunkFile[] = [];
  private pendingRows = 0;
  private loadQueued = false;
  private loads: Promise<unknown>[] = [];
  private groupRows = 0;
  private groupSince = 0;
  private waiting: SourceUnit[] = [];
  private columns: Set<string> | undefined;
  /** Puts back the DuckDB settings changed for the ingest (called by finish()); null until the first task. */
  private restoreSettings: (() => Promise<void>) | null = null;
  /** The store's thread count before the ingest set it to one (see withAllThreads). */
  private threadsBefore: number | undefined;

  constructor(
    private readonly store: Store,
    private readonly hooks: IngestQueueHooks = {},
  ) {
    this.folder = createIngestFolder();
  }

  /** Queues a task that runs inside the group's transaction (begun when needed); resolves with its result. */
  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(async () => {
      if (this.failure) throw this.failure;
      this.restoreSettings ??= await this.configure();
      if (!this.inTransaction) {
        await this.store.run('BEGIN TRANSACTION');
        this.inTransaction = true;
        this.groupSince = performance.now();
      }
      return task();
    });
    this.tail = result.then(
      () => undefined,
      (error: unknown) => {
        this.failure ??= error;
      },
    );
    return result;
  }

  /** Queues a task whose result nobody waits for; a failure surfaces at the next exclusive() or finish(). */
  submit(task: () => Promise<unknown>): void {
    this.run(task).catch(() => undefined);
  }

  /**
   * Runs `work` (a task of this queue, e.g. in a `seal` hook) with the thread count the store had before the ingest:
   * an aggregation over a group's records runs on every core while JavaScript mostly waits for it.
   */
  async withAllThreads<T>(work: () => Promise<T>): Promise<T> {
    if (this.threadsBefore === undefined) return work();
    return runThenRestore(await applySettings(this.store, { threads: String(this.threadsBefore) }), work);
  }

  /** Waits until every queued task has run, inside an open transaction: the caller may then use the connection. */
  async exclusive(): Promise<void> {
    await this.run(async () => undefined);
  }

  /** Accepts a full chunk file; loads the pending chunks once enough rows are waiting. */
  add(chunk: ChunkFile): void {
    this.pending.push(chunk);
    this.pendingRows += chunk.rows;
    if (this.pendingRows >= (this.loadQueued ? LOAD_ROWS : FIRST_LOAD_ROWS)) this.loadPending();
  }

  /** Queues the load of every pending chunk. */
  loadPending(): void {
    if (this.pending.length === 0) return;
    const chunks = this.pending;
    this.pending = [];
    this.pendingRows = 0;
    this.loadQueued = true;
    const load = this.run(() => this.load(chunks)).catch(() => undefined);
    this.loads.push(load);
    void load.then(() => (this.loads = this.loads.filter((l) => l !== load)));
  }

  /** Waits while more than one load is queued, so parsing never runs far ahead of DuckDB (bounded temporary files). */
  async backpressure(): Promise<void> {
    while (this.loads.length > 1) await this.loads[0];
    if (this.failure) throw this.failure;
  }

  /** True when a unit of this many rows finishing now will close the group (see finished()). */
  commitDue(rows: number): boolean {
    return (
      this.groupRows + rows >= GROUP_ROWS ||
      this.waiting.length + 1 >= GROUP_UNITS ||
      (this.inTransaction && performance.now() - this.groupSince >= GROUP_MS)
    );
  }

  /** Records a finished unit; queues the commit once the group holds enough rows, units or time. The unit's `committed` runs after it. */
  finished(unit: SourceUnit, rows: number): void {
    const due = this.commitDue(rows);
    this.waiting.push(unit);
    this.groupRows += rows;
    if (due) this.commit();
  }

  /** Commits what is finished (after an error too: the units before it are whole) and removes the temporary folder; rolls back after a store failure. */
  async finish(): Promise<void> {
    try {
      this.commit();
      await this.tail;
      if (this.failure) {
        if (this.inTransaction) await this.store.run('ROLLBACK').catch(() => undefined);
        this.inTransaction = false;
        throw this.failure;
      }
    } finally {
      if (this.restoreSettings !== null) await this.restoreSettings().catch(() => undefined);
      removeIngestFolder(this.folder);
    }
  }

  private commit(): void {
    const beforeCommit = this.hooks.seal?.();
    this.loadPending();
    const units = this.waiting;
    this.waiting = [];
    this.groupRows = 0;
    this.tail = this.tail.then(async () => {
      if (this.failure || !this.inTransaction) return;
      try {
        await beforeCommit?.();
        await this.store.run('COMMIT');
        this.inTransaction = false;
        for (const unit of units) await unit.committed?.();
      } catch (error) {
        this.failure ??= error;
      }
    });
  }

  // JavaScript parses on one core while DuckDB loads on the other (docs/benchmark.md, "What we tried"):
  // a second DuckDB thread keeping the file order cost more CPU for no shorter wall time, and one inserting
  // without keeping it loaded faster but left a database 40 % bigger with a slow final checkpoint. Only a
  // commit's rollups, which JavaScript waits for, run on every core (withAllThreads).
  // A file database's buffer pool is capped so that the process stays under 512 MB however much is
  // ingested; an in-memory store (commands reading SOURCEs directly) holds the data itself and keeps its limit.
  // FSST is left out: on flow-log text (few distinct accounts, interfaces, actions, addresses per row group) DuckDB
  // picks dictionary compression anyway, and analysing FSST too costs a good part of the insert's CPU.
  private async configure(): Promise<() => Promise<void>> {
    this.threadsBefore = Number(await this.store.scalar("SELECT current_setting('threads')"));
    const settings: Record<string, string> = { threads: '1', disabled_compression_methods: 'fsst' };
    if (this.store.path !== ':memory:') settings.memory_limit = INGEST_MEMORY_LIMIT;
    return applySettings(this.store, settings);
  }

  private async load(chunks: readonly ChunkFile[]): Promise<void> {
    // Each file's header makes its own LogFormat object: chunks of equal formats are grouped by their text.
    const byFormat = new Map<string, ChunkFile[]>();
    for (const chunk of chunks) {
      const list = byFormat.get(chunk.format.header);
      if (list) list.push(chunk);
      else byFormat.set(chunk.format.header, [chunk]);
    }
    for (const files of byFormat.values()) {
      const format = (files[0] as ChunkFile).format;
      this.columns = await ensureFlowColumns(this.store, format.columns, this.columns);
      await this.store.run(loadChunksSql(format, files.map((f) => f.path), this.columns));
      for (const file of files) rmSync(file.path, { force: true });
    }
  }
}

const ADDRESS_NUMBER_SIDES: Readonly<Record<string, string>> = { src_ip: 'src', dst_ip: 'dst' };

/**
 * The INSERT loading chunk files of one format (Parquet files of ChunkTable) into the physical table whose columns
 * are `stored`. A narrow store takes the chunk's narrow columns as they are; a store that keeps field text (made before
 * the narrow layout) gets each narrow field's text made from them, as the `flows` view makes it.
 */
export function loadChunksSql(format: LogFormat, paths: readonly string[], stored: ReadonlySet<string>): string {
  const textLayout = isTextLayout(stored);
  // An address number comes as a UBIGINT, or as decimal text beyond 2^53 (see ChunkTable).
  const chunkValue = (name: string): string => {
    const side = ADDRESS_NUMBER_SIDES[name];
    return side === undefined ? quoteIdentifier(name) : `coalesce(CAST(${side}_num AS UHUGEINT), CAST(${side}_big AS UHUGEINT))`;
  };
  const targets: string[] = [];
  const values: string[] = [];
  for (const column of format.columns) {
    const narrow = NARROW_FORMS.get(column);
    if (narrow && !textLayout) {
      for (const c of narrow.columns) {
        targets.push(quoteIdentifier(c.name));
        values.push(chunkValue(c.name));
      }
    } else {
      targets.push(quoteIdentifier(column));
      values.push(narrow ? narrow.view(chunkValue) : chunkValue(column));
    }
  }
  for (const column of ['src_ip', 'dst_ip', 'event_id', 'unit_id']) {
    targets.push(quoteIdentifier(column));
    values.push(chunkValue(column));
  }
  const files = `[${paths.map(sqlLiteral).join(', ')}]`;
  return `INSERT INTO ${FLOW_RECORDS_TABLE} (${targets.join(', ')}) SELECT ${values.join(', ')} FROM read_parquet(${files})`;
}
