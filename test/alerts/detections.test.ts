import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRules, runDetection } from '../../src/alerts/index.js';
import type { DetectionRule, FindingEvent } from '../../src/alerts/index.js';
import type { Store } from '../../src/store/index.js';
import { storeWithLines } from './helpers.js';
import { scenarioLines, T } from './scenario.js';

function detection(yaml: string): Exclude<DetectionRule, { type: 'Anomaly' }> {
  const rule = parseRules(`detections:\n  - ${yaml}`).detections[0];
  if (!rule || rule.type === 'Anomaly') throw new Error('not a threshold detection');
  return rule;
}

describe('runDetection', () => {
  let store: Store;
  beforeAll(async () => {
    store = await storeWithLines(scenarioLines());
  });
  afterAll(() => store.close());

  const run = (yaml: string): Promise<FindingEvent[]> => runDetection(store, detection(yaml), { where: 'TRUE' });

  it('finds the SSH brute force, with resource, counts, first and last seen', async () => {
    const findings = await run('type: SSHBruteForce');
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      kind: 'finding',
      detection: 'SSHBruteForce',
      type: 'UnauthorizedAccess:EC2/SSHBruteForce',
      severity: 2,
      severityLabel: 'Low',
      direction: 'inbound',
      windowStart: T,
      firstSeen: T,
      lastSeen: T + 29 * 20 + 30,
      actor: { address: '203.0.113.50' },
      target: { address: '10.0.1.10', ports: [22] },
      resource: { interfaceIds: ['eni-0web'], instanceIds: [] },
      counts: { flows: 30, rejected: 30, accepted: 0, sourcePorts: 30 },
    });
    expect(findings[0]?.description).toBe('203.0.113.50 made 30 SSH connection attempts to 10.0.1.10:22 within 1h (30 rejected, 0 accepted)');
  });

  it('honours its threshold', async () => {
    expect(await run('type: SSHBruteForce\n    minAttempts: 31')).toEqual([]);
  });

  it('finds the RDP brute force', async () => {
    expect(await run('type: RDPBruteForce')).toMatchObject([{ type: 'UnauthorizedAccess:EC2/RDPBruteForce', actor: { address: '198.51.100.23' }, counts: { accepted: 25 } }]);
  });

  it('finds the ports a scanner reached that were open', async () => {
    const findings = await run('type: PortProbeUnprotectedPort');
    expect(findings.map((f) => [f.type, f.actor.address, f.target.address, f.target.ports, f.counts.probes])).toEqual([
      ['Recon:EC2/PortProbeUnprotectedPort', '192.0.2.99', '10.0.1.10', [22], 100],
      ['Recon:EC2/PortProbeUnprotectedPort', '192.0.2.99', '10.0.1.10', [80], 100],
    ]);
  });

  it('finds the port scan and not the web server answering many client ports', async () => {
    const findings = await run('type: Portscan');
    expect(findings.map((f) => [f.actor.address, f.target.address, f.counts.distinctPorts, f.counts.rejected])).toEqual([['192.0.2.99', '10.0.1.10', 100, 98]]);
  });

  it('finds the port sweep and not the instance calling many HTTPS endpoints', async () => {
    const findings = await run('type: PortSweep');
    expect(findings.map((f) => [f.type, f.actor.address, f.target.ports, f.counts.distinctHosts])).toEqual([['Recon:EC2/PortSweep', '192.0.2.77', [23], 30]]);
    expect(findings[0]?.resource.interfaceIds).toHaveLength(30);
  });

  it('finds outbound traffic to an unusual port (in the learning period: one hour of history, Low)', async () => {
    expect(await run('type: NetworkPortUnusual')).toMatchObject([
      { type: 'Behavior:EC2/NetworkPortUnusual', direction: 'outbound', severity: 2, learning: true, actor: { address: '10.0.1.12' }, target: { address: '203.0.113.200', ports: [6667] } },
    ]);
    expect(await run('type: NetworkPortUnusual\n    extraAllowedPorts: [6667]')).toEqual([]);
  });

  it('finds unusually large egress to one destination', async () => {
    expect(await run('type: TrafficVolumeUnusual\n    minBytes: 1GiB')).toMatchObject([
      { type: 'Behavior:EC2/TrafficVolumeUnusual', actor: { address: '10.0.1.13' }, target: { address: '198.51.100.99' }, counts: { bytes: 2 * 1024 ** 3, flows: 4 } },
    ]);
    expect(await run('type: TrafficVolumeUnusual\n    minBytes: 3GiB')).toEqual([]);
  });

  it('splits findings by window and keeps ids stable', async () => {
    const findings = await run('type: SSHBruteForce\n    window: 5m\n    minAttempts: 5');
    expect(findings.map((f) => [f.windowStart - T, f.counts.flows])).toEqual([
      [0, 15],
      [300, 15],
    ]);
    expect((await run('type: SSHBruteForce\n    window: 5m\n    minAttempts: 5')).map((f) => f.id)).toEqual(findings.map((f) => f.id));
    expect(new Set(findings.map((f) => f.id)).size).toBe(2);
  });
});
