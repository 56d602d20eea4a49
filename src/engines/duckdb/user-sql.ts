import { StatementType } from '../../store/duckdb-api.js';
import type { DuckDBConnection, DuckDBPreparedStatement, DuckDBResultReader } from '@duckdb/node-api';
import { QueryError } from '../../records/index.js';
import type { QueryPosition } from '../../records/index.js';
import { isAbortedTransaction, resultRows, streamWasCut } from '../../store/chunk-rows.js';
import { normalizeValue } from '../../store/database.js';
import type { CappedQueryResult, QueryResult } from '../../store/database.js';
import type { SqlSandbox } from './sandbox.js';
import { rewritePrestoFormats } from './presto-formats.js';

const SQL_HINT = 'the tables are `flows` and the view `vpc_flow_logs` (docs/queries.md); run `flowlens query "DESCRIBE flows"`';
const READ_ONLY_KINDS = 'one SELECT (or WITH … SELECT, FROM, VALUES, TABLE), DESCRIBE, SHOW, SUMMARIZE, EXPLAIN without ANALYZE, or a PRAGMA that reads';
const SANDBOX_HINT = 'flowlens runs SQL in a sandbox without file, URL, ATTACH or extension access; query the stored tables (`flowlens ingest` loads files)';
const READ_ONLY_HINT = 'flowlens runs SQL read-only and never changes the database or touches files; use `flowlens ingest` to load data';

/** How a user statement runs: `signal` interrupts it (a time limit, a shutdown); `hint` replaces the error hint. */
export interface UserSqlOptions {
  signal?: AbortSignal | undefined;
  hint?: string | undefined;
}

/** Runs a user's SQL in the sandbox after DuckDB's parser classified it as one read-only statement; errors carry a hint. */
export async function runUserSql(sandbox: SqlSandbox, sql: string, options: UserSqlOptions = {}): Promise<QueryResult> {
  return sandbox.use(async (connection) => {
    const checked = await prepareReadOnly(connection, sql, options);
    try {
      const reader = await execute(checked, () => checked.prepared.runAndReadAll(), options);
      const rows = reader.getRowObjectsJS().map((row) => normalizeRow(row as Record<string, unknown>));
      checkExplain(checked, reader);
      return { columns: reader.columnNames(), types: reader.columnTypes().map((t) => t.toString()), rows };
    } finally {
      checked.prepared.destroySync();
    }
  }, options.signal);
}

/** Like runUserSql, reading at most `maxRows` rows (as arrays) and saying whether more exist. */
export async function runUserSqlCapped(sandbox: SqlSandbox, sql: string, maxRows: number, options: UserSqlOptions = {}): Promise<CappedQueryResult & { sql: string }> {
  return sandbox.use(async (connection) => {
    const checked = await prepareReadOnly(connection, sql, options);
    try {
      const reader = await execute(checked, () => checked.prepared.streamAndReadUntil(maxRows + 1), options);
      checkExplain(checked, reader);
      const rows = reader.getRowsJS().slice(0, maxRows).map((row) => row.map(normalizeValue));
      return { columns: reader.columnNames(), types: reader.columnTypes().map((t) => t.toString()), rows, truncated: reader.currentRowCount > maxRows, sql: checked.text };
    } finally {
      checked.prepared.destroySync();
    }
  }, options.signal);
}

/** A user statement's rows as they come: column names and types, then batches of row objects (plain JS values). */
export interface UserSqlStream {
  columns: string[];
  types: string[];
  batches(): AsyncGenerator<Record<string, unknown>[]>;
  /** The same rows as arrays in column order (duplicate column names stay apart), converted column by column. */
  rows(): AsyncGenerator<unknown[][]>;
}

/**
 * Like runUserSql, but hands `consume` the rows batch by batch (nothing is held whole); the sandbox connection stays
 * taken until `consume` settles. Errors while reading are QueryErrors like runUserSql's.
 */
export async function withUserSqlStream<T>(sandbox: SqlSandbox, sql: string, consume: (stream: UserSqlStream) => Promise<T>, options: UserSqlOptions = {}): Promise<T> {
  return sandbox.use(async (connection) => {
    const checked = await prepareReadOnly(connection, sql, options);
    try {
      if (checked.kind === StatementType.EXPLAIN) {
        // An EXPLAIN answer is a few rows, read whole so that an analyzed plan is refused before anything is shown.
        const reader = await execute(checked, () => checked.prepared.runAndReadAll(), options);
        checkExplain(checked, reader);
        const rows = reader.getRowObjectsJS().map((row) => normalizeRow(row as Record<string, unknown>));
        const arrays = reader.getRowsJS().map((row) => row.map(normalizeValue));
        return await consume({
          columns: reader.columnNames(),
          types: reader.columnTypes().map((t) => t.toString()),
          batches: async function* () {
            yield rows;
          },
          rows: async function* () {
            yield arrays;
          },
        });
      }
      const result = await execute(checked, () => checked.prepared.stream(), options);
      const batches = async function* (): AsyncGenerator<Record<string, unknown>[]> {
        try {
          for await (const batch of result.yieldRowObjectJs()) yield batch.map((row) => normalizeRow(row as Record<string, unknown>));
          await checkStreamEnded(connection, checked, sql, options);
        } catch (error) {
          throw options.signal?.aborted || error instanceof QueryError ? error : userSqlError(error, sql, options);
        }
      };
      const rows = async function* (): AsyncGenerator<unknown[][]> {
        try {
          yield* resultRows(result);
          await checkStreamEnded(connection, checked, sql, options);
        } catch (error) {
          throw options.signal?.aborted || error instanceof QueryError ? error : userSqlError(error, sql, options);
        }
      };
      return await consume({ columns: result.columnNames(), types: result.columnTypes().map((t) => t.toString()), batches, rows });
    } finally {
      checked.prepared.destroySync();
    }
  }, options.signal);
}

/**
 * Throws when a streamed result that just ended was in fact cut short by an error. DuckDB's Node driver ends such a
 * result (a value that does not convert halfway through, memory exhausted) exactly as a complete one, but the error
 * aborts the sandbox's transaction, which the next statement shows. DuckDB's own message is then read by counting the
 * statement's rows (which meets the same error), else the rows are said to be incomplete.
 */
async function checkStreamEnded(connection: DuckDBConnection, checked: CheckedStatement, sql: string, options: UserSqlOptions): Promise<void> {
  try {
    if (!(await streamWasCut(connection))) return;
  } catch (error) {
    throw userSqlError(error, sql, options);
  }
  if (checked.kind === StatementType.SELECT) {
    try {
      await connection.run('ROLLBACK');
      await connection.run('BEGIN TRANSACTION READ ONLY');
      await connection.run(`SELECT count(hash(__rows)) FROM (${checked.text.replace(/;\s*$/, '')}\n) AS __rows`);
    } catch (error) {
      if (options.signal?.aborted) throw error;
      if (!isAbortedTransaction(error)) throw userSqlError(error, sql, options);
    }
  }
  throw new QueryError('sql', 'the query stopped with an error partway through its rows; the rows given so far are incomplete', {
    sql,
    hint: 'run it again; if it stops again, narrow it (a WHERE clause, fewer columns, a LIMIT) to find the row that fails',
  });
}

/** A user statement DuckDB parsed and bound: the prepared statement, its kind, and the text it came from. */
interface CheckedStatement {
  prepared: DuckDBPreparedStatement;
  kind: StatementType;
  text: string;
  sql: string;
}

/**
 * Has DuckDB parse the SQL (after the Presto date-format rewrite) and prepares it when it is exactly one statement of a
 * read-only kind. A syntax error is DuckDB's parser error; anything else is refused with QueryError 'read-only' naming
 * the kind. Parsing is json_serialize_sql (no binding, no side effect); preparing happens on the sandbox connection.
 */
async function prepareReadOnly(connection: DuckDBConnection, sql: string, options: UserSqlOptions): Promise<CheckedStatement> {
  // Presto's parse_datetime/date_parse take Joda/MySQL formats; the DuckDB macros take strftime ones.
  const text = rewritePrestoFormats(sql);
  const isQuery = await checkSyntax(connection, text, sql, options);
  let extracted;
  try {
    extracted = await connection.extractStatements(text);
  } catch (error) {
    throw userSqlError(error, sql, options);
  }
  if (extracted.count !== 1) {
    throw new QueryError('read-only', extracted.count === 0 ? 'no SQL statement given' : `only one read-only statement can run; this SQL has ${extracted.count} statements`, {
      sql,
      hint: `give ${READ_ONLY_KINDS}`,
    });
  }
  let prepared: DuckDBPreparedStatement;
  try {
    prepared = await extracted.prepare(0);
  } catch (error) {
    // A statement that is no query and that DuckDB cannot even prepare (DELETE on a view, COPY to a file) is refused.
    if (!isQuery) throw refusal('statement (not a query)', sql, (error as Error).message.split('\n')[0]);
    throw userSqlError(error, sql, options);
  }
  const kind = prepared.statementType;
  // DuckDB rewrites the PRAGMAs that read (table_info, show_tables, version, …) into SELECTs; the rest change settings.
  if (kind !== StatementType.SELECT && kind !== StatementType.EXPLAIN) {
    prepared.destroySync();
    throw refusal(`${kindName(kind)} statement`, sql);
  }
  return { prepared, kind, text, sql };
}

/**
 * Parses with json_serialize_sql, which only parses: a syntax error becomes DuckDB's own parser error with its position.
 * Resolves to whether the text is SELECT statements only (json_serialize_sql serializes nothing else).
 */
async function checkSyntax(connection: DuckDBConnection, text: string, sql: string, options: UserSqlOptions): Promise<boolean> {
  const reader = await connection.runAndReadAll('SELECT json_serialize_sql($1::VARCHAR) AS parsed', [text]);
  const parsed = JSON.parse(String(reader.getRowsJS()[0]?.[0] ?? '{}')) as { error?: boolean; error_type?: string; error_message?: string; position?: string };
  if (!parsed.error) return true;
  if (parsed.error_type !== 'parser') return false;
  const offset = Buffer.from(text, 'utf8').subarray(0, Number(parsed.position ?? 0)).toString('utf8').length;
  const before = text.slice(0, offset);
  const location = parsed.position === undefined ? undefined : { line: before.split('\n').length, column: offset - before.lastIndexOf('\n') };
  throw new QueryError('sql', `Parser Error: ${parsed.error_message ?? 'syntax error'}`, { sql, hint: options.hint ?? SQL_HINT, location });
}

/** Runs the prepared statement; an EXPLAIN that DuckDB's READ ONLY transaction stops explained a write. */
async function execute<R>(checked: CheckedStatement, run: () => Promise<R>, options: UserSqlOptions): Promise<R> {
  options.signal?.throwIfAborted();
  try {
    return await run();
  } catch (error) {
    if (checked.kind === StatementType.EXPLAIN && !options.signal?.aborted) {
      throw refusal('EXPLAIN ANALYZE or EXPLAIN of a statement that writes', checked.sql, (error as Error).message.split('\n')[0]);
    }
    throw userSqlError(error, checked.sql, options);
  }
}

/** EXPLAIN ANALYZE runs the statement it explains: its answer (an analyzed plan) is refused like the statement kind. */
function checkExplain(checked: CheckedStatement, reader: DuckDBResultReader): void {
  if (checked.kind !== StatementType.EXPLAIN) return;
  const keys = reader.getColumnsJS()[0] ?? [];
  if (keys.some((key) => key === 'analyzed_plan')) throw refusal('EXPLAIN ANALYZE', checked.sql);
}

function refusal(what: string, sql: string, detail?: string): QueryError {
  return new QueryError('read-only', `${what} refused: flowlens runs read-only SQL only, ${READ_ONLY_KINDS}${detail ? ` (DuckDB: ${detail})` : ''}`, { sql, hint: READ_ONLY_HINT });
}

/** DuckDB's statement kind as a person reads it: DELETE, CREATE, COPY, SET/RESET, LOAD/INSTALL, … */
function kindName(kind: StatementType): string {
  const names: Partial<Record<StatementType, string>> = {
    [StatementType.VARIABLE_SET]: 'SET VARIABLE',
    [StatementType.SET]: 'SET/RESET',
    [StatementType.LOAD]: 'LOAD/INSTALL',
    [StatementType.TRANSACTION]: 'transaction (BEGIN/COMMIT/ROLLBACK)',
    [StatementType.CREATE_FUNC]: 'CREATE FUNCTION',
    [StatementType.EXPORT]: 'EXPORT DATABASE',
    [StatementType.COPY_DATABASE]: 'COPY FROM DATABASE',
    [StatementType.MERGE_INTO]: 'MERGE INTO',
    [StatementType.PRAGMA]: 'PRAGMA (one that changes settings or state)',
  };
  return names[kind] ?? (StatementType[kind] ?? 'unknown').replaceAll('_', ' ');
}

/**
 * Where in `text` a DuckDB error points: DuckDB ends its messages with `LINE n: <excerpt>` and a caret line; the
 * excerpt (possibly cut with `...`) is looked up in the text so comments removed before running don't shift it.
 */
export function sqlErrorPosition(message: string, text: string): QueryPosition | undefined {
  const match = /\nLINE (\d+): (.*)\n( *)\^/.exec(message);
  if (!match) return undefined;
  const prefix = `LINE ${match[1]}: `.length;
  const caret = (match[3] ?? '').length - prefix;
  let excerpt = match[2] ?? '';
  let offsetInExcerpt = caret;
  if (excerpt.startsWith('...')) {
    excerpt = excerpt.slice(3);
    offsetInExcerpt -= 3;
  }
  excerpt = excerpt.replace(/\.\.\.$/, '');
  const at = excerpt.length > 0 ? text.indexOf(excerpt) : -1;
  if (at < 0 || offsetInExcerpt < 0) return { line: Number(match[1]), column: Math.max(1, caret + 1) };
  const offset = at + offsetInExcerpt;
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}

/** A run failure as a QueryError 'sql': DuckDB's first line as message, its position when it gave one. */
function userSqlError(error: unknown, sql: string, options: UserSqlOptions = {}): QueryError {
  // A streamed query's parse errors come prefixed by the statement splitter; the user wants DuckDB's own words.
  const full = (error as Error).message.replace(/^Failed to extract statements: /, '');
  const message = full.split('\n')[0] ?? '';
  // The sandbox and the READ ONLY transaction stopped it: a refusal like the statement check's, in DuckDB's words.
  if (/^Permission Error|read-only mode/.test(message)) return new QueryError('read-only', message, { sql, hint: SANDBOX_HINT, cause: error });
  return new QueryError('sql', message, { sql, hint: options.hint ?? SQL_HINT, location: sqlErrorPosition(full, sql), cause: error });
}

function normalizeRow(row: Record<string, unknown>): Record<string, unknown> {
  for (const key of Object.keys(row)) row[key] = normalizeValue(row[key]);
  return row;
}
