import { cidrRange } from '../records/address.js';
import { sqlLiteral } from './quote.js';

export { IPV4_MAPPED_BASE, IPV4_MAPPED_END } from './ipv4-mapped.js';

/** The private ranges (RFC 1918, loopback, link-local, CGNAT, IPv6 ULA, link-local and ::1) isPrivateAddress tests. */
export const PRIVATE_CIDRS: readonly string[] = [
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '127.0.0.0/8',
  '169.254.0.0/16',
  '100.64.0.0/10',
  'fc00::/7',
  'fe80::/10',
  '::1/128',
];

/** SQL condition: a 128-bit address expression (src_ip, dst_ip, ip_to_number(…)) lies in [low, high]. */
export function addressRangeSql(expr: string, low: bigint, high: bigint): string {
  return `${expr} BETWEEN ${sqlLiteral(low)}::UHUGEINT AND ${sqlLiteral(high)}::UHUGEINT`;
}

/** SQL condition: the 128-bit address expression lies in any of the ranges (FALSE for none). */
export function addressInRangesSql(expr: string, ranges: readonly { low: bigint; high: bigint }[]): string {
  return ranges.map(({ low, high }) => addressRangeSql(expr, low, high)).join(' OR ') || 'FALSE';
}

/** SQL condition: the 128-bit address expression is in a private range (PRIVATE_CIDRS). */
export function isPrivateNumberSql(expr: string): string {
  return `(${addressInRangesSql(expr, PRIVATE_CIDRS.map((cidr) => cidrRange(cidr)))})`;
}
