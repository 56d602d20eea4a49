import ipaddr from 'ipaddr.js';
import { IPV4_MAPPED_BASE } from '../sql/ipv4-mapped.js';

/** Parses dotted-quad IPv4 text to its 32-bit value, or -1 when the text is not a valid IPv4 address. */
export function parseIPv4(text: string): number {
  // Hand-rolled because it runs twice per record on the ingest hot path; ipaddr.js is used for IPv6.
  let value = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      octet = octet * 10 + (c - 48);
      digits++;
      if (digits > 3 || octet > 255) return -1;
    } else if (c === 46) {
      if (digits === 0 || dots === 3) return -1;
      value = value * 256 + octet;
      octet = 0;
      digits = 0;
      dots++;
    } else {
      return -1;
    }
  }
  if (dots !== 3 || digits === 0) return -1;
  return value * 256 + octet;
}

/** True when the text is a valid IPv4 or IPv6 address. */
export function isIpAddress(text: string): boolean {
  if (parseIPv4(text) >= 0) return true;
  return text.includes(':') && (parsePlainIPv6(text) !== null || ipaddr.IPv6.isValid(text));
}

/** The address as a 128-bit number (IPv4 mapped into ::ffff:0:0/96), or null when the text is not an address. */
export function addressToBigInt(text: string): bigint | null {
  const v4 = parseIPv4(text);
  if (v4 >= 0) return IPV4_MAPPED_BASE + BigInt(v4);
  if (!text.includes(':')) return null;
  const plain = parsePlainIPv6(text);
  if (plain !== null) return plain;
  if (!ipaddr.IPv6.isValid(text)) return null;
  let value = 0n;
  for (const byte of ipaddr.IPv6.parse(text).toByteArray()) value = (value << 8n) | BigInt(byte);
  return value;
}

/** The inclusive 128-bit range [low, high] covered by a CIDR (IPv4 or IPv6); throws on invalid CIDR text. */
export function cidrRange(cidr: string): { low: bigint; high: bigint } {
  const [address, prefixText] = cidr.includes('/') ? cidr.split('/') : [cidr, undefined];
  const base = addressToBigInt(address ?? '');
  if (base === null) throw new Error(`"${cidr}" is not an IPv4 or IPv6 CIDR`);
  const isV4 = parseIPv4(address ?? '') >= 0;
  const width = isV4 ? 32 : 128;
  const prefix = prefixText === undefined ? width : Number(prefixText);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > width) throw new Error(`"${cidr}" has an invalid prefix length`);
  const hostBits = BigInt(width - prefix);
  const mask = (1n << hostBits) - 1n;
  const low = base & ~mask;
  return { low, high: low | mask };
}

/** True for RFC 1918, loopback, link-local, CGNAT and IPv6 ULA/link-local addresses. */
export function isPrivateAddress(text: string): boolean {
  const v4 = parseIPv4(text);
  if (v4 >= 0) {
    const a = Math.floor(v4 / 16777216);
    const b = Math.floor(v4 / 65536) % 256;
    return a === 10 || a === 127 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) ||
      (a === 169 && b === 254) || (a === 100 && b >= 64 && b <= 127);
  }
  if (!text.includes(':') || !ipaddr.IPv6.isValid(text)) return false;
  const range = ipaddr.IPv6.parse(text).range();
  return range === 'uniqueLocal' || range === 'linkLocal' || range === 'loopback';
}

// IPv6 text in its plain forms (eight groups of 1-4 hex digits, or fewer around one `::`) as its 128-bit number;
// null for anything else (invalid, a zone, an embedded IPv4), which ipaddr.js then decides. Hand-rolled because IPv6
// records take the ingest's string path, where ipaddr.js's parser cost more than the rest of the line.
function parsePlainIPv6(text: string): bigint | null {
  const n = text.length;
  if (n < 2 || n > 39) return null;
  const groups: number[] = [];
  // Where `::` stands among the groups (-1: none).
  let gap = -1;
  let value = 0;
  let digits = 0;
  let i = 0;
  if (text.charCodeAt(0) === 58) {
    if (text.charCodeAt(1) !== 58) return null;
    gap = 0;
    i = 2;
  }
  for (; i < n; i++) {
    const c = text.charCodeAt(i);
    const hex = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1;
    if (hex >= 0) {
      if (++digits > 4) return null;
      value = value * 16 + hex;
      continue;
    }
    if (c !== 58 || digits === 0) return null;
    groups.push(value);
    value = 0;
    digits = 0;
    if (i + 1 < n && text.charCodeAt(i + 1) === 58) {
      if (gap >= 0) return null;
      gap = groups.length;
      i++;
    }
  }
  if (digits > 0) groups.push(value);
  else if (gap !== groups.length || n < 2 || text.charCodeAt(n - 1) !== 58) return null;
  if (gap < 0 ? groups.length !== 8 : groups.length > 6) return null;
  let number = 0n;
  for (let g = 0; g < 8; g++) {
    const index = gap < 0 || g < gap ? g : g >= gap + 8 - groups.length ? g - 8 + groups.length : -1;
    number = (number << 16n) | BigInt(index < 0 ? 0 : (groups[index] as number));
  }
  return number;
}
