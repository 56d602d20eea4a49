import type { AthenaClient } from '@aws-sdk/client-athena';
import type { AwsOptions } from '../../sources/aws/client-config.js';
import { openOnFirstUse } from '../connector.js';
import type { Connector, ConnectorResult, RunOptions } from '../connector.js';
import { athenaDialect } from './dialect.js';
import type { AthenaRunOptions } from './runner.js';

/** Where Athena queries run: AWS settings as the AWS CLI takes them, the workgroup, database, catalog and result prefix. */
export interface AthenaConnectorOptions extends AwsOptions {
  workgroup?: string | undefined;
  database?: string | undefined;
  catalog?: string | undefined;
  /** s3:// prefix for the result files; optional when the workgroup sets one. */
  outputLocation?: string | undefined;
  /** A client to use instead of one built from the AWS settings (the caller destroys it). */
  client?: AthenaClient | undefined;
  /** Environment the region and profile are read from (default: process.env). */
  env?: Record<string, string | undefined> | undefined;
  /** Polling of the query state (first wait, backoff, time limit). */
  polling?: Omit<AthenaRunOptions, 'maxRows' | 'signal'> | undefined;
}

/**
 * Amazon Athena (Trino) as a connector: SQL written with the Trino dialect runs with StartQueryExecution, is polled
 * until done (stopped when `signal` aborts) and read page by page; the result tells the data scanned and its cost.
 */
export function createAthenaConnector(options: AthenaConnectorOptions = {}): Connector {
  const client = openOnFirstUse(
    options.client,
    async () => {
      const [{ AthenaClient }, { buildServiceClientConfig }] = await Promise.all([import('@aws-sdk/client-athena'), import('../../sources/aws/client-config.js')]);
      return new AthenaClient(await buildServiceClientConfig(options, options.env));
    },
    (opened) => Promise.resolve(opened.destroy()),
  );
  return {
    name: 'athena',
    dialect: athenaDialect,
    async run(sql: string, run: RunOptions = {}): Promise<ConnectorResult> {
      const { runAthenaQuery } = await import('./runner.js');
      const started = performance.now();
      const request = { sql, workgroup: options.workgroup, database: options.database, catalog: options.catalog, outputLocation: options.outputLocation };
      const result = await runAthenaQuery(await client.get(), request, { ...options.polling, ...(run.maxRows === undefined ? {} : { maxRows: run.maxRows }), signal: run.signal, ...(run.onRows === undefined ? {} : { onRows: run.onRows }) });
      const { queryExecutionId, stats, cost } = result;
      return {
        columns: result.columns,
        types: result.types,
        rows: result.rows,
        truncated: result.truncated,
        sql,
        engine: 'athena',
        elapsedMs: performance.now() - started,
        athena: { queryExecutionId, totalExecutionTimeMs: stats.totalExecutionTimeMs, cost },
      };
    },
    close: () => client.close(),
  };
}
