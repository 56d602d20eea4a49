import { describe, expect, it } from 'vitest';
import { getDialect } from '../../src/engines/index.js';
import { buildReportSql, findReport, LOG_REPORTS, REPORTS } from '../../src/reports/index.js';

describe('log reports', () => {
  it('are found by name and kept apart from the flow-log reports', () => {
    expect(LOG_REPORTS.map((r) => r.name)).toEqual([
      's3-top-downloaders',
      's3-top-copiers',
      'cloudtrail-s3-by-identity',
      'cloudtrail-s3-by-source-ip',
      'cloudtrail-s3-by-event',
      'cloudtrail-s3-bucket-events',
    ]);
    for (const report of LOG_REPORTS) {
      expect(findReport(report.name)).toBe(report);
      expect(report.logType).toMatch(/^(s3-access|cloudtrail)$/);
      expect(REPORTS).not.toContain(report);
    }
  });

  it.each(['duckdb', 'athena', 'clickhouse'] as const)('render %s SQL on their table with the time window and parameters escaped', (engine) => {
    for (const report of LOG_REPORTS) {
      const table = report.logType === 's3-access' ? 's3_access' : 'cloudtrail';
      const params = report.params.length > 0 ? { bucket: "it's" } : {};
      const sql = buildReportSql(report, { dialect: getDialect(engine), table, where: 'TRUE', limit: undefined, params });
      expect(sql).toContain(getDialect(engine).quoteIdentifier(table));
      expect(sql).not.toMatch(/epoch_ms|json_extract|strptime/);
      if (report.params.length > 0) expect(sql).toContain(getDialect(engine).literal("it's"));
    }
  });
});
