import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalSource } from '../../src/sources/index.js';
import { ingestSources, Store } from '../../src/store/index.js';

const GIB = 1024 ** 3;
/** Start of every fixture record (2024-05-01). */
export const COST_T0 = 1714521600;
const HEADER = 'version interface-id subnet-id instance-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status az-id flow-direction traffic-path pkt-srcaddr pkt-dstaddr pkt-src-aws-service pkt-dst-aws-service';
const rec = (eni: string, subnet: string, instance: string, src: string, dst: string, gib: number, az: string, dir: string, path: string, srcSvc = '-', dstSvc = '-', action = 'ACCEPT', end = COST_T0 + 60, start = COST_T0): string =>
  `5 ${eni} ${subnet} ${instance} ${src} ${dst} 40000 443 6 100 ${gib * GIB} ${start} ${end} ${action} OK ${az} ${dir} ${path} ${src} ${dst} ${srcSvc} ${dstSvc}`;

/**
 * One day of traffic with known costs at default prices: subnet-a sends 2 GiB to S3 through a NAT gateway (inferred
 * from traffic-path 1) and gets 8 GiB back, sends 1 GiB to subnet-b in another AZ; subnet-b sends 3 GiB to the
 * internet (its record ends a day later, so the window is one day); a rejected flow is never billed.
 */
export const COST_RECORDS = [
  rec('eni-a', 'subnet-a', 'i-a', '10.0.1.10', '52.216.1.1', 2, 'use1-az1', 'egress', '1', '-', 'S3'),
  rec('eni-a', 'subnet-a', 'i-a', '52.216.1.1', '10.0.1.10', 8, 'use1-az1', 'ingress', '-', 'S3', '-'),
  rec('eni-a', 'subnet-a', 'i-a', '10.0.1.10', '10.0.2.20', 1, 'use1-az1', 'egress', '1'),
  rec('eni-b', 'subnet-b', 'i-b', '10.0.1.10', '10.0.2.20', 1, 'use1-az2', 'ingress', '-'),
  rec('eni-b', 'subnet-b', 'i-b', '10.0.2.20', '198.51.100.7', 3, 'use1-az2', 'egress', '8', '-', '-', 'ACCEPT', COST_T0 + 86400, COST_T0 + 3600),
  rec('eni-a', 'subnet-a', 'i-a', '203.0.113.9', '10.0.1.10', 1, 'use1-az1', 'ingress', '-', '-', '-', 'REJECT'),
];

/** An in-memory store holding COST_RECORDS. */
export async function costFixtureStore(): Promise<Store> {
  const dir = mkdtempSync(join(tmpdir(), 'flowlens-costs-api-'));
  writeFileSync(join(dir, 'flows.log'), `${HEADER}\n${COST_RECORDS.join('\n')}\n`);
  const store = await Store.memory();
  await ingestSources(store, [createLocalSource(join(dir, 'flows.log'))]);
  return store;
}
