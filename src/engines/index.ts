import { UsageError } from '../records/index.js';
import { athenaDialect } from './athena/dialect.js';
import { createAthenaConnector } from './athena/connector.js';
import type { AthenaConnectorOptions } from './athena/connector.js';
import { clickhouseDialect } from './clickhouse/dialect.js';
import { createClickHouseConnector } from './clickhouse/connector.js';
import type { ClickHouseConnectorOptions } from './clickhouse/connector.js';
import type { Connector } from './connector.js';
import type { EngineName, QueryEngine, SqlDialect } from './dialect.js';
import { duckdbDialect } from './duckdb/dialect.js';

export type { AthenaRunInfo, Connector, ConnectorResult, RunOptions, TableResult } from './connector.js';
export { BaseDialect, ENGINE_NAMES, onlyCapturingGroup, parseCidr } from './dialect.js';
export type { AddressFamily, EngineName, FirstRowPerKey, QueryEngine, SqlDialect, SqlValue } from './dialect.js';
export { createDuckDbConnector, dialectForStore, DuckDbDialect, runGeneratedSql, runSql } from './duckdb/index.js';
export type { DuckDbConnectorOptions, GeneratedSqlRun } from './duckdb/index.js';
// From the modules themselves, not the engines' index files: those load the AWS SDK and the ClickHouse client,
// which a command running on DuckDB does not need at startup.
export { createAthenaConnector } from './athena/connector.js';
export { TrinoDialect } from './athena/dialect.js';
export type { AthenaConnectorOptions } from './athena/connector.js';
export { ClickHouseDialect } from './clickhouse/dialect.js';
export { createClickHouseConnector } from './clickhouse/connector.js';
export type { ClickHouseConnectorOptions } from './clickhouse/connector.js';

const DIALECTS: Record<EngineName, SqlDialect> = { duckdb: duckdbDialect, athena: athenaDialect, clickhouse: clickhouseDialect };

/** The dialect of an engine (`trino` is accepted for `athena`). */
export function getDialect(engine: QueryEngine = 'duckdb'): SqlDialect {
  return DIALECTS[engine === 'trino' ? 'athena' : engine];
}

/** The DuckDB dialect, used for the local store. */
export const duckdb: SqlDialect = duckdbDialect;

/** Settings of the engines that run away from the local store: Athena's and ClickHouse's. */
export interface RemoteConnectorOptions {
  athena?: AthenaConnectorOptions | undefined;
  clickhouse?: ClickHouseConnectorOptions | undefined;
}

/** The connector of a remote engine (athena, trino or clickhouse); the local store's is createDuckDbConnector. */
export function createRemoteConnector(engine: QueryEngine, options: RemoteConnectorOptions = {}): Connector {
  if (engine === 'athena' || engine === 'trino') return createAthenaConnector(options.athena);
  if (engine === 'clickhouse') return createClickHouseConnector(options.clickhouse);
  throw new UsageError(`${engine} is not a remote engine`, { hint: 'the local store runs with createDuckDbConnector(store)' });
}
