import { createRequire } from 'node:module';
import type * as DuckDBApi from '@duckdb/node-api';

// The package is CommonJS. Imported from ESM, Node first scans its index and every file it re-exports for export
// names at every start of the CLI; `require` loads it without that scan.
const api = createRequire(import.meta.url)('@duckdb/node-api') as typeof DuckDBApi;

/** DuckDB's database instance class (see @duckdb/node-api). */
export const DuckDBInstance = api.DuckDBInstance;
/** A DuckDB database instance. */
export type DuckDBInstance = DuckDBApi.DuckDBInstance;
/** DuckDB's logical type ids. */
export const DuckDBTypeId = api.DuckDBTypeId;
/** A DuckDB logical type id. */
export type DuckDBTypeId = DuckDBApi.DuckDBTypeId;
/** The converter of DuckDB values to plain JS values. */
export const JSDuckDBValueConverter = api.JSDuckDBValueConverter;
/** The kinds of statement DuckDB's parser reports. */
export const StatementType = api.StatementType;
/** A kind of statement DuckDB's parser reports. */
export type StatementType = DuckDBApi.StatementType;
