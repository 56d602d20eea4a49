import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Reader } from 'mmdb-lib';
import { afterAll, describe, expect, it } from 'vitest';
import { readMmdbRanges } from '../../src/enrich/index.js';
import { FlowlensError } from '../../src/records/index.js';
import { writeMmdb } from '../helpers/mmdb-writer.js';

const dir = mkdtempSync(join(tmpdir(), 'flowlens-mmdb-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const google = { autonomous_system_number: 15169, autonomous_system_organization: 'GOOGLE' };
const asnDb = join(dir, 'asn.mmdb');
writeFileSync(asnDb, writeMmdb([
  { cidr: '8.8.8.0/24', data: google },
  { cidr: '8.8.9.0/24', data: google },
  { cidr: '1.1.1.0/24', data: { autonomous_system_number: 13335, autonomous_system_organization: 'CLOUDFLARENET' } },
  { cidr: '2001:4860::/32', data: google },
], 'GeoLite2-ASN'));

describe('readMmdbRanges', () => {
  it('reads the test file the same way mmdb-lib looks addresses up', () => {
    const reader = new Reader<Record<string, unknown>>(writeMmdb([{ cidr: '8.8.8.0/24', data: google }]));
    expect(reader.get('8.8.8.8')).toEqual(google);
    expect(reader.get('::ffff:8.8.8.8')).toEqual(google);
    expect(reader.get('9.9.9.9')).toBeNull();
  });

  it('turns every network into a range, IPv4 mapped into ::ffff:0:0/96 once (aliases skipped), neighbours merged', async () => {
    const ranges = await readMmdbRanges(asnDb);
    expect(ranges.databaseType).toBe('GeoLite2-ASN');
    expect(ranges.country).toEqual([]);
    expect(ranges.asn.map((r) => [r.low.toString(16), r.high.toString(16), r.value.asn, r.value.name])).toEqual([
      ['ffff01010100', 'ffff010101ff', 13335, 'CLOUDFLARENET'],
      ['ffff08080800', 'ffff080809ff', 15169, 'GOOGLE'],
      ['20014860000000000000000000000000', '20014860ffffffffffffffffffffffff', 15169, 'GOOGLE'],
    ]);
  });

  it('reads country codes from country.iso_code', async () => {
    const path = join(dir, 'country.mmdb');
    writeFileSync(path, writeMmdb([{ cidr: '8.8.8.0/24', data: { country: { iso_code: 'US' } } }, { cidr: '1.1.1.0/24', data: { registered_country: { iso_code: 'AU' } } }], 'GeoLite2-Country'));
    const ranges = await readMmdbRanges(path);
    expect(ranges.asn).toEqual([]);
    expect(ranges.country.map((r) => r.value.country)).toEqual(['AU', 'US']);
  });

  it('refuses a file that is not a MaxMind DB with a usage error', async () => {
    const path = join(dir, 'bad.mmdb');
    writeFileSync(path, 'not a database');
    const error = await readMmdbRanges(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FlowlensError);
    expect((error as FlowlensError).code).toBe('usage');
  });
});
