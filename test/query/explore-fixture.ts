import { resolveSource } from '../../src/sources/index.js';
import { ingestSources, Store } from '../../src/store/index.js';

/** A record as the reference implementation sees it. */
export interface Rec {
  interface_id: string;
  srcaddr: string;
  dstaddr: string;
  srcport: number;
  dstport: number;
  protocol: number;
  packets: number;
  bytes: number;
  start: number;
  action: string;
  subnet_id: string;
  flow_direction: string;
}

export const T0 = 1_714_521_600; // 2024-05-01T00:00:00Z, a whole hour
const HEADER = 'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status subnet-id flow-direction';

/** Six hours of deterministic traffic (a small linear congruential generator), plus NODATA lines. */
export function makeRecords(): { lines: string[]; records: Rec[] } {
  let seed = 7;
  const next = (n: number): number => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return seed % n;
  };
  const lines = [HEADER];
  const records: Rec[] = [];
  for (let i = 0; i < 3000; i++) {
    const rec: Rec = {
      interface_id: `eni-0000000000000000${next(4)}`,
      srcaddr: `10.0.${next(3)}.${1 + next(12)}`,
      dstaddr: next(5) === 0 ? `203.0.113.${next(8)}` : `10.0.1.${1 + next(6)}`,
      srcport: 30_000 + next(2000),
      dstport: [443, 80, 22, 5432, 6379][next(5)] as number,
      protocol: next(10) === 0 ? 17 : 6,
      packets: 1 + next(50),
      bytes: 40 + next(100_000),
      start: T0 + next(6 * 3600),
      action: next(7) === 0 ? 'REJECT' : 'ACCEPT',
      subnet_id: `subnet-0${next(3)}`,
      flow_direction: next(2) === 0 ? 'ingress' : 'egress',
    };
    records.push(rec);
    const r = rec;
    lines.push(`5 123456789012 ${r.interface_id} ${r.srcaddr} ${r.dstaddr} ${r.srcport} ${r.dstport} ${r.protocol} ${r.packets} ${r.bytes} ${r.start} ${r.start + 30} ${r.action} OK ${r.subnet_id} ${r.flow_direction}`);
  }
  for (let i = 0; i < 20; i++) lines.push(`5 123456789012 eni-00000000000000009 - - - - - - - ${T0 + i * 600} ${T0 + i * 600 + 60} - NODATA subnet-09 -`);
  return { lines, records };
}

/** An in-memory store of a flow-log file. */
export async function exploreStore(file: string): Promise<Store> {
  const store = await Store.memory();
  await ingestSources(store, [await resolveSource(file)]);
  return store;
}
