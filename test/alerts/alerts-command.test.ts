import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseNdjson, runFlowlens } from '../helpers/cli.js';
import { SEED_LINES, tempFolder } from './helpers.js';
import { scenarioLines } from './scenario.js';

const EXAMPLE_RULES = new URL('../../examples/rules.yaml', import.meta.url).pathname;

let folder: Awaited<ReturnType<typeof tempFolder>>;
let seed: string;
let scenario: string;
beforeAll(async () => {
  folder = await tempFolder();
  seed = join(folder.path, 'seed.log');
  scenario = join(folder.path, 'scenario.log');
  await writeFile(seed, `${SEED_LINES.join('\n')}\n`);
  await writeFile(scenario, `${scenarioLines().join('\n')}\n`);
});
afterAll(() => folder.cleanup());

describe('flowlens alerts run', () => {
  it("gives the seed's alarm: SSH rejects >= 1 in 1 minute, one object per transition", async () => {
    const run = await runFlowlens(['alerts', 'run', '--rules', EXAMPLE_RULES, seed, '--format', 'ndjson']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const alarms = parseNdjson(run.stdout).filter((e) => e.kind === 'alarm' && e.alarmName === 'SSH-rejects');
    expect(alarms.map((e) => [e.timestamp, e.state])).toEqual([
      ['2019-07-14T12:43:00Z', 'ALARM'],
      ['2019-07-14T12:46:00Z', 'OK'],
      ['2019-07-14T12:57:00Z', 'ALARM'],
      ['2019-07-14T13:00:00Z', 'OK'],
    ]);
    expect(alarms[0]).toMatchObject({
      previousState: 'INSUFFICIENT_DATA',
      reason: expect.stringContaining('1 out of the last 1 datapoints'),
      datapoints: [{ timestamp: '2019-07-14T12:43:00Z', value: 1, breaching: true }],
      records: [expect.objectContaining({ srcaddr: '61.177.172.128', dstport: 22 })],
    });
  });

  it('is deterministic', async () => {
    const argv = ['alerts', 'backtest', '--rules', EXAMPLE_RULES, scenario, '--format', 'json'];
    const [a, b] = [await runFlowlens(argv), await runFlowlens(argv)];
    expect(a.code).toBe(0);
    expect(a.stdout).toBe(b.stdout);
  });

  it('prints one object per finding with detection, time, actor, target and evidence', async () => {
    const run = await runFlowlens(['alerts', 'run', '--rules', EXAMPLE_RULES, scenario, '--format', 'ndjson']);
    const findings = parseNdjson(run.stdout).filter((e) => e.kind === 'finding');
    expect(findings.map((f) => f.type).sort()).toEqual([
      'Behavior:EC2/NetworkPortUnusual',
      'Behavior:EC2/TrafficVolumeUnusual',
      'Recon:EC2/PortProbeUnprotectedPort',
      'Recon:EC2/PortProbeUnprotectedPort',
      'Recon:EC2/PortSweep',
      'Recon:EC2/Portscan',
      'UnauthorizedAccess:EC2/RDPBruteForce',
      'UnauthorizedAccess:EC2/SSHBruteForce',
    ]);
    expect(findings.find((f) => f.detection === 'SSHBruteForce')).toMatchObject({
      timestamp: '2024-05-01T10:00:00Z',
      actor: { address: '203.0.113.50' },
      target: { address: '10.0.1.10', ports: [22] },
      counts: { flows: 30, rejected: 30 },
      firstSeen: '2024-05-01T10:00:00Z',
    });
  });

  it('renders a report for people', async () => {
    const run = await runFlowlens(['alerts', 'run', '--rules', EXAMPLE_RULES, seed]);
    expect(run.stdout).toContain('2019-07-14T12:43:00Z  SSH-rejects  INSUFFICIENT_DATA -> ALARM\n');
    expect(run.stdout).toContain('    record: 2 086112738802 eni-0d5d75b41f9befe9e 61.177.172.128 172.31.83.158 39611 22 6 1 40 1563108188 1563108227 REJECT OK\n');
    expect(run.stdout).toContain('Final states\n  SSH-rejects  OK\n');
  });

  it('evaluates only the records in --start/--end, as if the alarm was created at --start', async () => {
    const run = await runFlowlens(['alerts', 'run', '--rules', EXAMPLE_RULES, seed, '--format', 'ndjson', '--start', '2019-07-14T12:50:00Z', '--end', '2019-07-14T13:30:00Z']);
    expect(parseNdjson(run.stdout).filter((e) => e.alarmName === 'SSH-rejects').map((e) => [e.timestamp, e.state])).toEqual([
      ['2019-07-14T12:50:00Z', 'OK'], // no data yet, and missing data is notBreaching
      ['2019-07-14T12:57:00Z', 'ALARM'],
      ['2019-07-14T13:00:00Z', 'OK'],
    ]);
  });

  it('fails with exit code 2, the path, line and a hint for a bad rules file', async () => {
    const bad = join(folder.path, 'bad.yaml');
    await writeFile(bad, 'alarms:\n  - alarmName: x\n    metricName: m\n    namespace: n\n    statistic: Sum\n    period: 60\n    evaluationPeriods: 1\n    threshold: 1\n    comparisonOperator: GreaterThan\n');
    const run = await runFlowlens(['alerts', 'run', '--rules', bad, seed]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`${bad}:9: alarms[0].comparisonOperator: "GreaterThan" is not allowed (one of GreaterThanOrEqualToThreshold`);
    expect(run.stderr).toContain('hint: see docs/alerts.md');
  });
});

describe('flowlens alerts check', () => {
  it('summarises a valid rules file', async () => {
    const run = await runFlowlens(['alerts', 'check', '--rules', EXAMPLE_RULES]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('alarm SSH-rejects: Sum of SSH Rejects per 1m GreaterThanOrEqualToThreshold 1, 1 of 1, missing data notBreaching');
  });
});
