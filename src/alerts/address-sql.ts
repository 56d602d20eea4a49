import { cidrRange, isPrivateAddress } from '../records/index.js';
import { sqlLiteral } from '../store/index.js';
import type { Finding } from './types.js';

// The ranges isPrivateAddress (src/records/address.ts) treats as private, as 128-bit bounds for SQL.
const PRIVATE_RANGES = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '127.0.0.0/8', '169.254.0.0/16', '100.64.0.0/10', 'fc00::/7', 'fe80::/10', '::1/128'].map(
  (cidr) => cidrRange(cidr),
);

/** SQL condition: the 128-bit address column (`src_ip` or `dst_ip`) is a private address. */
export function isPrivateSql(column: 'src_ip' | 'dst_ip'): string {
  return `(${PRIVATE_RANGES.map(({ low, high }) => `${column} BETWEEN ${sqlLiteral(low)}::UHUGEINT AND ${sqlLiteral(high)}::UHUGEINT`).join(' OR ')})`;
}

/** The direction of traffic from actor to target, seen from the VPC: private addresses are ours. */
export function directionOf(actor: string, target: string | undefined): Finding['direction'] {
  const actorPrivate = isPrivateAddress(actor);
  const targetPrivate = target === undefined ? !actorPrivate : isPrivateAddress(target);
  if (actorPrivate && targetPrivate) return 'internal';
  if (actorPrivate) return 'outbound';
  return targetPrivate ? 'inbound' : 'external';
}
