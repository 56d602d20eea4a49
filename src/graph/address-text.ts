import ipaddr from 'ipaddr.js';
import { addressToBigInt } from '../records/index.js';
import { IPV4_MAPPED_BASE, IPV4_MAPPED_END } from '../sql/ipv4-mapped.js';

export { IPV4_MAPPED_BASE };

/** True when a 128-bit address number is an IPv4 address mapped into ::ffff:0:0/96. */
export function isMappedIPv4(value: bigint): boolean {
  return value >= IPV4_MAPPED_BASE && value <= IPV4_MAPPED_END;
}

/** Renders a 128-bit address number (as stored in src_ip/dst_ip) as IPv4 dotted quad or compressed IPv6 text. */
export function bigIntToAddress(value: bigint): string {
  if (isMappedIPv4(value)) {
    const v4 = Number(value - IPV4_MAPPED_BASE);
    return [v4 >>> 24, (v4 >>> 16) & 255, (v4 >>> 8) & 255, v4 & 255].join('.');
  }
  const bytes: number[] = [];
  for (let shift = 120n; shift >= 0n; shift -= 8n) bytes.push(Number((value >> shift) & 255n));
  return ipaddr.fromByteArray(bytes).toString();
}

/** A parsed address or CIDR: its 128-bit network number, prefix length and family. */
export interface ParsedCidr {
  network: bigint;
  /** Prefix length within the family (0–32 for IPv4, 0–128 for IPv6). */
  prefix: number;
  v4: boolean;
}

/** Parses `10.0.1.0/24`, `10.0.1.12`, or IPv6 forms; returns null when the text is neither an address nor a CIDR. */
export function parseCidr(text: string): ParsedCidr | null {
  const [address = '', prefixText, extra] = text.trim().split('/');
  if (extra !== undefined) return null;
  const value = addressToBigInt(address);
  if (value === null) return null;
  const v4 = !address.includes(':');
  const width = v4 ? 32 : 128;
  const prefix = prefixText === undefined ? width : Number(prefixText);
  if (!/^\d{1,3}$/.test(prefixText ?? String(width)) || prefix < 0 || prefix > width) return null;
  const hostMask = (1n << BigInt(width - prefix)) - 1n;
  return { network: value & ~hostMask, prefix, v4 };
}

/** The inclusive 128-bit range of a parsed CIDR. */
export function cidrBounds(cidr: ParsedCidr): { low: bigint; high: bigint } {
  const width = cidr.v4 ? 32 : 128;
  const hostMask = (1n << BigInt(width - cidr.prefix)) - 1n;
  return { low: cidr.network, high: cidr.network | hostMask };
}

/** Renders a parsed CIDR as text (`10.0.1.0/24`). */
export function renderCidr(cidr: ParsedCidr): string {
  return `${bigIntToAddress(cidr.network)}/${cidr.prefix}`;
}
