import { duckdb, PRIVATE_CIDRS } from '../query/dialect.js';
import { isPrivateAddress } from '../records/index.js';
import type { Finding } from './types.js';

/** SQL condition: the flows address column is a private address (tested on its numeric twin src_ip/dst_ip). */
export function isPrivateSql(column: 'srcaddr' | 'dstaddr'): string {
  return `(${PRIVATE_CIDRS.map((cidr) => duckdb.addressInCidr(column, cidr)).join(' OR ')})`;
}

/** The direction of traffic from actor to target, seen from the VPC: private addresses are ours. */
export function directionOf(actor: string, target: string | undefined): Finding['direction'] {
  const actorPrivate = isPrivateAddress(actor);
  const targetPrivate = target === undefined ? !actorPrivate : isPrivateAddress(target);
  if (actorPrivate && targetPrivate) return 'internal';
  if (actorPrivate) return 'outbound';
  return targetPrivate ? 'inbound' : 'external';
}
