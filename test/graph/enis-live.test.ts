import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runFlowlens } from '../helpers/cli.js';
import { tempFolder } from '../alerts/helpers.js';
import { startFakeEc2 } from '../sources/helpers/ec2-server.js';
import type { FakeEc2 } from '../sources/helpers/ec2-server.js';
import { useTestAwsEnv } from '../sources/helpers/s3-server.js';
import { graphFixture } from './fixture.js';

// The saved `aws ec2 describe-network-interfaces` output: the reference the live lookup must match.
const saved = JSON.parse(readFileSync(graphFixture('network-interfaces.json'), 'utf8')) as { NetworkInterfaces: Record<string, unknown>[] };
const VPC = 'vpc-0a1b2c3d';
const OTHER_VPC = 'vpc-0ffff0000';
// The fake account: the saved interfaces in one VPC, plus interfaces the data never saw (one of them in another VPC).
const ACCOUNT = [
  ...saved.NetworkInterfaces.map((eni) => ({ ...eni, VpcId: VPC })),
  { NetworkInterfaceId: 'eni-0a1b2c3d4e5f6ffff', VpcId: OTHER_VPC, PrivateIpAddress: '10.9.0.9', TagSet: [{ Key: 'Name', Value: 'elsewhere' }] },
  { NetworkInterfaceId: 'eni-0a1b2c3d4e5f6eeee', VpcId: VPC, PrivateIpAddress: '10.0.9.9', TagSet: [{ Key: 'Name', Value: 'idle-peer' }] },
];

// flows.log (ENIs 1–4) plus traffic through the NAT gateway, the VPC endpoint and the Lambda function (ENIs 5–7).
const EXTRA_LINES = [
  '2 123456789012 eni-0a1b2c3d4e5f60005 10.0.1.10 10.0.0.5 41000 443 6 10 5000 1700000400 1700000460 ACCEPT OK',
  '2 123456789012 eni-0a1b2c3d4e5f60005 198.51.100.200 93.184.216.34 41000 443 6 10 5000 1700000400 1700000460 ACCEPT OK',
  '2 123456789012 eni-0a1b2c3d4e5f60006 10.0.1.10 10.0.3.7 42000 443 6 3 900 1700000400 1700000460 ACCEPT OK',
  '2 123456789012 eni-0a1b2c3d4e5f60007 10.0.3.8 10.0.2.20 43000 5432 6 4 800 1700000400 1700000460 ACCEPT OK',
];

let ec2: FakeEc2;
let restoreEnv: () => void;
let folder: Awaited<ReturnType<typeof tempFolder>>;
let flows = '';
let vpcFlows = '';
let accountFile = '';

beforeAll(async () => {
  restoreEnv = useTestAwsEnv();
  folder = await tempFolder();
  flows = `${folder.path}/flows.log`;
  writeFileSync(flows, `${readFileSync(graphFixture('flows.log'), 'utf8').trimEnd()}\n${EXTRA_LINES.join('\n')}\n`);
  // A v3-style file with vpc-id: the lookup then asks for the VPC's interfaces, not the ENIs one by one.
  vpcFlows = `${folder.path}/vpc-flows.log`;
  writeFileSync(
    vpcFlows,
    [
      'version vpc-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status',
      `3 ${VPC} eni-0a1b2c3d4e5f60002 10.0.1.10 10.0.9.9 40000 8080 6 5 500 1700000060 1700000120 ACCEPT OK`,
      `3 ${VPC} eni-0a1b2c3d4e5f60001 10.0.1.12 10.0.1.10 40000 8080 6 5 500 1700000060 1700000120 ACCEPT OK`,
    ].join('\n'),
  );
  accountFile = `${folder.path}/account-enis.json`;
  writeFileSync(accountFile, JSON.stringify({ NetworkInterfaces: ACCOUNT }));
});
afterAll(async () => {
  restoreEnv?.();
  await folder?.cleanup();
});
afterEach(async () => {
  await ec2?.stop();
});

interface GraphJson {
  nodes: { id: string }[];
  edges: unknown[];
}

describe('flowlens graph --enis-live', () => {
  it.each([['ip'], ['eni'], ['subnet/24']])(
    'names nodes exactly as the saved describe-network-interfaces JSON does (--node %s), over pages and a throttled call',
    async (node) => {
      ec2 = await startFakeEc2({ interfaces: ACCOUNT, pageSize: 3, throttle: 1 });
      const live = await runFlowlens(['graph', flows, '--node', node, '--enis-live', '--endpoint-url', ec2.endpoint]);
      const fromFile = await runFlowlens(['graph', flows, '--node', node, '--enis', graphFixture('network-interfaces.json')]);
      expect(live.code).toBe(0);
      expect(fromFile.code).toBe(0);
      expect(live.stdout).toBe(fromFile.stdout);
      expect(live.stderr).toContain('enis: 7 network interfaces described (filter network-interface-id: 7 values), 7 named');
      // One throttled call retried by the SDK, then three pages of three, three and one interfaces.
      const calls = ec2.calls();
      expect(ec2.requests).toHaveLength(4);
      expect(calls.map((c) => c.nextToken)).toEqual([null, null, '3', '6']);
      expect(calls[0]?.filters).toEqual({ 'network-interface-id': saved.NetworkInterfaces.map((eni) => String(eni.NetworkInterfaceId)) });
      expect(calls[0]?.maxResults).toBe('1000');
    },
  );

  it('names load balancer, instances, NAT gateway, VPC endpoint, Lambda and RDS nodes', async () => {
    ec2 = await startFakeEc2({ interfaces: ACCOUNT, pageSize: 2 });
    const run = await runFlowlens(['graph', flows, '--enis-live', '--endpoint-url', ec2.endpoint]);
    expect(run.code).toBe(0);
    const ids = (JSON.parse(run.stdout) as GraphJson).nodes.map((n) => n.id);
    expect(ids).toEqual(
      expect.arrayContaining([
        'alb:web-alb',
        'i-0123456789abcdef0',
        'web-2',
        'rds:eni-0a1b2c3d4e5f60004',
        'nat-gateway:nat-0abc1234def567890',
        'vpce:vpce-0aa11bb22cc33dd44',
        'lambda:orders-handler',
      ]),
    );
    expect(ids).not.toContain('10.0.1.10');
  });

  it('asks for the VPCs of records that carry vpc-id, which also names peers that logged nothing', async () => {
    ec2 = await startFakeEc2({ interfaces: ACCOUNT, pageSize: 4 });
    const live = await runFlowlens(['graph', vpcFlows, '--enis-live', '--endpoint-url', ec2.endpoint]);
    const fromFile = await runFlowlens(['graph', vpcFlows, '--enis', accountFile]);
    expect(live.code).toBe(0);
    expect(ec2.calls().map((c) => c.filters)).toEqual([{ 'vpc-id': [VPC] }, { 'vpc-id': [VPC] }]);
    expect(live.stderr).toContain('enis: 8 network interfaces described (filter vpc-id: 1 values)');
    expect(live.stdout).toBe(fromFile.stdout);
    expect((JSON.parse(live.stdout) as GraphJson).nodes.map((n) => n.id)).toContain('idle-peer');
  });

  it('describes every interface of the region with --enis-live all', async () => {
    ec2 = await startFakeEc2({ interfaces: ACCOUNT, pageSize: 5 });
    const run = await runFlowlens(['graph', flows, '--enis-live', 'all', '--endpoint-url', ec2.endpoint]);
    expect(run.code).toBe(0);
    expect(ec2.calls().map((c) => c.filters)).toEqual([{}, {}]);
    expect(run.stderr).toContain(`enis: ${ACCOUNT.length} network interfaces described (all in the region)`);
  });

  it('fails with one line naming ec2:DescribeNetworkInterfaces and exit code 1 when access is denied', async () => {
    ec2 = await startFakeEc2({ interfaces: ACCOUNT, deny: true });
    const run = await runFlowlens(['graph', flows, '--enis-live', '--endpoint-url', ec2.endpoint]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    const [line, hint] = run.stderr.trimEnd().split('\n');
    expect(line).toMatch(/^error: cannot describe network interfaces: the credentials lack ec2:DescribeNetworkInterfaces \(UnauthorizedOperation, HTTP 403\)$/);
    expect(hint).toMatch(/^hint: /);
  });

  it('exits 2 on an unknown scope', async () => {
    const run = await runFlowlens(['graph', flows, '--enis-live', 'some']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--enis-live "some" is not a scope');
  });
});

describe('flowlens serve --enis-live', () => {
  it('looks the interfaces up before serving', async () => {
    ec2 = await startFakeEc2({ interfaces: ACCOUNT });
    const run = await runFlowlens(['serve', flows, '--port', '0', '--enis-live', '--endpoint-url', ec2.endpoint], { env: { FLOWLENS_SERVE_ONCE: '1' } });
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('enis: 7 network interfaces described');
    expect(run.stdout).toMatch(/^flowlens serving http:\/\/127\.0\.0\.1:\d+\/\n$/);
  });
});

describe('flowlens enis save', () => {
  it('writes describe-network-interfaces JSON that --enis reads back to the same graph as --enis-live', async () => {
    ec2 = await startFakeEc2({ interfaces: ACCOUNT, pageSize: 3 });
    const file = `${folder.path}/saved-enis.json`;
    const save = await runFlowlens(['enis', 'save', file, '--vpc', VPC, '--endpoint-url', ec2.endpoint]);
    expect(save.code).toBe(0);
    expect(save.stderr).toBe(`enis: 8 network interfaces written to ${file}\n`);
    expect(ec2.calls().map((c) => c.filters)).toEqual([{ 'vpc-id': [VPC] }, { 'vpc-id': [VPC] }, { 'vpc-id': [VPC] }]);
    const live = await runFlowlens(['graph', flows, '--node', 'eni', '--enis-live', '--endpoint-url', ec2.endpoint]);
    const offline = await runFlowlens(['graph', flows, '--node', 'eni', '--enis', file]);
    expect(offline.code).toBe(0);
    expect(offline.stdout).toBe(live.stdout);
  });

  it('prints the JSON without a FILE and refuses --vpc with --eni', async () => {
    ec2 = await startFakeEc2({ interfaces: ACCOUNT });
    const run = await runFlowlens(['enis', 'save', '--eni', 'eni-0a1b2c3d4e5f60005', '--endpoint-url', ec2.endpoint]);
    expect(run.code).toBe(0);
    const saved = JSON.parse(run.stdout) as { NetworkInterfaces: { NetworkInterfaceId: string; Description: string }[] };
    expect(saved.NetworkInterfaces.map((eni) => [eni.NetworkInterfaceId, eni.Description])).toEqual([['eni-0a1b2c3d4e5f60005', 'Interface for NAT Gateway nat-0abc1234def567890']]);
    const both = await runFlowlens(['enis', 'save', '--eni', 'eni-1', '--vpc', 'vpc-1']);
    expect(both.code).toBe(2);
  });
});
