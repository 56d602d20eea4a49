import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lookupAddresses, readEnrichmentSources } from '../../src/enrich/index.js';
import { Store } from '../../src/store/index.js';

describe('lookupAddresses on the packaged databases', () => {
  let store: Store;
  beforeAll(async () => {
    store = await Store.memory();
  });
  afterAll(() => store.close());

  it('loads the packaged ASN and country databases into a writable store on first use and knows public addresses', async () => {
    const rows = await lookupAddresses(store, ['8.8.8.8', '1.1.1.1', '2001:4860:4860::8888', '10.0.0.1', '192.168.1.1', 'fd00::1']);
    expect(rows.map((r) => [r.address, r.asn, r.country])).toEqual([
      ['8.8.8.8', 15169, 'US'],
      ['1.1.1.1', 13335, 'AU'],
      ['2001:4860:4860::8888', 15169, 'US'],
      ['10.0.0.1', null, null],
      ['192.168.1.1', null, null],
      ['fd00::1', null, null],
    ]);
    expect(rows[0]?.as_name).toMatch(/google/i);
    expect(rows[1]?.as_name).toMatch(/cloudflare/i);
    const sources = await readEnrichmentSources(store);
    expect(sources.map((s) => [s.kind, s.source])).toEqual([
      ['asn', '@ip-location-db/asn'],
      ['country', '@ip-location-db/geo-whois-asn-country'],
    ]);
    expect(sources.every((s) => s.ranges > 100_000)).toBe(true);
  }, 240_000);

  it('refuses text that is not an address', async () => {
    await expect(lookupAddresses(store, ['8.8.8'])).rejects.toMatchObject({ code: 'usage' });
  });
});
