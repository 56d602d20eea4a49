import { describe, expect, it } from 'vitest';
import { fixturePath, runFlowlensCli } from '../fixture-store.js';

const FIXTURE = fixturePath('queries/flows-mixed.log');

describe('flowlens insights', () => {
  it('runs a query straight on a file', async () => {
    const run = await runFlowlensCli(['insights', 'filter action="REJECT" | stats count(*) as numRejections by srcAddr | sort numRejections desc, srcAddr | limit 3', FIXTURE, '--format', 'ndjson']);
    expect(run.code).toBe(0);
    expect(run.stdout.trim().split('\n').map((l) => JSON.parse(l) as unknown)).toEqual([
      { srcAddr: '61.177.172.128', numRejections: 32 },
      { srcAddr: '45.9.20.99', numRejections: 30 },
      { srcAddr: '45.9.20.77', numRejections: 25 },
    ]);
  });

  it('applies --start and --end to @timestamp', async () => {
    const run = await runFlowlensCli(['insights', 'stats count(*) as n', FIXTURE, '--start', '1700000000', '--end', '1700000120', '--format', 'csv']);
    // 2 egress, 2 replies, 2 east-west, 1 SSH reject, 1 UDP, 1 ICMP, 1 IPv6 and 1 NODATA record start in [T0, T0 + 120).
    expect(run.stdout).toBe('n\n11\n');
  });

  it('prints the SQL with --explain, for DuckDB and the other engines, without reading data', async () => {
    const duck = await runFlowlensCli(['insights', 'filter isIpInSubnet(srcAddr, "10.0.0.0/8") | stats count(*) by bin(5m)', '--explain']);
    expect(duck.code).toBe(0);
    expect(duck.stdout).toContain('"src_ip" BETWEEN');
    const athena = await runFlowlensCli(['insights', 'filter isIpInSubnet(srcAddr, "10.0.0.0/8") | stats count(*) by bin(5m)', '--explain', '--engine', 'athena', '--table', 'vpc_flow_logs']);
    expect(athena.stdout).toContain("contains('10.0.0.0/8', try(CAST(\"srcaddr\" AS IPADDRESS)))");
    expect(athena.stdout).toContain('FROM "vpc_flow_logs" AS r');
    const ch = await runFlowlensCli(['insights', 'stats count(*) by bin(5m)', '--explain', '--engine', 'clickhouse']);
    expect(ch.stdout).toContain('intDiv(');
  });

  it('reports a syntax error with its position and exit code 2, without a stack trace', async () => {
    const run = await runFlowlensCli(['insights', 'stats count(*) by', FIXTURE]);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe('error: expected a field, value or function, found the end of the query at line 1, column 18\nhint: stats count(*) by\n                 ^\n');
  });

  it('rejects an unknown field with a suggestion (exit 2)', async () => {
    const run = await runFlowlensCli(['insights', 'fields srcadr', FIXTURE]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('unknown field "srcadr"');
    expect(run.stderr).toContain('did you mean srcAddr?');
  });
});
