import type { Context, Hono } from 'hono';
import { z } from 'zod';
import { FlowlensError, QueryError, toJsonValue } from '../records/index.js';
import type { SqlSandbox } from '../engines/duckdb/index.js';
import type { CappedQueryResult, Store } from '../store/index.js';
import type { TableResult } from '../engines/index.js';
import { dialectForStore } from '../engines/index.js';
import { HttpError } from './errors.js';
import type { ChartKind, QueryRequest, QueryResponse, ReportsResponse } from './protocol.js';
import { parseParams } from './params.js';

/** The most rows one POST /api/query answer holds. */
export const MAX_QUERY_ROWS = 10_000;

/** The default time limit of one POST /api/query (`flowlens serve --query-timeout`), in milliseconds. */
export const DEFAULT_QUERY_TIMEOUT_MS = 30_000;

/** The chart each built-in report suits on the page (a report not listed gets a table only). */
const REPORT_CHARTS: Readonly<Record<string, ChartKind>> = {
  'top-talkers': 'bar',
  'rejected-sources': 'bar',
  'ssh-rejects': 'time',
  'rdp-rejects': 'time',
  'rejects-by-weekday': 'bar',
  'port-scans': 'table',
  'internet-egress': 'bar',
  interfaces: 'bar',
  protocols: 'bar',
  'top-bytes': 'bar',
  'top-packets': 'bar',
  'byte-stats': 'table',
  'udp-sources': 'bar',
  'subnet-top-bytes': 'bar',
  'skipped-records': 'time',
};

const requestSchema = z.object({
  language: z.enum(['sql', 'insights', 'report']),
  text: z.string().max(100_000).optional(),
  report: z.string().optional(),
  params: z.record(z.string(), z.string()).optional(),
  start: z.number().int().optional(),
  end: z.number().int().optional(),
  limit: z.number().int().min(1).max(MAX_QUERY_ROWS).optional(),
});

/**
 * What the query routes need: the store, the app's one-at-a-time queue, whether every answer must be pseudonymized,
 * the sandbox the queries run in (their own connections, so the other routes keep answering) and their time limit.
 */
export interface QueryRouteOptions {
  store: Store;
  queue: <T>(task: () => Promise<T>) => Promise<T>;
  alwaysPseudonymize?: boolean | undefined;
  sandbox: () => Promise<SqlSandbox>;
  timeoutMs?: number | undefined;
}

/**
 * Adds POST /api/query (read-only SQL, a Logs Insights query or a built-in report → rows, capped at 10,000) and
 * GET /api/reports (the reports with the chart each suits). A server that always pseudonymizes refuses queries (403).
 */
export function registerQueryRoutes(app: Hono, options: QueryRouteOptions): void {
  app.get('/api/reports', async (c) => {
    const { listReports } = await import('../reports/run-report.js');
    const body: ReportsResponse = {
      reports: listReports().map(({ logType, ...r }) => ({ ...r, logType, chart: REPORT_CHARTS[r.name] ?? 'table' })),
    };
    return c.json(body);
  });

  app.post('/api/query', async (c) => {
    if (options.alwaysPseudonymize) {
      // Rows of SQL, Insights and reports are free-form: pseudonymizing them is not reliable, so they are not served.
      throw new HttpError(403, 'pseudonymized', 'this server pseudonymizes every answer, so it runs no SQL, Insights or report queries (their rows would show real addresses)', {
        hint: 'restart `flowlens serve` without --pseudonymize to use the query tab, or run `flowlens query`/`insights`/`report` on the database',
      });
    }
    const request = await readRequest(c);
    try {
      const { result, sql, elapsedMs } = await runRequest(options, request, c.req.raw.signal);
      const body: QueryResponse = {
        columns: result.columns.map((name, i) => ({ name, type: result.types[i] ?? 'UNKNOWN' })),
        rows: result.rows.map((row) => row.map((value, i) => toJsonValue(value, result.types[i]))),
        rowCount: result.rows.length,
        truncated: result.truncated,
        elapsedMs,
        sql,
      };
      return c.json(body);
    } catch (error) {
      // A query that does not compile or run is the request's fault: 400 with DuckDB's or the compiler's message.
      if (error instanceof QueryError) throw HttpError.from(error, error.code === 'query-timeout' ? 504 : error.code === 'interrupted' ? 503 : 400);
      throw error;
    }
  });
}

/**
 * Compiles the request to SQL and runs it capped in the sandbox, under the time limit: past it, or when the client
 * goes away, DuckDB interrupts the statement.
 */
async function runRequest(options: QueryRouteOptions, request: QueryRequest, clientGone: AbortSignal): Promise<{ result: CappedQueryResult; sql: string; elapsedMs: number }> {
  const { store, queue } = options;
  const { runUserSqlCapped } = await import('../engines/duckdb/index.js');
  const cap = request.limit ?? MAX_QUERY_ROWS;
  const limited = async <T>(task: (sandbox: SqlSandbox, signal: AbortSignal) => Promise<T>): Promise<{ value: T; elapsedMs: number }> => {
    const timeoutMs = options.timeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS;
    const timer = new AbortController();
    const timeout = setTimeout(() => timer.abort(timeoutError(timeoutMs)), timeoutMs);
    const started = performance.now();
    try {
      const value = await task(await options.sandbox(), AbortSignal.any([timer.signal, clientGone]));
      return { value, elapsedMs: Math.round(performance.now() - started) };
    } finally {
      clearTimeout(timeout);
    }
  };

  if (request.language === 'sql') {
    const text = required(request.text, 'text', 'the SQL to run, e.g. SELECT * FROM flows LIMIT 10');
    const { value, elapsedMs } = await limited((sandbox, signal) => runUserSqlCapped(sandbox, text, cap, { signal }));
    return { result: value, sql: value.sql, elapsedMs };
  }

  // Reports and Insights run through the same functions as the CLI and library users (runReport, runInsights), on
  // the sandbox under the same time limit; the store's dialect (its rollups when up to date) is read in the queue.
  const selection = { start: request.start, end: request.end };
  let run: (sandbox: SqlSandbox, signal: AbortSignal) => Promise<TableResult>;
  if (request.language === 'insights') {
    const { compileInsightsQuery, runInsights } = await import('../query/insights/run-insights.js');
    const text = required(request.text, 'text', 'a Logs Insights query, e.g. stats count(*) by srcAddr');
    await compileInsightsQuery(text, { selection });
    const dialect = await queue(() => dialectForStore(store));
    run = (sandbox, signal) => runInsights(store, text, { selection, maxRows: cap, sandbox, signal, dialect });
  } else {
    const { reportSql, runReport } = await import('../reports/run-report.js');
    const name = required(request.report, 'report', 'a report name from GET /api/reports, e.g. top-talkers');
    const reportOptions = { selection, limit: request.limit, params: request.params ?? {}, maxRows: cap };
    await reportSql(name, reportOptions);
    const dialect = await queue(() => dialectForStore(store));
    run = (sandbox, signal) => runReport(store, name, { ...reportOptions, sandbox, signal, dialect });
  }
  const { value, elapsedMs } = await limited(run);
  const { sql, ...result } = value;
  return { result: { ...result, rows: value.rows.map((row) => value.columns.map((column) => row[column])) }, sql, elapsedMs };
}

function timeoutError(timeoutMs: number): QueryError {
  return new QueryError('query-timeout', `the query ran longer than ${timeoutMs / 1000} s and was stopped`, {
    hint: 'narrow the time range, add filters or LIMIT, or start the server with a longer `--query-timeout SECONDS`',
  });
}

/** Reads and validates the JSON body; a bad one is a 400 'bad-request' naming the field. */
async function readRequest(c: Context): Promise<QueryRequest> {
  let json: unknown;
  try {
    json = await c.req.json();
  } catch {
    throw new FlowlensError('bad-request', 'the body of POST /api/query is not JSON', { hint: 'send {"language": "sql", "text": "SELECT …"} with Content-Type: application/json' });
  }
  return parseParams(requestSchema, json, 'language is sql, insights or report; start/end are epoch seconds; limit is 1–10000 (docs/graph.md, JSON API)', 'field') as QueryRequest;
}

function required(value: string | undefined, field: string, what: string): string {
  if (value === undefined || value.trim() === '') throw new FlowlensError('bad-request', `field ${field} is required for this language`, { hint: `give ${what}` });
  return value;
}
