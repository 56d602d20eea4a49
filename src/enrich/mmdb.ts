import { readFile } from 'node:fs/promises';
import { Reader } from 'mmdb-lib';
import { IPV4_MAPPED_BASE } from '../sql/index.js';
import { UsageError } from '../records/index.js';
import type { AddressRange } from './ranges.js';

/** What an MMDB file gives: its database type, and ASN and/or country ranges (IPv4 mapped into ::ffff:0:0/96). */
export interface MmdbRanges {
  databaseType: string;
  buildEpoch: Date;
  asn: AddressRange<{ asn: number; name: string }>[];
  country: AddressRange<{ country: string }>[];
}

/**
 * Reads every network of a MaxMind DB file (GeoLite2-ASN, GeoLite2-Country/City, GeoIP2, or another MMDB with the same
 * fields) into ranges: `autonomous_system_number`/`autonomous_system_organization` for ASNs, `country.iso_code` (else
 * `registered_country.iso_code` or `country_code`) for countries. Records are decoded with mmdb-lib.
 */
export async function readMmdbRanges(path: string): Promise<MmdbRanges> {
  let buffer: Buffer;
  try {
    buffer = await readFile(path);
  } catch (error) {
    throw new UsageError(`cannot read --geo-db ${path}: ${(error as Error).message}`, { hint: 'give a MaxMind DB file (.mmdb), e.g. GeoLite2-ASN.mmdb', cause: error });
  }
  let reader: Reader<Record<string, unknown>>;
  try {
    reader = new Reader<Record<string, unknown>>(buffer);
  } catch (error) {
    throw new UsageError(`${path} is not a MaxMind DB file: ${(error as Error).message}`, { hint: 'give a MaxMind DB file (.mmdb), e.g. GeoLite2-ASN.mmdb', cause: error });
  }
  const result: MmdbRanges = { databaseType: reader.metadata.databaseType, buildEpoch: reader.metadata.buildEpoch, asn: [], country: [] };
  const decoded = new Map<number, { asn?: { asn: number; name: string }; country?: string }>();
  for (const leaf of walkTree(buffer, reader)) {
    let value = decoded.get(leaf.pointer);
    if (!value) {
      value = pickFields(reader.get(addressText(leaf.low)) ?? {});
      decoded.set(leaf.pointer, value);
    }
    if (value.asn) pushMerged(result.asn, leaf.low, leaf.high, value.asn, (a, b) => a.asn === b.asn && a.name === b.name);
    if (value.country !== undefined) pushMerged(result.country, leaf.low, leaf.high, { country: value.country }, (a, b) => a.country === b.country);
  }
  if (result.asn.length === 0 && result.country.length === 0) {
    throw new UsageError(`${path} (${result.databaseType}) has no ASN or country fields`, { hint: 'give an ASN, Country or City MaxMind DB (GeoLite2-ASN, GeoLite2-Country, GeoIP2-City …)' });
  }
  return result;
}

/** A network of the search tree with data: its 128-bit range and the data pointer (the record value). */
interface Leaf {
  low: bigint;
  high: bigint;
  pointer: number;
}

/**
 * Walks the MaxMind DB search tree ("MaxMind DB File Format Specification": nodes of two records, a record below
 * node_count points to a node, equal to it means no data, above it points into the data section). In an IPv6 tree
 * IPv4 lives under ::/96 and is aliased from ::ffff:0:0/96 and 2002::/16; it is walked once, as ::ffff:0:0/96.
 */
function* walkTree(db: Buffer, reader: Reader<Record<string, unknown>>): Generator<Leaf> {
  const { nodeCount, recordSize, ipVersion } = reader.metadata;
  const nodeBytes = (recordSize * 2) / 8;
  const record = (node: number, right: boolean): number => {
    const offset = node * nodeBytes;
    if (recordSize === 24) return db.readUIntBE(offset + (right ? 3 : 0), 3);
    if (recordSize === 28) return right ? ((db[offset + 3]! & 0x0f) << 24) | db.readUIntBE(offset + 4, 3) : ((db[offset + 3]! & 0xf0) << 20) | db.readUIntBE(offset, 3);
    if (recordSize === 32) return db.readUInt32BE(offset + (right ? 4 : 0));
    throw new UsageError(`unsupported MMDB record size ${recordSize}`);
  };
  let ipv4Start = 0;
  if (ipVersion === 6) {
    for (let i = 0; i < 96 && ipv4Start < nodeCount; i++) ipv4Start = record(ipv4Start, false);
  }
  const roots: { node: number; width: number; base: bigint; skip: number }[] =
    ipVersion === 6 ? [{ node: ipv4Start, width: 32, base: IPV4_MAPPED_BASE, skip: -1 }, { node: 0, width: 128, base: 0n, skip: ipv4Start < nodeCount ? ipv4Start : -1 }] : [{ node: 0, width: 32, base: IPV4_MAPPED_BASE, skip: -1 }];
  for (const root of roots) {
    const stack: { value: number; depth: number; prefix: bigint }[] = [{ value: root.node, depth: 0, prefix: 0n }];
    while (stack.length > 0) {
      const { value, depth, prefix } = stack.pop()!;
      if (value === nodeCount) continue;
      if (root.skip >= 0 && depth > 0 && value === root.skip) continue;
      const span = BigInt(root.width - depth);
      if (value > nodeCount) {
        const low = root.base + (prefix << span);
        yield { low, high: low + (1n << span) - 1n, pointer: value };
        continue;
      }
      if (depth >= root.width) continue;
      // Right first on the stack, so the left (lower) half comes out first and the leaves are in address order.
      stack.push({ value: record(value, true), depth: depth + 1, prefix: (prefix << 1n) | 1n });
      stack.push({ value: record(value, false), depth: depth + 1, prefix: prefix << 1n });
    }
  }
}

function pickFields(data: Record<string, unknown>): { asn?: { asn: number; name: string }; country?: string } {
  const picked: { asn?: { asn: number; name: string }; country?: string } = {};
  const number = data.autonomous_system_number;
  if (typeof number === 'number') picked.asn = { asn: number, name: typeof data.autonomous_system_organization === 'string' ? data.autonomous_system_organization : '' };
  const iso = (key: string): string | undefined => {
    const item = data[key] as { iso_code?: unknown } | undefined;
    return typeof item?.iso_code === 'string' ? item.iso_code : undefined;
  };
  const country = iso('country') ?? iso('registered_country') ?? (typeof data.country_code === 'string' ? data.country_code : undefined);
  if (country !== undefined) picked.country = country;
  return picked;
}

function pushMerged<T>(list: AddressRange<T>[], low: bigint, high: bigint, value: T, same: (a: T, b: T) => boolean): void {
  const last = list[list.length - 1];
  if (last && last.high + 1n === low && same(last.value, value)) last.high = high;
  else list.push({ low, high, value });
}

/** The address text mmdb-lib looks up: dotted quad inside ::ffff:0:0/96, else eight hex groups. */
function addressText(value: bigint): string {
  if (value >= IPV4_MAPPED_BASE && value <= IPV4_MAPPED_BASE + 0xffffffffn) {
    const v4 = Number(value - IPV4_MAPPED_BASE);
    return [v4 >>> 24, (v4 >>> 16) & 255, (v4 >>> 8) & 255, v4 & 255].join('.');
  }
  const groups: string[] = [];
  for (let shift = 112n; shift >= 0n; shift -= 16n) groups.push(((value >> shift) & 0xffffn).toString(16));
  return groups.join(':');
}
