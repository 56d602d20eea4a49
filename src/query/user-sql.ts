import { QueryError } from '../records/index.js';
import type { QueryResult, Store } from '../store/database.js';
import { rewritePrestoFormats } from './presto-formats.js';

const READ_ONLY = /^\s*(\(?\s*)*(select|with|from|values|show|describe|summarize|explain|pivot|unpivot|table)\b/i;

/** Runs a user's SQL after checking it only reads (one statement, no DDL/DML); errors carry a hint. */
export async function runUserSql(store: Store, sql: string): Promise<QueryResult> {
  const text = stripComments(sql).trim().replace(/;\s*$/, '');
  if (!READ_ONLY.test(text) || /;\s*\S/.test(text)) {
    throw new QueryError('read-only', 'only one read-only statement (SELECT, WITH, DESCRIBE, ...) can be run', {
      sql,
      hint: 'flowlens query never changes the database; use `flowlens ingest` to load data',
    });
  }
  // Presto's parse_datetime/date_parse take Joda/MySQL formats; the DuckDB macros take strftime ones.
  const runnable = rewritePrestoFormats(text);
  try {
    return await store.query(runnable);
  } catch (error) {
    const message = (error as Error).message.split('\n')[0] ?? '';
    throw new QueryError('sql', message, { sql, hint: 'the tables are `flows` and the view `vpc_flow_logs` (docs/queries.md); run `flowlens query "DESCRIBE flows"`', cause: error });
  }
}

function stripComments(sql: string): string {
  return sql.replace(/--[^\n]*/g, '').replace(/\/\*[\s\S]*?\*\//g, '');
}
