import { openOnFirstUse } from '../connector.js';
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
  const connection = openOnFirstUse(
    options.connection,
    async () => (await import('./client.js')).connectClickHouse(options),
    (opened) => opened.close(),
  );
  return {
    name: 'clickhouse',
    dialect: clickhouseDialect,
    async run(sql: string, run: RunOptions = {}): Promise<ConnectorResult> {
      const { runClickHouseQuery } = await import('./client.js');
      const open = await connection.get();
      const started = performance.now();
      const result = await runClickHouseQuery(open.client, sql, run);
      return { ...result, sql, engine: 'clickhouse', elapsedMs: performance.now() - started };
    },
    close: () => connection.close(),
  };
}
