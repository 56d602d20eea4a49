import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLocalSource } from '../../src/sources/index.js';
import { ingestSources, Store } from '../../src/store/index.js';
import { loadInterfaceGroups, loadSecurityGroups, suggestSecurityGroups } from '../../src/suggest/index.js';

const HEADER = 'version interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status flow-direction';
const T = 1714521600;
const inbound = (src: string, port: number, action = 'ACCEPT', srcport = 40000): string => `5 eni-web ${src} 10.0.1.10 ${srcport} ${port} 6 10 1000 ${T} ${T + 60} ${action} OK ingress`;

// Scenario: a web server gets HTTPS from 25 internet clients, SSH from two hosts of one admin subnet, app
// traffic on 8080 from three /24s of the VPC, replies to its own S3 requests (not a service), a rejected
// probe; its security group also opens 3389 to the world, which nobody used.
function scenario(): string[] {
  const lines: string[] = [];
  for (let i = 1; i <= 25; i++) lines.push(inbound(`198.51.100.${i}`, 443));
  lines.push(inbound('10.0.9.5', 22), inbound('10.0.9.6', 22));
  lines.push(inbound('10.0.2.7', 8080), inbound('10.0.3.7', 8080), inbound('10.0.4.7', 8080));
  lines.push(inbound('52.216.1.1', 40123, 'ACCEPT', 443)); // reply from S3 to the server's own connection
  lines.push(inbound('203.0.113.66', 5432, 'REJECT'));
  return lines;
}

let dir: string;
let store: Store;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'flowlens-sg-'));
  store = await Store.memory();
  writeFileSync(join(dir, 'flows.log'), `${HEADER}\n${scenario().join('\n')}\n`);
  await ingestSources(store, [createLocalSource(join(dir, 'flows.log'))]);
});
afterEach(() => store.close());

describe('suggestSecurityGroups', () => {
  it('collapses observed inbound traffic to the smallest sensible rules', async () => {
    const { rules } = await suggestSecurityGroups(store, { where: 'TRUE', groupBy: 'eni', internetThreshold: 20 });
    expect(rules.map((r) => `${r.protocol} ${r.port} ${r.source} peers=${r.peers} flows=${r.flows}`)).toEqual([
      'tcp 22 10.0.9.0/24 peers=2 flows=2',
      'tcp 443 0.0.0.0/0 peers=25 flows=25',
      'tcp 8080 10.0.0.0/16 peers=3 flows=3',
    ]);
  });

  it('keeps individual public sources under the internet threshold', async () => {
    const { rules } = await suggestSecurityGroups(store, { where: 'TRUE', groupBy: 'eni', internetThreshold: 30 });
    expect(rules.filter((r) => r.port === 443)).toHaveLength(25);
    expect(rules.find((r) => r.port === 443)?.source).toMatch(/^198\.51\.100\.\d+\/32$/);
  });

  it('finds unused rules, world-open ports without traffic, and traffic only a broad rule allows', async () => {
    writeFileSync(join(dir, 'sg.json'), JSON.stringify({
      SecurityGroups: [{
        GroupId: 'sg-web', GroupName: 'web',
        IpPermissions: [
          { IpProtocol: 'tcp', FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: '0.0.0.0/0' }] },
          { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '10.0.9.0/24' }] },
          { IpProtocol: 'tcp', FromPort: 3389, ToPort: 3389, IpRanges: [{ CidrIp: '0.0.0.0/0' }] },
          { IpProtocol: 'tcp', FromPort: 8000, ToPort: 8100, IpRanges: [{ CidrIp: '10.0.0.0/8' }] },
          { IpProtocol: 'udp', FromPort: 53, ToPort: 53, IpRanges: [{ CidrIp: '10.0.0.0/16' }] },
        ],
      }],
    }));
    writeFileSync(join(dir, 'enis.json'), JSON.stringify({ NetworkInterfaces: [{ NetworkInterfaceId: 'eni-web', Groups: [{ GroupId: 'sg-web' }] }] }));
    const { findings } = await suggestSecurityGroups(store, {
      where: 'TRUE', groupBy: 'eni', internetThreshold: 20,
      securityGroups: loadSecurityGroups(join(dir, 'sg.json')), interfaceGroups: loadInterfaceGroups(join(dir, 'enis.json')),
    });
    expect(findings.map((f) => `${f.kind}: ${f.rule}`)).toEqual([
      'open-to-world-unused: tcp 3389 from 0.0.0.0/0',
      'unused-rule: udp 53 from 10.0.0.0/16',
      'only-broad-rule-allows: tcp 443 from 0.0.0.0/0',
      'only-broad-rule-allows: tcp 8000-8100 from 10.0.0.0/8',
    ]);
  });
});
