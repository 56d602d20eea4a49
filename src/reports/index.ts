import { closestName, QueryError } from '../records/index.js';
import { byteStats, rejectedSources, skippedRecords, subnetTopBytes, topBytes, topPackets, udpSources } from './insights-reports.js';
import { interfaces, internetEgress, portScans, protocols, rdpRejects, rejectsByWeekday, sshRejects, topTalkers } from './sql-reports.js';
import type { ReportContext, ReportDefinition } from './types.js';
import { LOG_REPORTS } from './log-reports.js';
import { awsServices, topAsns, topCountries } from './enrich-reports.js';

export type { ReportContext, ReportDefinition, ReportParam } from './types.js';

/** Every report, in the order `flowlens report --list` shows them. */
export const REPORTS: readonly ReportDefinition[] = [
  topTalkers,
  rejectedSources,
  sshRejects,
  rdpRejects,
  rejectsByWeekday,
  portScans,
  internetEgress,
  interfaces,
  protocols,
  topBytes,
  topPackets,
  byteStats,
  udpSources,
  subnetTopBytes,
  skippedRecords,
];

/** The S3 access log and CloudTrail reports (src/reports/log-reports.ts), listed after the flow-log ones. */
export { LOG_REPORTS };

/** Flow-log reports by what the public end is (ASN, country, AWS service): the store's enrichment tables, DuckDB only. */
export const ENRICHMENT_REPORTS: readonly ReportDefinition[] = [topAsns, topCountries, awsServices];

/** Looks a report up by name; throws 'unknown-report' with the list of names. */
export function findReport(name: string): ReportDefinition {
  const report = REPORTS.find((r) => r.name === name) ?? ENRICHMENT_REPORTS.find((r) => r.name === name) ?? LOG_REPORTS.find((r) => r.name === name);
  if (!report) {
    const names = [...REPORTS, ...ENRICHMENT_REPORTS, ...LOG_REPORTS].map((r) => r.name);
    const suggestion = closestName(name, names);
    throw new QueryError('unknown-report', `unknown report "${name}"${suggestion ? ` (did you mean "${suggestion}"?)` : ''}`, { hint: `reports: ${names.join(', ')} (flowlens report --list)` });
  }
  return report;
}

/** Fills parameter defaults and checks values; throws 'usage'-like QueryErrors for missing or bad ones. */
export function resolveReportParams(report: ReportDefinition, given: Readonly<Record<string, string>>): Record<string, string | number> {
  const values: Record<string, string | number> = {};
  for (const name of Object.keys(given)) {
    if (!report.params.some((p) => p.name === name)) {
      const known = report.params.map((p) => p.name).join(', ') || 'none';
      throw new QueryError('syntax', `report ${report.name} has no parameter "${name}"`, { hint: `its parameters: ${known}` });
    }
  }
  for (const param of report.params) {
    const raw = given[param.name] ?? param.default;
    if (raw === undefined) throw new QueryError('syntax', `report ${report.name} needs --param ${param.name}=…`, { hint: param.description });
    if (param.kind === 'number') {
      const n = Number(raw);
      if (!Number.isFinite(n) || n <= 0) throw new QueryError('syntax', `--param ${param.name}=${raw} is not a positive number`);
      values[param.name] = n;
    } else {
      values[param.name] = String(raw);
    }
  }
  return values;
}

/** The SQL of a report for a context whose params may be partial (defaults are filled in). */
export function buildReportSql(report: ReportDefinition, context: Omit<ReportContext, 'params'> & { params?: Readonly<Record<string, string>> }): string {
  return report.build({ ...context, params: resolveReportParams(report, context.params ?? {}) });
}
