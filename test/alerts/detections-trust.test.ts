import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRules, renderAlertsReport, runAlerts, runDetection, suppressionMatches } from '../../src/alerts/index.js';
import type { DetectionRule, FindingEvent } from '../../src/alerts/index.js';
import { insideOf } from '../../src/alerts/address-sql.js';
import type { Store } from '../../src/store/index.js';
import { parseNdjson, runFlowlens } from '../helpers/cli.js';
import { flowLine, storeWithLines, tempFolder } from './helpers.js';

// Monday 2026-11-02T00:00:00Z.
const T0 = 1793577600;
const H = 3600;
const D = 86400;
const GB = 1000 ** 3;

function detection(yaml: string): Exclude<DetectionRule, { type: 'Anomaly' }> {
  const rule = parseRules(`detections:\n  - ${yaml}`).detections[0];
  if (!rule || rule.type === 'Anomaly') throw new Error('not a threshold detection');
  return rule;
}

/** Four days: a nightly backup, a CI runner's daily git traffic, then on day 3 an exfiltration and a new port. */
function behaviourLines(): string[] {
  const lines: string[] = [];
  for (let day = 0; day < 4; day++) {
    const d0 = T0 + day * D;
    // Some ordinary traffic every hour, so each address has history every day.
    for (let h = 0; h < 24; h++) {
      lines.push(flowLine({ src: '10.0.3.50', dst: '52.216.1.1', srcport: 40000 + h, dstport: 443, packets: 20, bytes: 20000 + h, start: d0 + h * H + 60, action: 'ACCEPT' }));
      lines.push(flowLine({ src: '10.0.4.10', dst: '140.82.112.3', srcport: 41000 + h, dstport: 443, packets: 20, bytes: 9000, start: d0 + h * H + 90, action: 'ACCEPT' }));
    }
    // 02:00: the nightly backup, 5 GB to S3.
    lines.push(flowLine({ src: '10.0.3.50', dst: `52.216.9.${day + 1}`, srcport: 50000, dstport: 443, packets: 4000000, bytes: 5 * GB, start: d0 + 2 * H + 30, action: 'ACCEPT' }));
    // 10:00: the CI runner fetches over git (9418).
    lines.push(flowLine({ src: '10.0.4.10', dst: '140.82.112.4', srcport: 51000, dstport: 9418, packets: 300, bytes: 200000, start: d0 + 10 * H + 30, action: 'ACCEPT' }));
  }
  // Day 0, 11:00: the runner also fetches from a second git host.
  lines.push(flowLine({ src: '10.0.4.10', dst: '140.82.112.5', srcport: 51500, dstport: 9418, packets: 100, bytes: 50000, start: T0 + 11 * H, action: 'ACCEPT' }));
  // Day 3, 14:00: 3 GB from the backup host to an address it never used, and the runner on port 4444.
  lines.push(flowLine({ src: '10.0.3.50', dst: '203.0.113.66', srcport: 52000, dstport: 443, packets: 2000000, bytes: 3 * GB, start: T0 + 3 * D + 14 * H + 30, action: 'ACCEPT' }));
  lines.push(flowLine({ src: '10.0.4.10', dst: '198.51.100.44', srcport: 52001, dstport: 4444, packets: 30, bytes: 3000, start: T0 + 3 * D + 15 * H, action: 'ACCEPT' }));
  return lines;
}

describe('behaviour detections learn from history', () => {
  let store: Store;
  beforeAll(async () => {
    store = await storeWithLines(behaviourLines());
  });
  afterAll(() => store.close());

  it('reports the backup during the learning period only, and the transfer off its hour with its baseline', async () => {
    const findings = await runDetection(store, detection('type: TrafficVolumeUnusual'), { where: 'TRUE' });
    expect(findings.map((f) => [(f.windowStart - T0) / H, f.target.address, f.learning, f.severity])).toEqual([
      [2, '52.216.9.1', true, 2],
      [26, '52.216.9.2', true, 2],
      [3 * 24 + 14, '203.0.113.66', false, 5],
    ]);
    const exfil = findings[2] as FindingEvent;
    expect(exfil.baseline).toMatchObject({ historyDays: 3 });
    expect(exfil.description).toContain('3.0 GB to 203.0.113.66');
    expect(exfil.description).toContain('at most 20.0 KB to one address at this hour on earlier days');
    expect(findings[0]?.description).toContain('learning period (0 of 2 days of history)');
    expect(exfil.evidence).toEqual({
      command: 'flowlens findip 10.0.3.50 --start 2026-11-05T14:00:30Z --end 2026-11-05T14:01:01Z',
      sql: `SELECT * FROM flows WHERE "start" >= ${T0 + 3 * D + 14 * H + 30} AND "start" < ${T0 + 3 * D + 14 * H + 61} AND srcaddr = '10.0.3.50' AND dstaddr = '203.0.113.66' ORDER BY "start"`,
    });
  });

  it('learns a port used every day and reports a new one', async () => {
    const findings = await runDetection(store, detection('type: NetworkPortUnusual'), { where: 'TRUE' });
    expect(findings.map((f) => [Math.floor((f.windowStart - T0) / D), f.target.ports?.[0], f.learning])).toEqual([
      [0, 9418, true],
      [1, 9418, true],
      [3, 4444, false],
    ]);
    expect(findings[2]?.description).toContain('port 4444/tcp not used by it on the 3 days before');
    // In the learning period one finding per address, port and day, however many destinations.
    expect(findings[0]?.counts).toMatchObject({ destinations: 2, flows: 2, bytes: 250000 });
    expect(findings[0]?.description).toBe('10.0.4.10 talked to 2 outside addresses on unusual port 9418 (2 flows, 250000 bytes) on 2026-11-02, 140.82.112.4 first; learning period (0 of 2 days of history): compared with the list of common ports');
  });
});

describe('who is inside', () => {
  let store: Store;
  beforeAll(async () => {
    const lines: string[] = [];
    // An internal load balancer checks 60 hosts on 8080 every 30 s for two hours: handshake and reset, 3 packets.
    for (let t = 0; t < 2 * H; t += 30) for (let h = 1; h <= 60; h++) lines.push(flowLine({ src: '10.0.1.5', dst: `10.0.2.${h}`, srcport: 30000 + ((t + h) % 30000), dstport: 8080, packets: 3, start: T0 + t, action: 'ACCEPT' }));
    // A compromised host sweeps 80 hosts on 445 in five minutes, mostly rejected.
    for (let h = 1; h <= 80; h++) lines.push(flowLine({ src: '10.0.2.99', dst: `10.0.6.${h}`, srcport: 45000 + h, dstport: 445, start: T0 + H + h * 3 }));
    // Our own public range (a VPC CIDR in the rules file) sweeping 30 hosts on 22.
    for (let h = 1; h <= 30; h++) lines.push(flowLine({ src: '54.10.0.5', dst: `10.0.2.${h}`, srcport: 46000 + h, dstport: 22, start: T0 + 2 * h }));
    store = await storeWithLines(lines);
  });
  afterAll(() => store.close());

  it('leaves recon by inside actors out by default; the VPC CIDRs count as inside', async () => {
    const plain = await runDetection(store, detection('type: PortSweep'), { where: 'TRUE' });
    expect(plain.map((f) => f.actor.address)).toEqual(['54.10.0.5']);
    const inside = insideOf({ internalCidrs: ['54.10.0.0/16'], names: {} });
    expect(await runDetection(store, detection('type: PortSweep'), { where: 'TRUE', inside })).toEqual([]);
  });

  it('reports an inside sweep at the internal threshold, never the regular health checks', async () => {
    const findings = await runDetection(store, detection('type: PortSweep\n    internalActors: true'), { where: 'TRUE' });
    expect(findings.map((f) => [f.actor.address, f.target.ports, f.counts.distinctHosts, f.direction, f.severity])).toEqual([
      ['54.10.0.5', [22], 30, 'inbound', 2],
      ['10.0.2.99', [445], 80, 'internal', 5],
    ]);
    const higher = await runDetection(store, detection('type: PortSweep\n    internalActors: true\n    internalMinHosts: 81'), { where: 'TRUE' });
    expect(higher.map((f) => f.actor.address)).toEqual(['54.10.0.5']);
  });
});

describe('distributed attacks', () => {
  let store: Store;
  beforeAll(async () => {
    const lines: string[] = [];
    // 30 sources, 3 SSH tries each, spread over 6 hours, on one target.
    for (let s = 1; s <= 30; s++) for (let k = 0; k < 3; k++) lines.push(flowLine({ src: `198.18.${s}.7`, dst: '10.0.0.10', srcport: 40000 + s * 3 + k, dstport: 22, packets: 12, start: T0 + 2 * H + ((s * 677 + k * 4111) % (6 * H)), action: 'ACCEPT' }));
    // One source with 25 tries in an hour on the same target: a brute force of its own.
    for (let k = 0; k < 25; k++) lines.push(flowLine({ src: '45.9.9.9', dst: '10.0.0.10', srcport: 41000 + k, dstport: 22, packets: 12, start: T0 + 3 * H + k * 60, action: 'ACCEPT' }));
    // Background: 40 scanners with one try each on another host.
    for (let s = 1; s <= 40; s++) lines.push(flowLine({ src: `192.0.2.${s}`, dst: '10.0.0.11', srcport: 40000 + s, dstport: 22, start: T0 + s * 600 }));
    store = await storeWithLines(lines);
  });
  afterAll(() => store.close());

  it('finds many sources with a few tries each on one service, listing the top sources and their count', async () => {
    const findings = await runDetection(store, detection('type: SSHBruteForceDistributed\n    topSources: 5'), { where: 'TRUE' });
    expect(findings).toHaveLength(1);
    const finding = findings[0] as FindingEvent;
    expect(finding).toMatchObject({ type: 'UnauthorizedAccess:EC2/SSHBruteForce.Distributed', target: { address: '10.0.0.10', ports: [22] }, actor: { count: 30 }, counts: { flows: 90, sources: 30 }, severity: 5, direction: 'inbound' });
    expect(finding.actor.sources).toHaveLength(5);
    expect(finding.actor.sources?.every((s) => s.attempts === 3)).toBe(true);
    expect(finding.evidence?.command).toMatch(/^flowlens findip 10\.0\.0\.10 --start /);
    expect(finding.actor.sources?.map((s) => s.address)).not.toContain('45.9.9.9');
    // The busy source is a brute force of its own; none of the 30 is, and the background scanners are not a distributed one.
    expect((await runDetection(store, detection('type: SSHBruteForce'), { where: 'TRUE' })).map((f) => f.actor.address)).toEqual(['45.9.9.9']);
    expect(await runDetection(store, detection('type: SSHBruteForceDistributed\n    minSources: 31'), { where: 'TRUE' })).toEqual([]);
  });
});

describe('suppression rules', () => {
  const rulesYaml = `
detections:
  - type: SSHBruteForceDistributed
  - type: PortSweep
suppressions:
  - name: pentest
    reason: the yearly penetration test
    type: Recon:EC2/PortSweep
    actor: [203.0.113.0/24]
`;
  let folder: Awaited<ReturnType<typeof tempFolder>>;
  let logs: string;
  let rulesFile: string;
  beforeAll(async () => {
    folder = await tempFolder();
    logs = join(folder.path, 'flows.log');
    rulesFile = join(folder.path, 'rules.yaml');
    const lines: string[] = [];
    for (let h = 1; h <= 30; h++) lines.push(flowLine({ src: '203.0.113.9', dst: `10.0.2.${h}`, srcport: 46000 + h, dstport: 23, start: T0 + h }));
    for (let h = 1; h <= 30; h++) lines.push(flowLine({ src: '198.51.100.9', dst: `10.0.2.${h}`, srcport: 47000 + h, dstport: 6379, start: T0 + h }));
    await writeFile(logs, `${lines.join('\n')}\n`);
    await writeFile(rulesFile, rulesYaml);
  });
  afterAll(() => folder.cleanup());

  it('matches by type, actor CIDR, target and port', () => {
    const finding = { type: 'Recon:EC2/PortSweep', detection: 'PortSweep', actor: { address: '203.0.113.9' }, target: { address: '10.0.2.1', ports: [23] } } as FindingEvent;
    expect(suppressionMatches({ name: 'a', type: 'PortSweep', actor: ['203.0.113.0/24'] }, finding)).toBe(true);
    expect(suppressionMatches({ name: 'b', type: 'Recon:*', ports: [23], target: ['10.0.2.0/24'] }, finding)).toBe(true);
    expect(suppressionMatches({ name: 'c', type: 'Recon:EC2/Portscan' }, finding)).toBe(false);
    expect(suppressionMatches({ name: 'd', actor: ['198.51.100.0/24'] }, finding)).toBe(false);
    expect(suppressionMatches({ name: 'e', ports: [22] }, finding)).toBe(false);
  });

  it('archives matching findings: counted, listed on request, never notified', async () => {
    const run = await runFlowlens(['alerts', 'run', '--rules', rulesFile, logs]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Findings (1; 1 suppressed by the rules file, --show-suppressed lists them)');
    expect(run.stdout).toContain('198.51.100.9');
    expect(run.stdout).not.toContain('203.0.113.9');
    const shown = await runFlowlens(['alerts', 'run', '--rules', rulesFile, logs, '--show-suppressed']);
    expect(shown.stdout).toContain('Suppressed findings (1)');
    expect(shown.stdout).toMatch(/203\.0\.113\.9.*\(suppressed by pentest\)/);
    const json = JSON.parse((await runFlowlens(['alerts', 'run', '--rules', rulesFile, logs, '--format', 'json'])).stdout) as { findings: unknown[]; suppressed: { suppressedBy: string }[] };
    expect(json.findings).toHaveLength(1);
    expect(json.suppressed.map((f) => f.suppressedBy)).toEqual(['pentest']);
    const ndjson = parseNdjson((await runFlowlens(['alerts', 'run', '--rules', rulesFile, logs, '--format', 'ndjson'])).stdout);
    expect(ndjson.map((e) => e.actor)).toEqual([expect.objectContaining({ address: '198.51.100.9' })]);
  });

  it('reports the same through runAlerts and the text report', async () => {
    const store = await storeWithLines([...Array.from({ length: 30 }, (_, h) => flowLine({ src: '203.0.113.9', dst: `10.0.2.${h + 1}`, srcport: 46000 + h, dstport: 23, start: T0 + h }))]);
    try {
      const rules = parseRules(rulesYaml);
      const report = await runAlerts(store, rules, { where: 'TRUE' });
      expect(report.findings).toEqual([]);
      expect(report.suppressed.map((f) => [f.actor.address, f.suppressedBy])).toEqual([['203.0.113.9', 'pentest']]);
      expect(renderAlertsReport(report, rules, { showSuppressed: true })).toContain('Suppressed findings (1)');
    } finally {
      store.close();
    }
  });
});

describe('watch with suppression rules', () => {
  it('notifies the findings a suppression rule does not match, and not the others', async () => {
    const { watch } = await import('../../src/alerts/index.js');
    const { Store } = await import('../../src/store/index.js');
    const folder = await tempFolder();
    const store = await Store.memory();
    try {
      const logs = join(folder.path, 'flows.log');
      const lines: string[] = [];
      for (let h = 1; h <= 30; h++) lines.push(flowLine({ src: '203.0.113.9', dst: `10.0.2.${h}`, srcport: 46000 + h, dstport: 23, start: T0 + h }));
      for (let h = 1; h <= 30; h++) lines.push(flowLine({ src: '198.51.100.9', dst: `10.0.2.${h}`, srcport: 47000 + h, dstport: 6379, start: T0 + 60 + h }));
      lines.push(flowLine({ src: '10.0.2.1', dst: '10.0.2.2', dstport: 80, start: T0 + 2 * H, action: 'ACCEPT' }));
      await writeFile(logs, `${lines.join('\n')}\n`);
      const rules = parseRules('detections:\n  - type: PortSweep\nsuppressions:\n  - name: pentest\n    actor: [203.0.113.0/24]\n');
      const delivered: FindingEvent[] = [];
      const notifier = { name: 'memory', accepts: () => true, notify: async (event: unknown) => void delivered.push(event as FindingEvent) };
      await watch({ store, rules, sources: [{ kind: 'local', path: logs }], notifiers: [notifier], intervalMs: 1, maxCycles: 1, late: 0, clock: 'data' });
      expect(delivered.map((e) => [e.type, e.actor.address])).toEqual([['Recon:EC2/PortSweep', '198.51.100.9']]);
      // With that address among our interfaces' addresses, its sweep is by an inside actor: not reported.
      const again: FindingEvent[] = [];
      const other = await Store.memory();
      try {
        const notifier2 = { name: 'memory', accepts: () => true, notify: async (event: unknown) => void again.push(event as FindingEvent) };
        await watch({ store: other, rules, sources: [{ kind: 'local', path: logs }], notifiers: [notifier2], intervalMs: 1, maxCycles: 1, late: 0, clock: 'data', interfaceAddresses: ['198.51.100.9'] });
      } finally {
        other.close();
      }
      expect(again).toEqual([]);
    } finally {
      store.close();
      await folder.cleanup();
    }
  });
});

describe('actionable anomalies and --interfaces', () => {
  it('names the interface and the peers behind an anomaly; the top one is the actor', async () => {
    const { runAnomaly } = await import('../../src/alerts/index.js');
    const lines: string[] = [];
    for (let p = 0; p < 12; p++) {
      const rejected = 3 + (p % 3);
      for (let i = 0; i < rejected; i++) lines.push(flowLine({ src: `198.51.100.${i + 1}`, dst: '10.0.1.10', dstport: 22, start: T0 + p * 300 + i, eni: 'eni-0web' }));
    }
    for (let i = 0; i < 60; i++) lines.push(flowLine({ src: '45.1.1.1', dst: '10.0.1.10', srcport: 30000 + i, dstport: 1000 + i, start: T0 + 10 * 300 + i, eni: 'eni-0web' }));
    for (let i = 0; i < 20; i++) lines.push(flowLine({ src: `45.2.2.${i + 1}`, dst: '10.0.1.10', dstport: 22, start: T0 + 10 * 300 + i, eni: 'eni-0web' }));
    const store = await storeWithLines(lines);
    try {
      const rules = parseRules('detections:\n  - type: Anomaly\n    name: reject-spike\n    metric: rejectedFlows\n    period: 5m');
      const [event] = await runAnomaly(store, rules.detections[0] as Extract<DetectionRule, { type: 'Anomaly' }>, rules.metrics, { where: 'TRUE' });
      expect(event).toMatchObject({ resource: { interfaceIds: ['eni-0web'] }, actor: { address: '45.1.1.1' }, counts: { value: 84 } });
      expect(event?.peers?.[0]).toEqual({ address: '45.1.1.1', value: 60 });
      expect(event?.peers).toHaveLength(5);
      expect(event?.description).toContain('top sources: 45.1.1.1 (60)');
      expect(event?.baseline?.description).toContain('over the 10 periods of 5m before');
    } finally {
      store.close();
    }
  });

  it('counts the addresses of --interfaces as inside', async () => {
    const folder = await tempFolder();
    try {
      const logs = join(folder.path, 'flows.log');
      const rulesFile = join(folder.path, 'rules.yaml');
      const enis = join(folder.path, 'enis.json');
      await writeFile(logs, `${Array.from({ length: 30 }, (_, h) => flowLine({ src: '54.10.0.5', dst: `10.0.2.${h + 1}`, srcport: 46000 + h, dstport: 22, start: T0 + h })).join('\n')}\n`);
      await writeFile(rulesFile, 'detections:\n  - type: PortSweep\n');
      await writeFile(enis, JSON.stringify({ NetworkInterfaces: [{ NetworkInterfaceId: 'eni-0abc', PrivateIpAddress: '10.0.9.9', PrivateIpAddresses: [{ PrivateIpAddress: '10.0.9.9', Association: { PublicIp: '54.10.0.5' } }] }] }));
      const plain = parseNdjson((await runFlowlens(['alerts', 'run', '--rules', rulesFile, logs, '--format', 'ndjson'])).stdout);
      expect(plain.map((e) => e.type)).toEqual(['Recon:EC2/PortSweep']);
      const run = await runFlowlens(['alerts', 'run', '--rules', rulesFile, logs, '--format', 'ndjson', '--interfaces', enis]);
      expect(run.code).toBe(0);
      expect(run.stdout).toBe('');
    } finally {
      await folder.cleanup();
    }
  });
});
