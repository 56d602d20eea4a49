import type { Command } from 'commander';
import { UsageError } from '../../records/index.js';
import type { CliContext } from '../context.js';
import { writeOut } from '../context.js';
import { addCostOptions, runCostsReport } from '../costs-report.js';
import type { CostsOptions } from '../costs-report.js';
import { openData } from '../data.js';
import { addReadingOptions, parseSelection, parsePositiveInt, splitList } from '../options.js';
import { addEngineOptions, addRemoteEngineOptions, runOnRemoteEngine } from '../remote-engines.js';
import type { RemoteEngineOptions } from '../remote-engines.js';
import type { QueryEngine } from '../../engines/index.js';
import type { ReadingOptions } from '../options.js';
import { printQuery, printTable } from './table-command.js';

const COSTS_DESCRIPTION = 'data-transfer charges flow logs explain (NAT processing, cross-AZ, internet, inter-region) with USD estimates';

/** Options of `flowlens report`. */
export interface ReportOptions extends ReadingOptions, Omit<RemoteEngineOptions, 'format'>, Omit<CostsOptions, keyof ReadingOptions> {
  list?: boolean;
  sql?: boolean;
  limit?: string;
  param?: string[];
}

/**
 * `flowlens report NAME [SOURCE...]`: a named report (top-talkers, rejected-sources, …), run by runReport
 * (src/reports/run-report.ts) on the local store, or written by reportSql for Athena / ClickHouse; --sql prints it.
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
      const { listReports, reportSql } = await import('../../reports/run-report.js');
      if (options.list || name === undefined) {
        const rows = listReports().map((r) => ({
          name: r.name,
          description: r.description,
          params: r.params.map((p) => `${p.name}${p.default === null ? '' : `=${p.default}`}`).join(' '),
        }));
        rows.push({ name: 'costs', description: COSTS_DESCRIPTION, params: '--prices --interfaces --subnets --ip-ranges --aws-region --by' });
        await printTable(context, { columns: ['name', 'description', 'params'], rows }, options.format);
        return;
      }
      // The cost report is more than one SQL result (lines, recommendations, unattributed): its own runner.
      if (name === 'costs') return runCostsReport(context, sources, options);
      const selection = parseSelection(options);
      const run = {
        selection,
        engine: (options.engine ?? 'duckdb') as QueryEngine,
        table: options.table,
        tableFormat: options.tableFormat,
        partitions: { accounts: splitList(options.accounts), regions: splitList(options.regions) },
        limit: options.limit === undefined ? undefined : parsePositiveInt(options.limit, '--limit', 1),
        params: parseParams(options.param),
      };
      // Checks the name and parameters (and writes the SQL) before any SOURCE is read.
      const sql = await reportSql(name, run);
      if (options.sql) {
        await writeOut(context, `${sql}\n`);
        return;
      }
      // Athena and ClickHouse run the report where the data is (see docs/scale-out.md).
      if (run.engine !== 'duckdb') return runOnRemoteEngine(context, sql, options);
      const data = await openData(context, sources, options, selection, 'view');
      try {
        const { reportSqlForStore } = await import('../../reports/run-report.js');
        await printQuery(context, data.store, await data.prepare(await reportSqlForStore(data.store, name, run)), options.format);
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
