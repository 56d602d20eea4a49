import type { LogFormat } from '../parse/index.js';
import { formatIssue, resolveLogFormat } from '../parse/index.js';
import { formatError, UsageError } from '../records/index.js';
import type { SourceOptions } from '../sources/index.js';
import type { Store } from '../store/index.js';
import type { InPlaceMode, InPlaceRejects } from '../store/in-place.js';
import type { CliContext } from './context.js';
import { writeErr } from './context.js';
import type { ReadingOptions, Selection } from './options.js';
import { parsePositiveInt, splitList } from './options.js';
import { createIssueReporter, createProgress } from './progress.js';

/** Flow data opened for a command: a store (the database, or an in-memory one loaded from SOURCEs) and the selection's SQL condition. */
export interface OpenedData {
  store: Store;
  where: string;
  /**
   * The SQL to print for one query over `flows`: for SOURCE files read in place, the query is answered first (and
   * the files' bad lines reported, or the files read through ingest when DuckDB cannot read them as ingest does).
   */
  prepare(sql: string): Promise<string>;
  close(): void;
}

/** DuckDB memory settings from the environment: $FLOWLENS_MEMORY_LIMIT and $FLOWLENS_TEMP_DIR (see Store.open). */
export function memoryOptionsFrom(context: CliContext): { memoryLimit?: string; tempDirectory?: string } {
  const out: { memoryLimit?: string; tempDirectory?: string } = {};
  if (context.env.FLOWLENS_MEMORY_LIMIT) out.memoryLimit = context.env.FLOWLENS_MEMORY_LIMIT;
  if (context.env.FLOWLENS_TEMP_DIR) out.tempDirectory = context.env.FLOWLENS_TEMP_DIR;
  return out;
}

/** Builds the options passed to sources from the command line. */
export function sourceOptionsFrom(options: ReadingOptions, context: CliContext): SourceOptions {
  return {
    profile: options.profile,
    region: options.region,
    endpointUrl: options.endpointUrl,
    concurrency: parsePositiveInt(options.concurrency, '--concurrency', 4),
    accounts: splitList(options.accounts),
    regions: splitList(options.regions),
    logStreams: splitList(options.logStreams),
    filterPattern: options.filterPattern,
    stdin: context.stdin,
    onWarning: (_source, message) => writeErr(context, message),
  };
}

/** Prints each distinct notice (e.g. a layout read without --log-format) once on stderr. */
export function createNoticePrinter(context: CliContext): (message: string) => void {
  const printed = new Set<string>();
  return (message) => {
    if (printed.has(message)) return;
    printed.add(message);
    writeErr(context, message);
  };
}

/** The format of header-less lines from --log-format (a standard layout's name or a format string), or undefined for the default v2 format. */
export function logFormatFrom(options: ReadingOptions): LogFormat | undefined {
  if (options.logFormat === undefined) return undefined;
  try {
    return resolveLogFormat(options.logFormat);
  } catch (error) {
    throw new UsageError(`--log-format: ${(error as Error).message}`, { hint: (error as { hint?: string }).hint });
  }
}

/**
 * Opens the records a command works on: SOURCEs loaded into a scratch store, or the database read-only. With
 * `inPlace`, local flow-log files DuckDB can read are read where they are instead of loaded (see src/sources/in-place.ts);
 * $FLOWLENS_IN_PLACE=off turns that off. `reads`: the SELECT statements a 'table' will answer (only the fields they
 * name are loaded).
 */
export async function openData(context: CliContext, sources: readonly string[], options: ReadingOptions, selection: Selection, inPlace?: InPlaceMode, reads?: readonly string[]): Promise<OpenedData> {
  const { Store, resolveDbPath } = await import('../store/index.js');
  const { selectionToSql } = await import('../query/selection.js');
  const where = await selectionToSql(selection);
  if (sources.length === 0) {
    const path = resolveDbPath(options.db, context.env);
    const { existsSync } = await import('node:fs');
    if (!existsSync(path)) {
      throw new UsageError(`no SOURCE given and no database at ${path}`, {
        hint: 'name files, folders, -, s3:// or cwl:// sources, or run `flowlens ingest SOURCE` first (or pass --db PATH)',
      });
    }
    const store = await Store.open(path, { readOnly: true, ...memoryOptionsFrom(context) });
    return { store, where, prepare: async (sql) => sql, close: () => store.close() };
  }
  if (inPlace !== undefined && !options.strict && context.env.FLOWLENS_IN_PLACE !== 'off') {
    const opened = await openInPlaceData(context, sources, options, selection, where, inPlace, reads);
    if (opened) return opened;
  }
  const { store, close } = await openScratchStore(context);
  try {
    await loadSources(context, store, sources, options, selection);
  } catch (error) {
    close();
    throw error;
  }
  return { store, where, prepare: async (sql) => sql, close };
}

// Loads SOURCEs into a scratch store through ingest, reporting bad lines and unreadable units as they come.
async function loadSources(context: CliContext, store: Store, sources: readonly string[], options: ReadingOptions, selection: Selection): Promise<void> {
  const { ingestSources } = await import('../store/index.js');
  const { resolveSource } = await import('../sources/index.js');
  const sourceOptions = sourceOptionsFrom(options, context);
  const resolved = await Promise.all(sources.map((uri) => resolveSource(uri, sourceOptions)));
  const progress = await createProgress(context, 'reading');
  sourceOptions.onStatus = (_source, message) => progress.note(message);
  const issues = createIssueReporter(context);
  try {
    const summary = await ingestSources(store, resolved, {
      format: logFormatFrom(options),
      strict: options.strict,
      list: { start: selection.start, end: selection.end },
      onProgress: (p) => progress.update(p),
      onIssue: (issue) => issues.report(formatIssue(issue)),
      onNotice: createNoticePrinter(context),
      onUnitError: (_unit, error) => {
        writeErr(context, formatError(error));
        context.exitCode = 1;
      },
      // S3 access and CloudTrail SOURCEs load into their own tables, so `flowlens query` reads them too.
      logType: 'auto',
    });
    progress.stop();
    issues.finish(summary.badLines);
    if (summary.badLines > 0) writeErr(context, `warning: ${summary.badLines} bad lines skipped (use \`flowlens ingest\` to keep them in the rejects table)`);
  } finally {
    progress.stop();
  }
}

/** SOURCE files read in place (the `flows` of a scratch store reads them), or undefined when ingest must read them. */
async function openInPlaceData(context: CliContext, sources: readonly string[], options: ReadingOptions, selection: Selection, where: string, mode: InPlaceMode, reads: readonly string[] | undefined): Promise<OpenedData | undefined> {
  const { planInPlace } = await import('../sources/in-place.js');
  const plan = await planInPlace(sources);
  if (plan === undefined) return undefined;
  const { dropInPlaceView, openInPlace, runInPlaceQuery } = await import('../store/in-place.js');
  // A table of every field (no statement says which it reads: graph) holds the whole load in the store's memory.
  const whole = mode === 'table' && reads === undefined;
  const { store, close } = await openScratchStore(context, mode === 'table' ? 'memory' : 'file', whole ? WHOLE_LOAD_MEMORY_LIMIT : undefined);
  let loaded: InPlaceRejects | undefined;
  try {
    loaded = await openInPlace(store, plan, mode, { reads, where });
  } catch (error) {
    close();
    // A file DuckDB's CSV reader cannot read (e.g. mixed line ends) is read by ingest.
    if (mode === 'table' && isCsvReaderError(error)) return undefined;
    throw error;
  }
  if (loaded?.layoutChange) {
    close();
    return undefined;
  }
  if (loaded) reportInPlaceRejects(context, loaded);
  let ingested = false;
  const readThroughIngest = async (sql: string): Promise<string> => {
    await dropInPlaceView(store);
    ingested = true;
    await loadSources(context, store, sources, options, selection);
    return sql;
  };
  const prepare = async (sql: string): Promise<string> => {
    if (mode === 'table' || ingested) return sql;
    let answered;
    try {
      answered = await runInPlaceQuery(store, plan, sql);
    } catch (error) {
      if (!isCsvReaderError(error)) throw error;
      return readThroughIngest(sql);
    }
    if (answered === undefined) return readThroughIngest(sql);
    reportInPlaceRejects(context, answered.rejects);
    return answered.sql;
  };
  return { store, where, prepare, close };
}

// DuckDB's CSV reader refusing a file as a whole (not a bad line, which goes to the rejects).
function isCsvReaderError(error: unknown): boolean {
  return /CSV|state machine|new_line|maximum line size/i.test((error as Error | undefined)?.message ?? '');
}

// Bad lines as the ingest path reports them.
function reportInPlaceRejects(context: CliContext, rejects: InPlaceRejects): void {
  const issues = createIssueReporter(context);
  for (const issue of rejects.issues) issues.report(formatIssue(issue));
  issues.finish(rejects.issues.length);
  if (rejects.issues.length > 0) writeErr(context, `warning: ${rejects.issues.length} bad lines skipped (use \`flowlens ingest\` to keep them in the rejects table)`);
}

// DuckDB's memory_limit for an in-memory scratch store that loads every field of the files (graph): the load and the
// aggregation after it took the process past 512 MB with the default limit; with this one they spill a little more
// and stay under it. $FLOWLENS_MEMORY_LIMIT still decides when set.
const WHOLE_LOAD_MEMORY_LIMIT = '224MiB';

// A scratch database file: DuckDB evicts the blocks of what ingest loads to it (an in-memory store keeps far more of
// them resident), and a view mode that falls back to ingest loads into it. `memory`: an in-memory store (it spills
// to its temp_directory): a table loaded from files read in place is not written to a file and read back, and the
// SQL sandbox is that locked-down instance itself. `memoryLimit` replaces the default memory_limit.
async function openScratchStore(context: CliContext, kind: 'file' | 'memory' = 'file', memoryLimit?: string): Promise<{ store: Store; close(): void }> {
  const { Store } = await import('../store/index.js');
  const memory = { ...(memoryLimit === undefined ? {} : { memoryLimit }), ...memoryOptionsFrom(context) };
  if (kind === 'memory') {
    const store = await Store.memory(memory);
    return { store, close: () => store.close() };
  }
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const folder = mkdtempSync(join(context.env.FLOWLENS_TEMP_DIR || tmpdir(), 'flowlens-sources-'));
  let store: Store;
  try {
    store = await Store.open(join(folder, 'sources.duckdb'), memory);
  } catch (error) {
    rmSync(folder, { recursive: true, force: true });
    throw error;
  }
  const close = (): void => {
    try {
      store.close();
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  };
  return { store, close };
}
