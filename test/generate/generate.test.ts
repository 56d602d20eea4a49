import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { PassThrough } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import {
  buildVpcModel,
  generateFlowLogChunks,
  generateFlowLogLines,
  generateFlowLogs,
  knownNames,
  writeFlowLogs,
} from '../../src/generate/index.js';
import type { GenerateOptions } from '../../src/generate/index.js';
import { parseFlowLogText, parseFormatString } from '../../src/parse/index.js';
import type { FlowRecord } from '../../src/records/index.js';

const folders: string[] = [];
async function tempFolder(): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), 'flowlens-generate-'));
  folders.push(folder);
  return folder;
}
afterAll(async () => {
  for (const folder of folders) await rm(folder, { recursive: true, force: true });
});

function generateText(options: GenerateOptions): string {
  let text = '';
  for (const chunk of generateFlowLogChunks(options)) text += chunk.data.toString('latin1');
  return text;
}

async function listFiles(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(folder, join(e.parentPath, e.name)))
    .sort();
}

async function folderDigest(folder: string): Promise<Record<string, string>> {
  const digest: Record<string, string> = {};
  for (const file of await listFiles(folder)) digest[file] = createHash('sha256').update(await readFile(join(folder, file))).digest('hex');
  return digest;
}

function countBy(records: readonly FlowRecord[], key: (r: FlowRecord) => unknown): Map<unknown, number> {
  const counts = new Map<unknown, number>();
  for (const r of records) counts.set(key(r), (counts.get(key(r)) ?? 0) + 1);
  return counts;
}

const FULL_FORMAT =
  '${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status} ' +
  '${vpc-id} ${subnet-id} ${instance-id} ${tcp-flags} ${type} ${pkt-srcaddr} ${pkt-dstaddr} ${region} ${az-id} ${sublocation-type} ${sublocation-id} ' +
  '${pkt-src-aws-service} ${pkt-dst-aws-service} ${flow-direction} ${traffic-path}';

describe('generateFlowLogChunks', () => {
  it('gives byte-identical output for the same seed and options, and different output for another seed', () => {
    const options = { records: 20_000, seed: 'same', hours: 6 };
    const a = generateText(options);
    expect(generateText(options)).toBe(a);
    expect(generateText({ ...options, seed: 'other' })).not.toBe(a);
  });

  it.each([
    ['s3', 'default', undefined],
    ['cloudwatch', 'default', undefined],
    ['cloudwatch-json', 'default', undefined],
    ['s3', 'v5', FULL_FORMAT],
    ['cloudwatch', 'v5', FULL_FORMAT],
  ] as const)('writes %s-style lines in the %s format that all parse, exactly as many as asked', (style, _label, format) => {
    const text = generateText({ records: 15_000, seed: 3, style, format });
    const result = parseFlowLogText(text, format ? { format: parseFormatString(format) } : {});
    expect(result.issues).toEqual([]);
    expect(result.records).toHaveLength(15_000);
  });

  it('starts S3-style output with the header line of its format', () => {
    const [first] = generateFlowLogLines({ records: 10, format: '${version} ${srcaddr} ${dstaddr} ${flow-direction}' });
    expect(first).toBe('version srcaddr dstaddr flow-direction');
  });

  it('writes CloudWatch Logs events with unique 56-digit ids and the record start as timestamp', () => {
    const lines = [...generateFlowLogLines({ records: 2_000, style: 'cloudwatch-json', hours: 1 })];
    const events = lines.map((line) => JSON.parse(line) as { eventId: string; timestamp: number; message: string });
    expect(new Set(events.map((e) => e.eventId)).size).toBe(events.length);
    for (const event of events) {
      expect(event.eventId).toMatch(/^\d{56}$/);
      expect(event.timestamp).toBe(Number(event.message.split(' ')[10]) * 1000);
    }
  });

  it('yields the same lines through the async iterable', async () => {
    const lines: string[] = [];
    for await (const line of generateFlowLogs({ records: 500, hours: 1 })) lines.push(line);
    expect(lines).toEqual([...generateFlowLogLines({ records: 500, hours: 1 })]);
  });
});

describe('the simulated traffic', () => {
  const model = buildVpcModel({ seed: 5 });
  const records = parseFlowLogText(generateText({ records: 40_000, seed: 5 })).records;

  it('contains an SSH brute force: hundreds of rejected SSH flows from one source', () => {
    const ssh = countBy(records.filter((r) => r.action === 'REJECT' && r.dstport === 22 && r.protocol === 6), (r) => r.srcaddr);
    const [top, count] = [...ssh.entries()].sort((a, b) => b[1] - a[1])[0] ?? [];
    expect(top).toBe(model.external.sshBruteForce);
    expect(count).toBeGreaterThanOrEqual(1000);
  });

  it('contains a port scan: one source touching hundreds of ports, mostly rejected', () => {
    const scan = records.filter((r) => r.srcaddr === model.external.portScanner);
    expect(new Set(scan.map((r) => r.dstport)).size).toBeGreaterThanOrEqual(300);
    expect(scan.filter((r) => r.action === 'REJECT').length / scan.length).toBeGreaterThan(0.95);
  });

  it('contains rejected probes from many sources, NODATA and SKIPDATA records, and IPv6 flows', () => {
    const probers = new Set(model.external.probers);
    expect(new Set(records.filter((r) => r.action === 'REJECT' && probers.has(r.srcaddr as string)).map((r) => r.srcaddr)).size).toBeGreaterThan(100);
    const nodata = records.filter((r) => r.log_status === 'NODATA');
    expect(nodata.length).toBeGreaterThan(0);
    expect(records.some((r) => r.log_status === 'SKIPDATA')).toBe(true);
    for (const r of nodata) expect([r.srcaddr, r.dstaddr, r.srcport, r.packets, r.bytes, r.action]).toEqual([null, null, null, null, null, null]);
    expect(records.filter((r) => String(r.srcaddr).includes(':')).length).toBeGreaterThan(100);
  });

  it('has the tiers of the model talking to each other on their ports', () => {
    const byName = new Map(knownNames(model).map((n) => [n.key, n.name]));
    const pairs = new Set(records.map((r) => `${byName.get(r.srcaddr as string)?.replace(/-\d+$/, '')}>${byName.get(r.dstaddr as string)?.replace(/-\d+$/, '')}:${r.dstport}`));
    for (const pair of ['load-balancer>web:80', 'web>app:8080', 'app>cache:6379', 'app>database:5432', 'database>database:5432', 'bastion>web:22']) {
      expect(pairs).toContain(pair);
    }
    expect(records.some((r) => r.srcaddr === byName.get('nat-gateway-0') || r.dstaddr === model.byRole('nat-gateway')[0]?.address)).toBe(true);
  });

  it('follows a daily rhythm: more traffic in the afternoon than at night', () => {
    const hours = countBy(records.filter((r) => r.log_status === 'OK'), (r) => new Date((r.start as number) * 1000).getUTCHours());
    const sum = (from: number, to: number): number => Array.from({ length: to - from }, (_, i) => hours.get(from + i) ?? 0).reduce((a, b) => a + b, 0);
    expect(sum(14, 18)).toBeGreaterThan(1.5 * sum(2, 6));
  });

  it('keeps every record inside the requested time range with end - start within the 60 s aggregation window', () => {
    const start = Date.UTC(2024, 4, 1) / 1000;
    const outside = records.filter((r) => {
      const [first, last] = [r.start as number, r.end as number];
      return first < start || last > start + 24 * 3600 + 60 || last - first > 60 || last < first;
    });
    expect(outside).toEqual([]);
  });
});

describe('custom formats', () => {
  const format = parseFormatString(FULL_FORMAT);
  const model = buildVpcModel({ seed: 9 });
  const records = parseFlowLogText(generateText({ records: 20_000, seed: 9, format: FULL_FORMAT, style: 'cloudwatch' }), { format }).records;

  it('writes the version AWS writes: the highest version among the fields', () => {
    expect(new Set(records.map((r) => r.version))).toEqual(new Set([5]));
  });

  it('fills v3-v5 fields realistically', () => {
    const ok = records.filter((r) => r.log_status === 'OK');
    expect(new Set(ok.map((r) => r.flow_direction))).toEqual(new Set(['ingress', 'egress']));
    const wrong = ok.filter(
      (r) =>
        r.vpc_id !== model.vpcId ||
        r.region !== 'us-east-1' ||
        !/^use1-az\d$/.test(String(r.az_id)) ||
        r.sublocation_type !== null ||
        r.type !== (String(r.srcaddr).includes(':') ? 'IPv6' : 'IPv4') ||
        // traffic-path is written for egress records only (AWS VPC guide, "Available fields").
        (r.flow_direction === 'ingress' ? r.traffic_path !== null : ![1, 7, 8].includes(r.traffic_path as number)) ||
        (r.protocol !== 6 && r.tcp_flags !== 0),
    );
    expect(wrong).toEqual([]);
    expect(ok.some((r) => r.pkt_dst_aws_service === 'S3' && r.traffic_path === 7)).toBe(true);
    expect(ok.some((r) => r.pkt_src_aws_service === 'DYNAMODB')).toBe(true);
    expect(ok.some((r) => r.tcp_flags === 19)).toBe(true);
  });

  it('writes NAT gateway flows as AWS does: pkt-dstaddr is the internet host while dstaddr is the NAT', () => {
    const nat = model.byRole('nat-gateway')[0];
    const onNat = records.filter((r) => r.interface_id === nat?.id && r.log_status === 'OK');
    expect(onNat.length).toBeGreaterThan(0);
    expect(onNat.every((r) => r.instance_id === null)).toBe(true);
    expect(onNat.some((r) => r.dstaddr === nat?.address && r.pkt_dstaddr !== nat?.address && r.flow_direction === 'ingress')).toBe(true);
  });

  it('writes - for the fields of NODATA records that describe a flow, keeping the interface and window', () => {
    const nodata = records.filter((r) => r.log_status === 'NODATA');
    expect(nodata.length).toBeGreaterThan(0);
    const wrong = nodata.filter(
      (r) => [r.flow_direction, r.traffic_path, r.tcp_flags, r.pkt_srcaddr, r.type].some((v) => v !== null) || !String(r.interface_id).startsWith('eni-') || r.start === null,
    );
    expect(wrong).toEqual([]);
  });

  it('refuses transit gateway fields', () => {
    expect(() => generateText({ records: 1, format: '${version} ${tgw-id}' })).toThrow(/transit gateway/);
  });
});

describe('writeFlowLogs', () => {
  it('writes one gzip object per hour under the AWS S3 prefix, each starting with the header', async () => {
    const out = await tempFolder();
    const summary = await writeFlowLogs({ records: 5_000, hours: 3, seed: 2, out });
    const files = await listFiles(out);
    expect(files).toHaveLength(3);
    expect(summary.records).toBe(5_000);
    const model = buildVpcModel({ seed: 2 });
    files.forEach((file, hour) => {
      expect(file).toMatch(
        new RegExp(`^AWSLogs/123456789012/vpcflowlogs/us-east-1/2024/05/01/123456789012_vpcflowlogs_us-east-1_${model.flowLogId}_20240501T0${hour}00Z_[0-9a-f]{8}\\.log\\.gz$`),
      );
    });
    let records = 0;
    for (const file of files) {
      const text = gunzipSync(await readFile(join(out, file))).toString('utf8');
      expect(text.split('\n')[0]).toBe('version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status');
      const parsed = parseFlowLogText(text);
      expect(parsed.issues).toEqual([]);
      records += parsed.records.length;
    }
    expect(records).toBe(5_000);
  });

  it('writes byte-identical files for the same seed and options', async () => {
    const [a, b] = [await tempFolder(), await tempFolder()];
    await writeFlowLogs({ records: 30_000, hours: 2, seed: 'x', out: a });
    await writeFlowLogs({ records: 30_000, hours: 2, seed: 'x', out: b });
    expect(await folderDigest(b)).toEqual(await folderDigest(a));
  });

  it.each([
    ['hive', /^AWSLogs\/aws-account-id=123456789012\/aws-service=vpcflowlogs\/aws-region=us-east-1\/year=2024\/month=05\/day=01\/hour=00\/[^/]+\.log$/],
    ['flat', /^123456789012_vpcflowlogs_us-east-1_fl-[0-9a-f]{17}_20240501T0000Z_[0-9a-f]{8}\.log$/],
  ] as const)('lays objects out as %s', async (layout, pattern) => {
    const out = await tempFolder();
    await writeFlowLogs({ records: 100, hours: 1, out, layout, gzip: false });
    const files = await listFiles(out);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(pattern);
  });

  it('writes one continuous gzip stream, header once, when no folder is given', async () => {
    const stream = new PassThrough();
    const parts: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => parts.push(chunk));
    const summary = await writeFlowLogs({ records: 3_000, hours: 3, stream, gzip: true });
    expect(summary.objects).toHaveLength(1);
    const text = gunzipSync(Buffer.concat(parts)).toString('utf8');
    expect(text.match(/^version /gm)).toHaveLength(1);
    expect(parseFlowLogText(text).records).toHaveLength(3_000);
  });

  it('splits an hour into several objects when one would exceed the size limit, each with its header', async () => {
    const out = await tempFolder();
    const summary = await writeFlowLogs({ records: 40_000, hours: 1, out, gzip: false, maxObjectBytes: 1024 * 1024 });
    const files = await listFiles(out);
    expect(files.length).toBeGreaterThanOrEqual(3);
    expect(summary.objects.map((o) => o.path).sort()).toEqual(files);
    let records = 0;
    for (const file of files) {
      const text = await readFile(join(out, file), 'utf8');
      expect(text.startsWith('version ')).toBe(true);
      records += parseFlowLogText(text).records.length;
    }
    expect(records).toBe(40_000);
  });
});

describe('knownNames', () => {
  it('names every interface address and subnet of the model', () => {
    const model = buildVpcModel();
    const names = new Map(knownNames(model).map((n) => [n.key, n.name]));
    expect(names.get('10.0.1.10')).toBe('load-balancer-0');
    expect(names.get('10.0.21.10')).toBe('database-0');
    expect(names.get('10.0.11.0/24')).toBe('app-a-subnet');
    for (const eni of model.interfaces) expect(names.get(eni.address)).toBe(eni.name);
  });

  it('does not depend on the seed', () => {
    expect(knownNames(buildVpcModel({ seed: 1 }))).toEqual(knownNames(buildVpcModel({ seed: 2 })));
  });

  it('round-trips through the YAML file format', async () => {
    const { renderKnownNamesYaml } = await import('../../src/generate/index.js');
    const model = buildVpcModel();
    const parsed = parseYaml(await renderKnownNamesYaml(model)) as Record<string, string>;
    expect(parsed).toEqual(Object.fromEntries(knownNames(model).map((n) => [n.key, n.name])));
  });
});
