import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildCostReport, DEFAULT_PRICES, loadInterfaceFacts, loadPrices } from '../../src/costs/index.js';
import type { CostLine, CostReport } from '../../src/costs/index.js';
import { createLocalSource } from '../../src/sources/index.js';
import { ingestSources, readRollups, refreshRollups, Store } from '../../src/store/index.js';

const GIB = 1024 ** 3;
const T0 = 1714521600;
const HEADER = 'version interface-id subnet-id instance-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status az-id flow-direction traffic-path pkt-srcaddr pkt-dstaddr pkt-src-aws-service pkt-dst-aws-service';
const rec = (eni: string, subnet: string, instance: string, src: string, dst: string, gib: number, az: string, dir: string, path: string, pktSrc: string, pktDst: string, srcSvc = '-', dstSvc = '-', action = 'ACCEPT', end = T0 + 60): string =>
  `5 ${eni} ${subnet} ${instance} ${src} ${dst} 40000 443 6 100 ${gib * GIB} ${T0} ${end} ${action} OK ${az} ${dir} ${path} ${pktSrc} ${pktDst} ${srcSvc} ${dstSvc}`;

// Scenario with known answers: subnet-a (use1-az1) downloads from S3 through a NAT gateway, talks to
// subnet-b (use1-az2) across AZs, subnet-b sends to the internet; one rejected flow is never billed.
const INSTANCE_RECORDS = [
  rec('eni-a', 'subnet-a', 'i-a', '10.0.1.10', '52.216.1.1', 2, 'use1-az1', 'egress', '1', '10.0.1.10', '52.216.1.1', '-', 'S3'),
  rec('eni-a', 'subnet-a', 'i-a', '52.216.1.1', '10.0.1.10', 8, 'use1-az1', 'ingress', '-', '52.216.1.1', '10.0.1.10', 'S3', '-'),
  rec('eni-a', 'subnet-a', 'i-a', '10.0.1.10', '10.0.2.20', 1, 'use1-az1', 'egress', '1', '10.0.1.10', '10.0.2.20'),
  rec('eni-b', 'subnet-b', 'i-b', '10.0.1.10', '10.0.2.20', 1, 'use1-az2', 'ingress', '-', '10.0.1.10', '10.0.2.20'),
  rec('eni-b', 'subnet-b', 'i-b', '10.0.2.20', '198.51.100.7', 3, 'use1-az2', 'egress', '8', '10.0.2.20', '198.51.100.7', '-', '-', 'ACCEPT', T0 + 86400),
  rec('eni-a', 'subnet-a', 'i-a', '203.0.113.9', '10.0.1.10', 1, 'use1-az1', 'ingress', '-', '203.0.113.9', '10.0.1.10', '-', '-', 'REJECT'),
];
const NAT_RECORDS = [
  rec('eni-nat', 'subnet-pub', '-', '10.0.1.10', '10.0.0.5', 2, 'use1-az1', 'ingress', '-', '10.0.1.10', '52.216.1.1', '-', 'S3'),
  rec('eni-nat', 'subnet-pub', '-', '10.0.0.5', '52.216.1.1', 2, 'use1-az1', 'egress', '8', '10.0.0.5', '52.216.1.1', '-', 'S3'),
  rec('eni-nat', 'subnet-pub', '-', '52.216.1.1', '10.0.0.5', 8, 'use1-az1', 'ingress', '-', '52.216.1.1', '10.0.0.5', 'S3', '-'),
  rec('eni-nat', 'subnet-pub', '-', '10.0.0.5', '10.0.1.10', 8, 'use1-az1', 'egress', '1', '52.216.1.1', '10.0.1.10', 'S3', '-'),
];

let dir: string;
let store: Store;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'flowlens-costs-'));
  store = await Store.memory();
});
afterEach(() => store.close());

async function load(lines: string[]): Promise<void> {
  writeFileSync(join(dir, 'flows.log'), `${HEADER}\n${lines.join('\n')}\n`);
  const summary = await ingestSources(store, [createLocalSource(join(dir, 'flows.log'))]);
  expect(summary.badLines).toBe(0);
}

const byCategory = (report: CostReport, category: string): CostLine[] => report.lines.filter((l) => l.category === category);

describe('buildCostReport', () => {
  it('attributes NAT, gateway-endpoint, cross-AZ and internet bytes exactly (NAT inferred from traffic-path)', async () => {
    await load(INSTANCE_RECORDS);
    const report = await buildCostReport(store, { where: 'TRUE', prices: DEFAULT_PRICES, groupBy: 'subnet' });
    expect(report.days).toBe(1);
    expect(byCategory(report, 'nat-processing')).toEqual([{ category: 'nat-processing', group: 'subnet-a', peer_service: 'S3', gib: 2, usd: 0.09, gib_per_day: 2, usd_per_month: 2.7 }]);
    expect(byCategory(report, 'gateway-endpoint-candidate')).toMatchObject([{ group: 'subnet-a', peer_service: 'S3', gib: 10, usd: 0.45, usd_per_month: 13.5 }]);
    expect(byCategory(report, 'cross-az')).toMatchObject([{ group: 'subnet-a', peer_service: 'use1-az1 → use1-az2', gib: 1, usd: 0.02 }]);
    expect(byCategory(report, 'internet-egress')).toMatchObject([{ group: 'subnet-b', gib: 3, usd: 0.27 }]);
    expect(report.recommendations[0]).toBe('10 GiB/day between subnet-a and S3 goes through a NAT gateway (inferred): a S3 gateway endpoint would save ~$13.50/month');
    expect(report.unattributed).toEqual([]);
  });

  it('counts NAT processing on the NAT gateway interface when describe-network-interfaces is given', async () => {
    await load([...INSTANCE_RECORDS, ...NAT_RECORDS]);
    const eniFile = join(dir, 'enis.json');
    writeFileSync(eniFile, JSON.stringify({ NetworkInterfaces: [{ NetworkInterfaceId: 'eni-nat', InterfaceType: 'nat_gateway', Description: 'Interface for NAT Gateway nat-0123', PrivateIpAddress: '10.0.0.5', SubnetId: 'subnet-pub' }] }));
    const report = await buildCostReport(store, { where: 'TRUE', prices: DEFAULT_PRICES, groupBy: 'subnet', interfaces: loadInterfaceFacts(eniFile) });
    const nat = byCategory(report, 'nat-processing');
    expect(nat.reduce((sum, l) => sum + l.gib, 0)).toBe(10);
    expect(byCategory(report, 'gateway-endpoint-candidate').reduce((sum, l) => sum + l.gib, 0)).toBe(10);
    // The NAT's outside legs are not internet egress of the VPC's own hosts twice.
    expect(byCategory(report, 'internet-egress').reduce((sum, l) => sum + l.gib, 0)).toBe(3);
  });

  it('says what it cannot attribute when the format lacks az-id and flow-direction', async () => {
    writeFileSync(join(dir, 'v2.log'), '2 123456789012 eni-a 10.0.1.10 198.51.100.7 40000 443 6 10 1073741824 1714521600 1714521660 ACCEPT OK\n');
    await ingestSources(store, [createLocalSource(join(dir, 'v2.log'))]);
    const report = await buildCostReport(store, { where: 'TRUE', prices: loadPrices(undefined), groupBy: 'eni' });
    expect(byCategory(report, 'internet-egress')).toMatchObject([{ group: 'eni-a', gib: 1, usd: 0.09 }]);
    expect(report.unattributed.map((u) => u.reason)).toEqual([expect.stringMatching(/without az-id/), expect.stringMatching(/without flow-direction/)]);
  });

  it.each(['subnet', 'eni', 'service'] as const)('gives the same %s report from the rollups as from the records, also for a window of whole hours', async (groupBy) => {
    const { generateFlowLogLines } = await import('../../src/generate/index.js');
    writeFileSync(join(dir, 'generated.log'), `${[...generateFlowLogLines({ records: 20_000, seed: 3 })].join('\n')}\n`);
    await ingestSources(store, [createLocalSource(join(dir, 'generated.log'))]);
    const windows = ['TRUE', `"start" >= ${T0 + 3600} AND "start" < ${T0 + 4 * 3600}`];
    expect(await readRollups(store)).toBeUndefined();
    const fromRecords = [];
    for (const where of windows) fromRecords.push(await buildCostReport(store, { where, prices: DEFAULT_PRICES, groupBy }));
    await refreshRollups(store);
    expect(await readRollups(store)).toBeDefined();
    for (const [i, where] of windows.entries()) {
      const fromRollups = await buildCostReport(store, { where, prices: DEFAULT_PRICES, groupBy });
      expect(fromRollups).toEqual(fromRecords[i]);
    }
    // The generated traffic has internet egress and a span: the comparison is not of two empty reports.
    expect(byCategory(fromRecords[0] as CostReport, 'internet-egress').length).toBeGreaterThan(0);
    expect(fromRecords[1]?.days).toBeLessThan(1);
  });

  it('takes user prices from YAML', () => {
    const file = join(dir, 'prices.yaml');
    writeFileSync(file, 'natGatewayProcessingPerGb: 0.052\n');
    expect(loadPrices(file)).toMatchObject({ natGatewayProcessingPerGb: 0.052, internetEgressPerGb: 0.09 });
    writeFileSync(file, 'natPrice: 1\n');
    expect(() => loadPrices(file)).toThrow(/unknown price "natPrice"/);
  });
});

describe('flowlens report costs / suggest security-groups (CLI)', () => {
  it('prints the cost table on stdout, recommendations and caveats on stderr, and JSON for pipes', async () => {
    const { runFlowlens } = await import('../helpers/cli.js');
    writeFileSync(join(dir, 'flows.log'), `${HEADER}\n${INSTANCE_RECORDS.join('\n')}\n`);
    const run = await runFlowlens(['report', 'costs', join(dir, 'flows.log')]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/gateway-endpoint-candidate\s+subnet-a\s+S3\s+10\s+0\.45/);
    // Recommendations and caveats are notes for people: stderr, so stdout stays the table (or CSV) alone.
    expect(run.stderr).toContain('a S3 gateway endpoint would save ~$13.50/month');
    expect(run.stderr).toContain('caveats:');
    expect(run.stdout).not.toContain('caveats:');
    const csv = await runFlowlens(['report', 'costs', join(dir, 'flows.log'), '--format', 'csv']);
    expect(csv.stdout.split('\n')[0]).toBe('category,group,peer_service,gib,usd,gib_per_day,usd_per_month');
    expect(csv.stdout).not.toContain('caveats');
    expect(csv.stderr).toContain('caveats:');
    const json = JSON.parse((await runFlowlens(['report', 'costs', join(dir, 'flows.log'), '--format', 'json', '--by', 'eni'])).stdout) as CostReport;
    expect(json.lines.find((l) => l.category === 'internet-egress')).toMatchObject({ group: 'eni-b', gib: 3 });
    const list = await runFlowlens(['report', '--list']);
    expect(list.stdout).toMatch(/^costs\s+data-transfer charges/m);
    const suggest = await runFlowlens(['suggest', 'security-groups', join(dir, 'flows.log'), '-f', 'json']);
    expect(suggest.code).toBe(0);
    expect(JSON.parse(suggest.stdout).rules).toEqual(expect.arrayContaining([expect.objectContaining({ target: 'eni-b', port: 443, source: '10.0.1.0/24' })]));
  });
});
