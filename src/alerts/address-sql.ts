import { duckdb } from '../engines/index.js';
import { PRIVATE_CIDRS } from '../sql/index.js';
import { addressToBigInt, cidrRange, isPrivateAddress } from '../records/index.js';
import { sqlLiteral } from '../store/index.js';
import type { NetworkConfig } from './rules-schema.js';
import type { Finding } from './types.js';

/** Who is inside the VPC: the private ranges, plus its own CIDRs and known addresses (named, or from --interfaces). */
export interface Inside {
  cidrs: readonly string[];
  addresses: readonly string[];
}

/** The private ranges only. */
export const PRIVATE_ONLY: Inside = { cidrs: [], addresses: [] };

/** Who is inside, from the rules file's `network` section and addresses of our own interfaces. */
export function insideOf(network: NetworkConfig | undefined, interfaceAddresses: readonly string[] = []): Inside {
  return { cidrs: network?.internalCidrs ?? [], addresses: [...new Set([...Object.keys(network?.names ?? {}), ...interfaceAddresses])].sort() };
}

/** SQL condition: the flows address column is a private address (tested on its numeric twin src_ip/dst_ip). */
export function isPrivateSql(column: 'srcaddr' | 'dstaddr'): string {
  return `(${PRIVATE_CIDRS.map((cidr) => duckdb.addressInCidr(column, cidr)).join(' OR ')})`;
}

/** SQL condition: the flows address column is inside the VPC (private, one of its CIDRs, or a known address). */
export function isInsideSql(column: 'srcaddr' | 'dstaddr', inside: Inside = PRIVATE_ONLY): string {
  const parts = [...PRIVATE_CIDRS, ...inside.cidrs].map((cidr) => duckdb.addressInCidr(column, cidr.includes('/') ? cidr : `${cidr}/${cidr.includes(':') ? 128 : 32}`));
  if (inside.addresses.length > 0) parts.push(`"${column}" IN (${inside.addresses.map((a) => sqlLiteral(a)).join(', ')})`);
  return `(${parts.join(' OR ')})`;
}

/** True when the address is inside the VPC. */
export function isInside(address: string, inside: Inside = PRIVATE_ONLY): boolean {
  if (isPrivateAddress(address) || inside.addresses.includes(address)) return true;
  return inside.cidrs.some((cidr) => inCidr(address, cidr));
}

/** True when the address lies in the CIDR (or is the address, without a prefix). */
export function inCidr(address: string, cidr: string): boolean {
  const value = addressToBigInt(address);
  if (value === null) return false;
  const { low, high } = cidrRange(cidr);
  return value >= low && value <= high;
}

/** The direction of traffic from actor to target, seen from the VPC. */
export function directionOf(actor: string, target: string | undefined, inside: Inside = PRIVATE_ONLY): Finding['direction'] {
  const actorInside = isInside(actor, inside);
  const targetInside = target === undefined ? !actorInside : isInside(target, inside);
  if (actorInside && targetInside) return 'internal';
  if (actorInside) return 'outbound';
  return targetInside ? 'inbound' : 'external';
}
