export { athenaDialect, TrinoDialect } from './dialect.js';
export { parseAthenaValue, runAthenaQuery } from './runner.js';
export type { AthenaQueryRequest, AthenaQueryResult, AthenaRunOptions, AthenaStats } from './runner.js';
export { ATHENA_MIN_BILLED_BYTES, ATHENA_PRICE_PER_TB, athenaCost, formatBytes, renderCostLine } from './cost.js';
export type { AthenaCost } from './cost.js';
export { explainAthenaFailure } from './errors.js';
export { createAthenaConnector } from './connector.js';
export type { AthenaConnectorOptions } from './connector.js';
