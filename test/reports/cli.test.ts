import { describe, expect, it } from 'vitest';
import { REPORTS } from '../../src/reports/index.js';
import { fixturePath, runFlowlensCli } from '../query/fixture-store.js';

const FIXTURE = fixturePath('queries/flows-mixed.log');

describe('flowlens report', () => {
  it('--list shows every report with one line', async () => {
    const run = await runFlowlensCli(['report', '--list', '--format', 'ndjson']);
    const rows = run.stdout.trim().split('\n').map((l) => JSON.parse(l) as { name: string; description: string });
    // Every defined report is listed (commands may list extra ones with their own runners, e.g. costs).
    expect(rows.map((r) => r.name)).toEqual(expect.arrayContaining(REPORTS.map((r) => r.name)));
    for (const row of rows) expect(row.description).not.toContain('\n');
  });

  it('runs a report on a file with --limit', async () => {
    const run = await runFlowlensCli(['report', 'top-talkers', FIXTURE, '--limit', '2', '--format', 'json']);
    expect(run.code).toBe(0);
    const rows = JSON.parse(run.stdout) as { srcaddr: string; totalbytes: number }[];
    expect(rows).toHaveLength(2);
    expect(rows[0]?.totalbytes).toBeGreaterThanOrEqual(rows[1]?.totalbytes ?? 0);
  });

  it('passes parameters with --param', async () => {
    const run = await runFlowlensCli(['report', 'subnet-top-bytes', FIXTURE, '--param', 'cidr=2001:db8:1234:a100::/64', '--format', 'csv']);
    expect(run.stdout).toBe('dstAddr,bytesTransferred\n2001:db8:1234:a102::9,70868\n');
  });

  it('prints the SQL with --sql for each engine', async () => {
    for (const engine of ['duckdb', 'athena', 'clickhouse']) {
      const run = await runFlowlensCli(['report', 'rejects-by-weekday', '--sql', '--engine', engine]);
      expect(run.code).toBe(0);
      expect(run.stdout).toContain(engine === 'duckdb' ? 'isodow(' : engine === 'athena' ? 'day_of_week(' : 'toDayOfWeek(');
    }
  });

  it('exits 2 on an unknown report or a missing parameter', async () => {
    const unknown = await runFlowlensCli(['report', 'top-talker', FIXTURE]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown report "top-talker"');
    const missing = await runFlowlensCli(['report', 'subnet-top-bytes', '--sql']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--param cidr=');
  });
});
