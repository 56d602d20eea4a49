// The public API of flowlens: everything a library user may import. Nothing else is public (see docs/api.md).

// Store: open, ingest
export { openStore } from './store/open-store.js';
export { Store, resolveDbPath } from './store/database.js';
export type { OpenStoreOptions, QueryResult } from './store/database.js';
export { ingest } from './store/load-sources.js';
export type { IngestSourcesOptions } from './store/load-sources.js';
export type { IngestProgress, IngestSummary } from './store/ingest.js';

// Reading records straight from SOURCEs
export { readRecords } from './sources/read-records.js';
export type { ReadRecordsOptions } from './sources/read-records.js';
export { parseFlowLogText } from './parse/parse-text.js';
export type { ParseIssue } from './parse/issues.js';
export type { FieldValue, FlowRecord } from './records/field-types.js';
export { ALL_FIELDS, findField, toColumnName } from './records/fields.js';

// Queries: SQL, Insights, filter patterns, stored records
export { runSql } from './engines/index.js';
export { compileInsightsQuery, runInsights } from './query/insights/run-insights.js';
export type { InsightsRunOptions } from './query/insights/run-insights.js';
export { filterPatternToLineMatcher as filterPatternMatcher } from './query/filter-pattern-hook.js';
export { selectionToSql } from './query/selection.js';
export type { RecordSelection } from './query/selection.js';
export { aggregate, findip, ipset, queryRecords } from './query/flow-results.js';
export type { RecordQueryOptions } from './query/flow-results.js';
export type { QueryEngine, TableResult } from './engines/index.js';

// Engines as connectors: the local store, Athena and ClickHouse behind one interface
export { createAthenaConnector, createClickHouseConnector, createDuckDbConnector } from './engines/index.js';
export type { AthenaConnectorOptions, ClickHouseConnectorOptions, Connector, ConnectorResult, DuckDbConnectorOptions, RunOptions, SqlDialect } from './engines/index.js';

// Reports
export { listReports, reportSql, runReport } from './reports/run-report.js';
export type { ReportSummary, RunReportOptions } from './reports/run-report.js';

// Graph
export { buildGraph } from './graph/build-graph.js';
export type { BuildGraphOptions } from './graph/build-graph.js';
export { renderExport, writeExport } from './graph/write-export.js';
export type { ExportFormat } from './graph/exports.js';
export type { FlowGraph, GraphEdge, GraphNode } from './graph/types.js';

// Alerts: alarms and detections
export { loadRulesFile, parseRules } from './alerts/load-rules.js';
export { runAlerts } from './alerts/run-alerts.js';
export type { AlertsReport, RunAlertsOptions } from './alerts/run-alerts.js';
export type { Rules } from './alerts/rules.js';
export type { AlarmEvent, FindingEvent } from './alerts/types.js';

// Enrichment: ASN, country and AWS service of public addresses (joined at query time)
export { loadEnrichment, lookupAddresses, readEnrichmentSources } from './enrich/index.js';
export type { AddressEnrichment, EnrichmentSource, LoadEnrichmentOptions } from './enrich/index.js';

// Costs
export { buildCostReport } from './costs/cost-report.js';
export type { CostReport, CostReportOptions } from './costs/cost-report.js';
export { DEFAULT_PRICES, loadPrices } from './costs/prices.js';
export type { PriceTable } from './costs/prices.js';

// Scale out: Parquet, Athena DDL, ClickHouse
export { exportParquet } from './scale/parquet-export.js';
export type { ParquetExportOptions, ParquetExportResult } from './scale/parquet-export.js';
export { DEFAULT_PARQUET_COLUMNS, parquetColumnsFor } from './scale/parquet-schema.js';
export { buildParquetFlowLogTable, buildTextFlowLogTable, renderCreateTable } from './scale/athena-ddl.js';
export type { AthenaTableSpec, FlowLogTableOptions } from './scale/athena-ddl.js';
export { connectClickHouse } from './engines/clickhouse/index.js';
export { ensureClickHouseSchema } from './scale/clickhouse-schema.js';
export type { ClickHouseConnection, ClickHouseConnectOptions } from './engines/clickhouse/index.js';
export { loadIntoClickHouse } from './scale/clickhouse-load.js';
export type { ClickHouseLoadOptions, ClickHouseLoadResult } from './scale/clickhouse-load.js';

// Errors and exact JSON
export { FlowlensError, ParseError, QueryError, SourceError, UsageError } from './records/errors.js';
export { toJsonRow, toJsonValue } from './records/json-value.js';
