import type { ClickHouseClient } from '@clickhouse/client';
import { FlowlensError, QueryError } from '../../records/index.js';

/** The default ClickHouse HTTP endpoint. */
export const DEFAULT_CLICKHOUSE_URL = 'http://127.0.0.1:8123';

/** What the connected server supports, from its version. */
export interface ClickHouseFeatures {
  version: string;
  /**
   * IPv6 column type, toIPv6OrDefault() mapping IPv4 text, column codecs and LowCardinality (22.1+). Older servers
   * get plain types: their LowCardinality was experimental, and on 18.16 a comparison of a LowCardinality(Nullable)
   * column inside CASE is true for every row, which breaks report counts.
   */
  modern: boolean;
}

/** Features of a server version string such as "18.16.1" or "24.3.2.23". */
export function clickHouseFeatures(version: string): ClickHouseFeatures {
  const [major = 0] = version.split('.').map((n) => Number(n));
  return { version, modern: major >= 22 };
}

/** How to reach the server. */
export interface ClickHouseConnectOptions {
  url?: string | undefined;
  database?: string | undefined;
  username?: string | undefined;
  password?: string | undefined;
}

/** An open connection and what the server supports. */
export interface ClickHouseConnection {
  client: ClickHouseClient;
  features: ClickHouseFeatures;
  close(): Promise<void>;
}

/** Connects over HTTP with the official client (its logging off: flowlens reports errors itself) and reads the server version. */
export async function connectClickHouse(options: ClickHouseConnectOptions): Promise<ClickHouseConnection> {
  const { createClient, ClickHouseLogLevel } = await import('@clickhouse/client');
  const url = options.url ?? DEFAULT_CLICKHOUSE_URL;
  const client = createClient({
    url,
    username: options.username ?? 'default',
    password: options.password ?? '',
    ...(options.database ? { database: options.database } : {}),
    log: { level: ClickHouseLogLevel.OFF },
    request_timeout: 600_000,
  });
  try {
    const ping = await client.ping();
    if (!ping.success) throw ping.error;
    const result = await client.query({ query: 'SELECT version() AS v', format: 'JSONEachRow' });
    const [row] = await result.json<{ v: string }>();
    return { client, features: clickHouseFeatures(row?.v ?? '0'), close: () => client.close() };
  } catch (error) {
    await client.close();
    throw new FlowlensError('clickhouse-connect', `cannot reach ClickHouse at ${url}: ${(error as Error).message}`, {
      hint: 'start the server (clickhouse-server) or pass --clickhouse-url http://host:8123; a missing --database is created by `flowlens clickhouse schema`',
      cause: error,
    });
  }
}

/** A result as plain JS values, like the DuckDB store's: 64-bit integers as numbers when safe. */
export interface ClickHouseResult {
  columns: string[];
  types: string[];
  rows: Record<string, unknown>[];
  /** True when `maxRows` cut the result short. */
  truncated: boolean;
}

/** How a query runs: at most `maxRows` rows are read (the server stops after them); `signal` cancels the request. */
export interface ClickHouseQueryOptions {
  maxRows?: number | undefined;
  signal?: AbortSignal | undefined;
  /**
   * Receives the rows as the server sends them (TabSeparatedWithNamesAndTypes, a few thousand rows at a time), so a
   * large result is never held whole; the result's `rows` then stays empty.
   */
  onRows?: ((columns: string[], types: string[], rows: Record<string, unknown>[]) => Promise<void> | void) | undefined;
}

/** Runs a query and converts its result by the column types ClickHouse reports (streamed to `onRows` when given). */
export async function runClickHouseQuery(client: ClickHouseClient, sql: string, options: ClickHouseQueryOptions = {}): Promise<ClickHouseResult> {
  let json: { meta?: { name: string; type: string }[]; data?: Record<string, unknown>[] };
  const { maxRows, signal } = options;
  // The client sends a request whose signal has already aborted; a cancelled run must not start.
  if (signal?.aborted) throw new QueryError('interrupted', 'the ClickHouse query was cancelled before it started', { sql, cause: signal.reason });
  // One row more than asked tells whether the result was cut; 'break' returns what was read instead of failing.
  const capped = maxRows === undefined ? {} : { clickhouse_settings: { max_result_rows: String(maxRows + 1), result_overflow_mode: 'break' as const } };
  const aborting = signal ? { abort_signal: signal } : {};
  try {
    const { onRows } = options;
    if (onRows) {
      // What the callback throws (e.g. stdout closed under `| head`) is the caller's own error, passed on as it is.
      const passOn = async (...args: Parameters<typeof onRows>): Promise<void> => {
        try {
          await onRows(...args);
        } catch (error) {
          throw new CallbackFailure(error);
        }
      };
      return await streamRows(client, sql, { ...capped, ...aborting }, maxRows, passOn);
    }
    const result = await client.query({ query: sql, format: 'JSON', ...capped, ...aborting });
    json = await result.json();
  } catch (error) {
    throw queryFailure(sql, error, signal);
  }
  const meta = json.meta ?? [];
  const rows = (json.data ?? []).map((row) => {
    for (const { name, type } of meta) row[name] = convertValue(row[name], type);
    return row;
  });
  const truncated = maxRows !== undefined && rows.length > maxRows;
  return { columns: meta.map((m) => m.name), types: meta.map((m) => m.type), rows: truncated ? rows.slice(0, maxRows) : rows, truncated };
}

// Carries an error thrown by onRows through the query's own error handling.
class CallbackFailure {
  constructor(readonly error: unknown) {}
}

// The error of a failed or cancelled run (or the callback's own error).
function queryFailure(sql: string, error: unknown, signal: AbortSignal | undefined): unknown {
  if (error instanceof CallbackFailure) return error.error;
  if (error instanceof QueryError) return error;
  if (signal?.aborted) return new QueryError('interrupted', 'the ClickHouse query was cancelled', { sql, cause: error });
  return new QueryError('clickhouse', `ClickHouse rejected the query: ${(error as Error).message}`, {
    sql,
    hint: "run with --sql to see the statement; Debian's clickhouse-server is an old release (18.16) that lacks newer functions",
    cause: error,
  });
}

// Streams a result as TabSeparatedWithNamesAndTypes (a typed row format every release has, 18.16 included): the
// first two lines name the columns and their types, each later line is a row, handed to onRows a chunk at a time.
async function streamRows(
  client: ClickHouseClient,
  sql: string,
  params: { clickhouse_settings?: Record<string, string>; abort_signal?: AbortSignal },
  maxRows: number | undefined,
  onRows: NonNullable<ClickHouseQueryOptions['onRows']>,
): Promise<ClickHouseResult> {
  const { splitTsvLine, convertTsvValue, unescapeTsv } = await import('./tsv.js');
  const result = await client.query({ query: sql, format: 'TabSeparatedWithNamesAndTypes', ...params });
  const stream = result.stream();
  let columns: string[] | undefined;
  let types: string[] | undefined;
  let count = 0;
  let truncated = false;
  try {
    for await (const chunk of stream as AsyncIterable<{ text: string }[]>) {
      const rows: Record<string, unknown>[] = [];
      for (const { text } of chunk) {
        const fields = splitTsvLine(text);
        if (columns === undefined) {
          columns = fields.map((f) => unescapeTsv(f ?? ''));
          continue;
        }
        if (types === undefined) {
          types = fields.map((f) => unescapeTsv(f ?? ''));
          continue;
        }
        if (maxRows !== undefined && count >= maxRows) {
          truncated = true;
          break;
        }
        const row: Record<string, unknown> = {};
        columns.forEach((name, i) => (row[name] = convertTsvValue(fields[i] ?? null, types?.[i] ?? 'String')));
        rows.push(row);
        count++;
      }
      if (rows.length > 0) await onRows(columns ?? [], types ?? [], rows);
      if (truncated) break;
    }
  } finally {
    stream.destroy();
  }
  return { columns: columns ?? [], types: types ?? [], rows: [], truncated };
}

/** Converts a JSON-format value: 64-bit and 128-bit integers arrive quoted. */
export function convertValue(value: unknown, type: string): unknown {
  if (value === null || value === undefined) return null;
  const base = type.replace(/^LowCardinality\((.*)\)$/, '$1').replace(/^Nullable\((.*)\)$/, '$1');
  if (/^U?Int(64|128|256)$/.test(base) && typeof value === 'string') {
    const big = BigInt(value);
    return big <= BigInt(Number.MAX_SAFE_INTEGER) && big >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(big) : big;
  }
  if (/^(Float|Decimal)/.test(base) && typeof value === 'string') return Number(value);
  return value;
}
