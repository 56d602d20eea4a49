import { QueryError } from '../records/index.js';
import type { QueryPosition } from '../records/index.js';
import type { CappedQueryResult, QueryResult, Store } from '../store/database.js';
import { rewritePrestoFormats } from './presto-formats.js';

const READ_ONLY = /^\s*(\(?\s*)*(select|with|from|values|show|describe|summarize|explain|pivot|unpivot|table)\b/i;
const SQL_HINT = 'the tables are `flows` and the view `vpc_flow_logs` (docs/queries.md); run `flowlens query "DESCRIBE flows"`';

/** Runs a user's SQL after checking it only reads (one statement, no DDL/DML); errors carry a hint. */
export async function runUserSql(store: Store, sql: string): Promise<QueryResult> {
  const runnable = toReadOnlySql(sql);
  try {
    return await store.query(runnable);
  } catch (error) {
    throw userSqlError(error, sql);
  }
}

/** Like runUserSql, reading at most `maxRows` rows (as arrays) and saying whether more exist. */
export async function runUserSqlCapped(store: Store, sql: string, maxRows: number): Promise<CappedQueryResult & { sql: string }> {
  const runnable = toReadOnlySql(sql);
  try {
    return { ...(await store.queryCapped(runnable, maxRows)), sql: runnable };
  } catch (error) {
    throw userSqlError(error, sql);
  }
}

/**
 * Checks that SQL is one read-only statement and returns the text DuckDB runs (comments and a final `;` removed,
 * Presto date formats rewritten); throws QueryError 'read-only' otherwise.
 */
export function toReadOnlySql(sql: string): string {
  const text = stripComments(sql).trim().replace(/;\s*$/, '');
  if (!READ_ONLY.test(text) || /;\s*\S/.test(text)) {
    throw new QueryError('read-only', 'only one read-only statement (SELECT, WITH, DESCRIBE, ...) can be run', {
      sql,
      hint: 'flowlens query never changes the database; use `flowlens ingest` to load data',
    });
  }
  // Presto's parse_datetime/date_parse take Joda/MySQL formats; the DuckDB macros take strftime ones.
  return rewritePrestoFormats(text);
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
function userSqlError(error: unknown, sql: string): QueryError {
  // A streamed query's parse errors come prefixed by the statement splitter; the user wants DuckDB's own words.
  const full = (error as Error).message.replace(/^Failed to extract statements: /, '');
  const message = full.split('\n')[0] ?? '';
  return new QueryError('sql', message, { sql, hint: SQL_HINT, location: sqlErrorPosition(full, sql), cause: error });
}

function stripComments(sql: string): string {
  return sql.replace(/--[^\n]*/g, '').replace(/\/\*[\s\S]*?\*\//g, '');
}
