import type { AthenaClient, ColumnInfo, QueryExecution, Row } from '@aws-sdk/client-athena';
import { GetQueryExecutionCommand, GetQueryResultsCommand, GetWorkGroupCommand, StartQueryExecutionCommand, StopQueryExecutionCommand } from '@aws-sdk/client-athena';
import { QueryError } from '../../records/index.js';
import type { AthenaCost } from './cost.js';
import { athenaCost } from './cost.js';
import { explainAthenaFailure } from './errors.js';

/** What to run on Athena and where. */
export interface AthenaQueryRequest {
  sql: string;
  workgroup?: string | undefined;
  database?: string | undefined;
  catalog?: string | undefined;
  /** s3:// prefix for the result files; optional when the workgroup sets one. */
  outputLocation?: string | undefined;
}

/** Polling and paging behaviour. */
export interface AthenaRunOptions {
  /** First wait between status checks; each next wait is `backoff` times longer, up to `maxDelayMs`. */
  initialDelayMs?: number;
  maxDelayMs?: number;
  backoff?: number;
  /** Give up (and stop the query) after this long. */
  timeoutMs?: number;
  /** Stop reading result pages after this many rows. */
  maxRows?: number;
  /** Receives each page's rows as it is read (printed, say); the result's `rows` then stays empty. */
  onRows?: (columns: string[], types: string[], rows: Record<string, unknown>[]) => Promise<void> | void;
  sleep?: (ms: number) => Promise<void>;
  /** Stops the query (StopQueryExecution) and rejects with QueryError 'interrupted' when it aborts. */
  signal?: AbortSignal | undefined;
  onState?: (state: string, execution: QueryExecution) => void;
}

/** Statistics Athena reports for a finished query. */
export interface AthenaStats {
  dataScannedBytes: number;
  engineExecutionTimeMs: number;
  totalExecutionTimeMs: number;
  queueTimeMs: number;
}

/** A finished query: rows as plain JS values, its statistics and its cost. */
export interface AthenaQueryResult {
  queryExecutionId: string;
  columns: string[];
  types: string[];
  rows: Record<string, unknown>[];
  stats: AthenaStats;
  cost: AthenaCost;
  outputLocation: string | undefined;
  /** True when maxRows cut the result short. */
  truncated: boolean;
}

/** Runs SQL on Athena: StartQueryExecution, GetQueryExecution with backoff until done, then every GetQueryResults page. */
export async function runAthenaQuery(client: AthenaClient, request: AthenaQueryRequest, options: AthenaRunOptions = {}): Promise<AthenaQueryResult> {
  if (options.signal?.aborted) throw new QueryError('interrupted', 'the Athena query was cancelled before it started', { sql: request.sql, cause: options.signal.reason });
  const id = await startQuery(client, request);
  const execution = await waitForQuery(client, id, request, options);
  const stats = statsOf(execution);
  const { columns, types, rows, truncated } = await readResults(client, id, execution.StatementType, options.maxRows, options.onRows);
  return {
    queryExecutionId: id,
    columns,
    types,
    rows,
    stats,
    cost: athenaCost(stats.dataScannedBytes, execution.StatementType),
    outputLocation: execution.ResultConfiguration?.OutputLocation,
    truncated,
  };
}

async function startQuery(client: AthenaClient, request: AthenaQueryRequest): Promise<string> {
  try {
    const started = await client.send(
      new StartQueryExecutionCommand({
        QueryString: request.sql,
        WorkGroup: request.workgroup,
        QueryExecutionContext: request.database || request.catalog ? { Database: request.database, Catalog: request.catalog } : undefined,
        ResultConfiguration: request.outputLocation ? { OutputLocation: request.outputLocation } : undefined,
      }),
    );
    if (!started.QueryExecutionId) throw new Error('StartQueryExecution returned no QueryExecutionId');
    return started.QueryExecutionId;
  } catch (error) {
    const message = (error as Error).message;
    throw new QueryError('athena-start', `Athena did not start the query: ${message}`, {
      sql: request.sql,
      hint: /output location/i.test(message)
        ? 'pass --output s3://bucket/prefix/ for the results, or use a workgroup that sets a query result location'
        : 'check --workgroup, --database, your credentials (--profile, --region) and athena:StartQueryExecution permission',
      cause: error,
    });
  }
}

async function waitForQuery(client: AthenaClient, id: string, request: AthenaQueryRequest, options: AthenaRunOptions): Promise<QueryExecution> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const deadline = Date.now() + (options.timeoutMs ?? 30 * 60_000);
  let delay = options.initialDelayMs ?? 250;
  for (;;) {
    const { QueryExecution: execution } = await client.send(new GetQueryExecutionCommand({ QueryExecutionId: id }));
    const state = execution?.Status?.State ?? 'UNKNOWN';
    if (execution) options.onState?.(state, execution);
    if (execution && state === 'SUCCEEDED') return execution;
    if (execution && (state === 'FAILED' || state === 'CANCELLED')) {
      throw explainAthenaFailure(execution, request.sql, await scanLimitOf(client, request.workgroup ?? execution.WorkGroup));
    }
    if (options.signal?.aborted) {
      await client.send(new StopQueryExecutionCommand({ QueryExecutionId: id })).catch(() => undefined);
      throw new QueryError('interrupted', `Athena query ${id} was stopped: the run was cancelled`, { sql: request.sql, hint: 'run it again when you need the result', cause: options.signal.reason });
    }
    if (Date.now() >= deadline) {
      await client.send(new StopQueryExecutionCommand({ QueryExecutionId: id })).catch(() => undefined);
      throw new QueryError('athena-timeout', `Athena query ${id} was still ${state} when the wait ran out; it has been stopped`, {
        sql: request.sql,
        hint: 'narrow the time range (--start/--end) so fewer partitions are read',
      });
    }
    await sleep(delay);
    delay = Math.min(options.maxDelayMs ?? 5000, Math.ceil(delay * (options.backoff ?? 1.5)));
  }
}

async function scanLimitOf(client: AthenaClient, workgroup: string | undefined): Promise<number | undefined> {
  if (!workgroup) return undefined;
  try {
    const { WorkGroup } = await client.send(new GetWorkGroupCommand({ WorkGroup: workgroup }));
    return WorkGroup?.Configuration?.BytesScannedCutoffPerQuery;
  } catch {
    return undefined; // athena:GetWorkGroup may be denied; the failure is explained without the number.
  }
}

async function readResults(client: AthenaClient, id: string, statementType: string | undefined, maxRows: number | undefined, onRows: AthenaRunOptions['onRows']) {
  let columns: string[] = [];
  let types: string[] = [];
  const rows: Record<string, unknown>[] = [];
  let token: string | undefined;
  let first = true;
  let truncated = false;
  let read = 0;
  do {
    const page = await client.send(new GetQueryResultsCommand({ QueryExecutionId: id, NextToken: token, MaxResults: 1000 }));
    const info: ColumnInfo[] = page.ResultSet?.ResultSetMetadata?.ColumnInfo ?? [];
    if (first) {
      columns = info.map((c, i) => c.Label ?? c.Name ?? `_col${i}`);
      types = info.map((c) => c.Type ?? 'varchar');
    }
    let pageRows: Row[] = page.ResultSet?.Rows ?? [];
    // For SELECT (DML) statements the first row of the first page repeats the column labels.
    if (first && statementType !== 'DDL' && pageRows[0] && isHeaderRow(pageRows[0], columns)) pageRows = pageRows.slice(1);
    const records: Record<string, unknown>[] = [];
    for (const row of pageRows) {
      if (maxRows !== undefined && read >= maxRows) {
        truncated = true;
        break;
      }
      records.push(toRecord(row, columns, types));
      read++;
    }
    if (onRows) await onRows(columns, types, records);
    else rows.push(...records);
    first = false;
    token = truncated ? undefined : page.NextToken;
  } while (token);
  return { columns, types, rows, truncated };
}

function isHeaderRow(row: Row, columns: readonly string[]): boolean {
  const data = row.Data ?? [];
  return data.length === columns.length && data.every((d, i) => d.VarCharValue === columns[i]);
}

function toRecord(row: Row, columns: readonly string[], types: readonly string[]): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  (row.Data ?? []).forEach((datum, i) => {
    record[columns[i] ?? `_col${i}`] = parseAthenaValue(datum.VarCharValue, types[i] ?? 'varchar');
  });
  return record;
}

/** Converts Athena's text value to a JS value by its column type (integers beyond 2^53 as bigint, like the store). */
export function parseAthenaValue(text: string | undefined, type: string): unknown {
  if (text === undefined) return null;
  switch (type.toLowerCase()) {
    case 'tinyint':
    case 'smallint':
    case 'integer':
    case 'int':
    case 'bigint': {
      const big = BigInt(text);
      return big <= BigInt(Number.MAX_SAFE_INTEGER) && big >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(big) : big;
    }
    case 'double':
    case 'float':
    case 'real':
    case 'decimal':
      return Number(text);
    case 'boolean':
      return text === 'true';
    default:
      return text;
  }
}

function statsOf(execution: QueryExecution): AthenaStats {
  const s = execution.Statistics ?? {};
  return {
    dataScannedBytes: s.DataScannedInBytes ?? 0,
    engineExecutionTimeMs: s.EngineExecutionTimeInMillis ?? 0,
    totalExecutionTimeMs: s.TotalExecutionTimeInMillis ?? 0,
    queueTimeMs: s.QueryQueueTimeInMillis ?? 0,
  };
}
