import type { Connector, ConnectorResult, RunOptions } from '../connector.js';
import type { ClickHouseConnectOptions, ClickHouseConnection } from './client.js';
import { clickhouseDialect } from './dialect.js';

/** Where ClickHouse queries run: the HTTP endpoint, database and credentials, or a connection already open. */
export interface ClickHouseConnectorOptions extends ClickHouseConnectOptions {
  /** A connection to use instead of opening one (the caller closes it). */
  connection?: ClickHouseConnection | undefined;
}

/**
 * ClickHouse as a connector: SQL written with the ClickHouse dialect (functions old releases have) runs over HTTP
 * with the official client; the connection opens at the first run and `close` ends it.
 */
export function createClickHouseConnector(options: ClickHouseConnectorOptions = {}): Connector {
  let owned: ClickHouseConnection | undefined;
  const connection = async (): Promise<ClickHouseConnection> => {
    if (options.connection) return options.connection;
    if (!owned) {
      const { connectClickHouse } = await import('./client.js');
      owned = await connectClickHouse(options);
    }
    return owned;
  };
  return {
    name: 'clickhouse',
    dialect: clickhouseDialect,
    async run(sql: string, run: RunOptions = {}): Promise<ConnectorResult> {
      const { runClickHouseQuery } = await import('./client.js');
      const open = await connection();
      const started = performance.now();
      const result = await runClickHouseQuery(open.client, sql, run);
      return { ...result, sql, engine: 'clickhouse', elapsedMs: performance.now() - started };
    },
    async close(): Promise<void> {
      const open = owned;
      owned = undefined;
      await open?.close();
    },
  };
}
