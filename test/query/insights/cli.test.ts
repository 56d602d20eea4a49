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

describe('flowlens insights on text that is not flow logs', () => {
  const LINES = [
    '2024-05-01T10:00:00Z [INFO] Request time: 327 ms',
    '2024-05-01T10:00:01Z [INFO] Request time: 45 ms',
    '2024-05-01T10:00:02Z [ERROR] connect to 10.0.0.1 port 443 failed',
    '',
    'no time here [INFO] Request time: 7 ms',
  ];
  const withTextFile = async <T>(use: (path: string) => Promise<T>): Promise<T> => {
    const { mkdtemp, rm, writeFile } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = await mkdtemp(join(tmpdir(), 'flowlens-text-'));
    try {
      const path = join(dir, 'app.log');
      await writeFile(path, `${LINES.join('\n')}\n`);
      return await use(path);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  };

  it('detects a plain text file and runs pattern on its lines', async () => {
    const run = await withTextFile((path) => runFlowlensCli(['insights', 'pattern @message', path, '--format', 'ndjson']));
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('log type: text');
    const lines = LINES.filter((l) => l !== '');
    expect(run.stdout.trim().split('\n').map((l) => JSON.parse(l) as unknown)).toEqual([
      { '@pattern': '<Timestamp-1> [INFO] Request time: <Time-2> ms', '@ratio': 2 / lines.length, '@sampleCount': 2, '@severityLabel': 'Info' },
      { '@pattern': '<Timestamp-1> [ERROR] connect to <IP-2> port <Number-3> failed', '@ratio': 1 / lines.length, '@sampleCount': 1, '@severityLabel': 'Error' },
      { '@pattern': 'no time here [INFO] Request time: <Time-1> ms', '@ratio': 1 / lines.length, '@sampleCount': 1, '@severityLabel': 'Info' },
    ]);
  });

  it('takes @timestamp from the start of a line and applies --start to it', async () => {
    const run = await withTextFile((path) => runFlowlensCli(['insights', 'fields @timestamp, @message | sort @timestamp asc', path, '--start', '2024-05-01T10:00:01Z', '--format', 'ndjson']));
    expect(run.code).toBe(0);
    expect(run.stdout.trim().split('\n').map((l) => (JSON.parse(l) as Record<string, unknown>)['@timestamp'])).toEqual(['2024-05-01 10:00:01.000', '2024-05-01 10:00:02.000']);
  });

  it('reads standard input as text with --log-type text, discovering JSON fields', async () => {
    const { runFlowlens } = await import('../../helpers/cli.js');
    const stdin = ['{"a":1,"b":{"c":"x"}}', '{"b":2}', '{"a":3}', 'not json'].join('\n');
    const run = await runFlowlens(['insights', 'stats count(*) as total, count(a) as withA, count(b.c) as withC, sum(a) as s', '-', '--log-type', 'text', '--format', 'csv'], { stdin });
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('total,withA,withC,s\n4,2,1,4\n');
  });

  it('still reads flow-log files as flow logs, and refuses --action on text (exit 2)', async () => {
    const flows = await runFlowlensCli(['insights', 'stats count(*) as n by action | sort action', FIXTURE, '--format', 'csv']);
    expect(flows.stderr).not.toContain('log type: text');
    expect(flows.stdout.split('\n')[1]).toMatch(/^ACCEPT,\d+$/);
    const refused = await withTextFile((path) => runFlowlensCli(['insights', 'pattern @message', path, '--action', 'REJECT']));
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--action applies to flow logs');
  });
});
