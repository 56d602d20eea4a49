import { createReadStream, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { parseCsvLine } from '../records/csv-line.js';
import { createInterface } from 'node:readline';
import { IPV4_MAPPED_BASE } from '../sql/index.js';
import type { AddressRange } from './ranges.js';

/** One of the IP databases that ship with flowlens as npm packages: what it gives, its files and its licence. */
export interface PackagedDatabase {
  kind: 'asn' | 'country';
  /** The npm package name. */
  package: string;
  /** Its numeric-range CSV files (IPv4 numbers, then IPv6 numbers). */
  files: { v4: string; v6: string };
  licence: string;
  attribution: string;
}

/** The packaged databases: ASN (+ AS name) and country, IPv4 and IPv6, from the ip-location-db project. */
export const PACKAGED_DATABASES: readonly PackagedDatabase[] = [
  {
    kind: 'asn',
    package: '@ip-location-db/asn',
    files: { v4: 'asn-ipv4-num.csv', v6: 'asn-ipv6-num.csv' },
    licence: 'CC BY 4.0',
    attribution: 'RouteViews (routeviews.org), DB-IP (db-ip.com) and the NRO (nro.net), via ip-location-db',
  },
  {
    kind: 'country',
    package: '@ip-location-db/geo-whois-asn-country',
    files: { v4: 'geo-whois-asn-country-ipv4-num.csv', v6: 'geo-whois-asn-country-ipv6-num.csv' },
    licence: 'CC0 1.0 (data: CC BY 4.0 by the NRO)',
    attribution: 'the NRO (nro.net) statistics, via ip-location-db',
  },
];

/** What a packaged database row maps to: an ASN and AS name, or a country code. */
export type PackagedValue = { asn: number; name: string } | { country: string };

/** Where a packaged database is installed and its version. */
export function locatePackagedDatabase(database: PackagedDatabase): { folder: string; version: string } {
  const require = createRequire(import.meta.url);
  const manifest = require.resolve(`${database.package}/package.json`);
  const version = String((JSON.parse(readFileSync(manifest, 'utf8')) as { version?: unknown }).version ?? 'unknown');
  return { folder: dirname(manifest), version };
}

/** Reads a packaged database's ranges (IPv4 numbers mapped into ::ffff:0:0/96), in file order. */
export async function readPackagedRanges(database: PackagedDatabase): Promise<AddressRange<PackagedValue>[]> {
  const { folder } = locatePackagedDatabase(database);
  const ranges: AddressRange<PackagedValue>[] = [];
  for (const [file, offset] of [[database.files.v4, IPV4_MAPPED_BASE], [database.files.v6, 0n]] as const) {
    const path = join(folder, file);
    let line = 0;
    for await (const text of createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity })) {
      line++;
      if (text === '') continue;
      const fields = parseCsvLine(text);
      const [low, high, third, fourth] = fields;
      if (low === undefined || high === undefined || third === undefined || !/^\d+$/.test(low) || !/^\d+$/.test(high)) {
        throw new Error(`${path}:${line}: expected "start,end,…" with numeric addresses`);
      }
      const value: PackagedValue = database.kind === 'asn' ? { asn: Number(third), name: fourth ?? '' } : { country: third };
      ranges.push({ low: BigInt(low) + offset, high: BigInt(high) + offset, value });
    }
  }
  return ranges;
}
