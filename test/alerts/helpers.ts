import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalSource } from '../../src/sources/index.js';
import { ingestSources, Store } from '../../src/store/index.js';

/** The four records of the seed (VPC user guide flow-logs-cwl / the seed's blog post). */
export const SEED_LINES = [
  '2 086112738802 eni-0d5d75b41f9befe9e 61.177.172.128 172.31.83.158 39611 22 6 1 40 1563108188 1563108227 REJECT OK',
  '2 086112738802 eni-0d5d75b41f9befe9e 182.68.238.8 172.31.83.158 42227 22 6 1 44 1563109030 1563109067 REJECT OK',
  '2 086112738802 eni-0d5d75b41f9befe9e 42.171.23.181 172.31.83.158 52417 22 6 24 4065 1563191069 1563191121 ACCEPT OK',
  '2 086112738802 eni-0d5d75b41f9befe9e 61.177.172.128 172.31.83.158 39611 80 6 1 40 1563108188 1563108227 REJECT OK',
];

/** The seed's metric filter pattern (AWS's own SSH-reject example). */
export const SSH_REJECT_PATTERN =
  '[version, account, eni, source, destination, srcport, destport="22", protocol="6", packets, bytes, windowstart, windowend, action="REJECT", flowlogstatus]';

/** The seed's metric filter and alarm (SSH rejects >= 1 in 1 minute), with missing data as notBreaching, as rules YAML. */
export const SEED_ALARM_YAML = `
metricFilters:
  - filterName: ssh-rejects
    filterPattern: '${SSH_REJECT_PATTERN}'
    metricTransformations: [{ metricName: SSH Rejects, metricNamespace: VPC Flow Logs, metricValue: "1" }]
alarms:
  - alarmName: SSH-rejects
    metricName: SSH Rejects
    namespace: VPC Flow Logs
    statistic: Sum
    period: 60
    evaluationPeriods: 1
    threshold: 1
    comparisonOperator: GreaterThanOrEqualToThreshold
    treatMissingData: notBreaching
`;

/** A temporary folder removed by the returned cleanup. */
export async function tempFolder(): Promise<{ path: string; cleanup: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), 'flowlens-alerts-'));
  return { path, cleanup: () => rm(path, { recursive: true, force: true }) };
}

/** An in-memory store holding the given default-format lines. */
export async function storeWithLines(lines: readonly string[]): Promise<Store> {
  const folder = await tempFolder();
  try {
    const file = join(folder.path, 'flows.log');
    await writeFile(file, `${lines.join('\n')}\n`);
    const store = await Store.memory();
    await ingestSources(store, [createLocalSource(file)]);
    return store;
  } finally {
    await folder.cleanup();
  }
}

/** A default-format flow line. */
export function flowLine(f: { src: string; dst: string; srcport?: number; dstport: number; protocol?: number; packets?: number; bytes?: number; start: number; action?: 'ACCEPT' | 'REJECT'; eni?: string }): string {
  return [
    2, '123456789012', f.eni ?? 'eni-0a1b2c3d4e5f60718', f.src, f.dst, f.srcport ?? 40000, f.dstport, f.protocol ?? 6, f.packets ?? 1, f.bytes ?? 40, f.start, f.start + 30,
    f.action ?? 'REJECT', 'OK',
  ].join(' ');
}
