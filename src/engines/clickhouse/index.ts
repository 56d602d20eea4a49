export { clickhouseDialect, ClickHouseDialect } from './dialect.js';
export { clickHouseFeatures, connectClickHouse, convertValue, DEFAULT_CLICKHOUSE_URL, runClickHouseQuery } from './client.js';
export type { ClickHouseConnection, ClickHouseConnectOptions, ClickHouseFeatures, ClickHouseQueryOptions, ClickHouseResult } from './client.js';
export { createClickHouseConnector } from './connector.js';
export type { ClickHouseConnectorOptions } from './connector.js';
