import type { Command } from 'commander';
import { UsageError } from '../../records/index.js';
import type { CliContext } from '../context.js';
import { writeOut } from '../context.js';
import { openData } from '../data.js';
import { addReadingOptions, parseSelection, parsePositiveInt } from '../options.js';
import { addRemoteEngineOptions, defaultTableFor, remoteSelectionSql, runOnRemoteEngine } from './engines.js';
import type { RemoteEngineOptions } from './engines.js';
import { addEngineOptions } from './insights.js';
import type { InsightsOptions } from './insights.js';
import { addCostOptions, runCostsReport } from './costs.js';
import type { CostsOptions } from './costs.js';
import { printQuery, printTable } from './table-command.js';

const COSTS_DESCRIPTION = 'data-transfer charges flow logs explain (NAT processing, cross-AZ, internet, inter-region) with USD estimates';

/** Options of `flowlens report`. */
export interface ReportOptions extends InsightsOptions, Omit<RemoteEngineOptions, 'format'>, Omit<CostsOptions, keyof InsightsOptions> {
  list?: boolean;
  sql?: boolean;
  limit?: string;
  param?: string[];
}

/**
 * `flowlens report NAME [SOURCE...]`: a named report (top-talkers, rejected-sources, …). The SQL comes from
 * src/reports for the chosen --engine; --sql prints it. It runs on the local DuckDB store, or on Athena / ClickHouse.
 */
export function registerReport(program: Command, context: CliContext): void {
  const command = program.command('report').argument('[name]', 'report name (see --list)').argument('[source...]', 'sources (default: the database)');
  addCostOptions(addRemoteEngineOptions(addEngineOptions(addReadingOptions(command))))
    .description('run a named report (top-talkers, rejected-sources, ssh-rejects, …); --list shows them all')
    .option('--list', 'list the reports with one line each')
    .option('--sql', 'print the SQL the report runs, without running it')
    .option('-n, --limit <n>', 'rows to show (default: the report’s own)')
    .option('-p, --param <name=value...>', 'report parameter, e.g. --param cidr=10.0.1.0/24 (see --list)')
    .action(async (name: string | undefined, sources: string[], options: ReportOptions) => {
      const { REPORTS, LOG_REPORTS, buildReportSql, findReport } = await import('../../reports/index.js');
      if (options.list || name === undefined) {
        const rows = [...REPORTS, ...LOG_REPORTS].map((r) => ({
          name: r.name,
          description: r.description,
          params: r.params.map((p) => `${p.name}${p.default === undefined ? '' : `=${p.default}`}`).join(' '),
        }));
        rows.push({ name: 'costs', description: COSTS_DESCRIPTION, params: '--prices --interfaces --subnets --ip-ranges --aws-region --by' });
        await printTable(context, { columns: ['name', 'description', 'params'], rows }, options.format);
        return;
      }
      // The cost report is more than one SQL result (lines, recommendations, unattributed): its own runner.
      if (name === 'costs') return runCostsReport(context, sources, options);
      const report = findReport(name);
      const { findLogTableType } = await import('../../parse/index.js');
      const { logTimeWhere } = await import('../../query/insights/index.js');
      const { getDialect } = await import('../../query/dialect.js');
      const { selectionToSql } = await import('../../query/selection.js');
      const selection = parseSelection(options);
      const engine = (options.engine ?? 'duckdb') as Parameters<typeof getDialect>[0];
      const limit = options.limit === undefined ? undefined : parsePositiveInt(options.limit, '--limit', 1);
      const params = parseParams(options.param);
      // S3 access and CloudTrail reports read their table; --start/--end apply to its request or event time.
      const logTable = report.logType ? findLogTableType(report.logType) : undefined;
      const logWhere = logTable ? (logTimeWhere(logTable, selection, getDialect(engine)) ?? 'TRUE') : undefined;
      const table = options.table ?? logTable?.table ?? defaultTableFor(engine, options.tableFormat);
      const build = (where: string, dialect = getDialect(engine)): string => buildReportSql(report, { dialect, table, where: logWhere ?? where, limit, params });
      const sql = build(engine === 'duckdb' ? await selectionToSql(selection) : remoteSelectionSql(String(engine), selection, options.tableFormat));
      if (options.sql) {
        await writeOut(context, `${sql}\n`);
        return;
      }
      // Athena and ClickHouse run the report where the data is (see docs/scale-out.md).
      if (engine !== 'duckdb') return runOnRemoteEngine(context, sql, options);
      const data = await openData(context, sources, options, selection);
      try {
        // On a store with up-to-date rollups, reports whose grouping allows read them (same rows; docs/query-speed.md).
        const { dialectForStore } = await import('../../query/store-dialect.js');
        await printQuery(context, data.store, build(data.where, await dialectForStore(data.store)), options.format);
      } finally {
        data.close();
      }
    });
}

/** Parses `--param a=1 --param b=x` into a record. */
function parseParams(values: readonly string[] | undefined): Record<string, string> {
  const params: Record<string, string> = {};
  for (const value of values ?? []) {
    const eq = value.indexOf('=');
    if (eq <= 0) throw new UsageError(`--param "${value}" is not name=value`);
    params[value.slice(0, eq)] = value.slice(eq + 1);
  }
  return params;
}
