import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exploreFlows, presentDimensions } from '../../src/query/explore.js';
import { createApp } from '../../src/server/index.js';
import { Store } from '../../src/store/index.js';
import { parseNdjson, runFlowlens } from '../helpers/cli.js';
import { AWS_RANGES, writeEnrichFlows } from '../helpers/enrich-fixture.js';
import { writeMmdb } from '../helpers/mmdb-writer.js';

const dir = mkdtempSync(join(tmpdir(), 'flowlens-enrich-'));
const db = join(dir, 'flows.duckdb');
const logs = writeEnrichFlows(dir);

async function ok(argv: string[]): Promise<string> {
  const run = await runFlowlens(argv);
  if (run.code !== 0) throw new Error(`flowlens ${argv.join(' ')} exited ${run.code}: ${run.stderr}`);
  return run.stdout;
}

describe('flowlens enrich and the enriched columns', () => {
  beforeAll(async () => {
    await ok(['ingest', '--db', db, logs]);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('says which command to run when the database has no enrichment tables yet', async () => {
    const run = await runFlowlens(['report', 'top-asns', '--db', db]);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain(`flowlens enrich --db ${db}`);
  });

  it('answers the page with 409 and the command to run while the database has no enrichment tables', async () => {
    const store = await Store.open(db, { readOnly: true });
    try {
      const response = await createApp({ store }).request('/api/graph?node=asn');
      expect(response.status).toBe(409);
      expect(await response.json()).toMatchObject({ code: 'enrich-missing', hint: expect.stringContaining('flowlens enrich') });
    } finally {
      store.close();
    }
  });

  it('loads the packaged databases and AWS ranges, then looks addresses up', async () => {
    const sources = parseNdjson(await ok(['enrich', '--db', db, '--aws-ranges', AWS_RANGES, '-f', 'ndjson']));
    expect(sources.map((s) => s.kind)).toEqual(['asn', 'country', 'aws']);
    expect(sources[2]).toMatchObject({ source: 'ip-ranges.json', version: '2026-12-01-00-00-00' });
    const rows = parseNdjson(await ok(['enrich', '--db', db, '-f', 'ndjson', '8.8.8.8', '52.216.10.20', '10.0.1.5']));
    expect(rows.map((r) => [r.address, r.asn, r.country, r.aws_service, r.aws_region])).toEqual([
      ['8.8.8.8', 15169, 'US', null, null],
      ['52.216.10.20', 16509, 'US', 'S3', 'us-east-1'],
      ['10.0.1.5', null, null, null, null],
    ]);
  }, 240_000);

  it('reports traffic per ASN, country and AWS service of the public end', async () => {
    const asns = parseNdjson(await ok(['report', 'top-asns', '--db', db, '-f', 'ndjson']));
    expect(asns.map((r) => [r.asn, r.bytes_from, r.bytes_to, r.totalbytes, r.flows])).toEqual([
      [16509, null, 7000, 7000, 1],
      [15169, 5000, 1000, 6000, 2],
      [13335, null, 300, 300, 1],
    ]);
    const countries = parseNdjson(await ok(['report', 'top-countries', '--db', db, '-f', 'ndjson']));
    expect(countries.map((r) => [r.country, r.totalbytes])).toEqual([['US', 13000], ['AU', 300]]);
    const services = parseNdjson(await ok(['report', 'aws-services', '--db', db, '-f', 'ndjson']));
    expect(services.map((r) => [r.aws_service, r.aws_region, r.totalbytes, r.addresses])).toEqual([['S3', 'us-east-1', 7000, 1]]);
  });

  it('groups Insights stats by dstAsName and filters on srcCountry', async () => {
    const rows = parseNdjson(await ok(['insights', '--db', db, '-f', 'ndjson', 'stats sum(bytes) as b by dstAsName | sort b desc']));
    expect(rows.map((r) => [typeof r.dstAsName === 'string' ? (r.dstAsName as string).split(/[ ,]/)[0] : r.dstAsName, r.b])).toEqual([
      ['Amazon.com', 7000],
      [null, 5100],
      ['Google', 1000],
      ['Cloudflare', 300],
    ]);
    const filtered = parseNdjson(await ok(['insights', '--db', db, '-f', 'ndjson', 'filter srcCountry = "US" | stats count(*) as n by srcAsn, dstAwsService']));
    expect(filtered).toEqual([{ srcAsn: 15169, dstAwsService: null, n: 1 }]);
  });

  it('offers every enriched column to SQL through the flows_enriched view', async () => {
    const rows = parseNdjson(await ok(['query', '--db', db, '-f', 'ndjson', 'SELECT dstaddr, dst_asn, dst_country, dst_aws_service, dst_aws_region, src_asn FROM flows_enriched ORDER BY bytes']));
    expect(rows).toEqual([
      { dstaddr: '10.0.1.5', dst_asn: null, dst_country: null, dst_aws_service: null, dst_aws_region: null, src_asn: null },
      { dstaddr: '1.1.1.1', dst_asn: 13335, dst_country: 'AU', dst_aws_service: null, dst_aws_region: null, src_asn: null },
      { dstaddr: '8.8.8.8', dst_asn: 15169, dst_country: 'US', dst_aws_service: null, dst_aws_region: null, src_asn: null },
      { dstaddr: '10.0.1.5', dst_asn: null, dst_country: null, dst_aws_service: null, dst_aws_region: null, src_asn: 15169 },
      { dstaddr: '52.216.10.20', dst_asn: 16509, dst_country: 'US', dst_aws_service: 'S3', dst_aws_region: 'us-east-1' , src_asn: null },
    ]);
  });

  it('draws public ends as AS, country or service nodes in the graph', async () => {
    const byMode = async (mode: string): Promise<string[]> => {
      const graph = JSON.parse(await ok(['graph', '--db', db, '--node', mode])) as { nodes: { id: string; kind: string }[] };
      return graph.nodes.filter((n) => n.kind === mode).map((n) => n.id).sort();
    };
    expect((await byMode('asn')).map((id) => id.split(' ')[0])).toEqual(['AS13335', 'AS15169', 'AS16509']);
    expect(await byMode('country')).toEqual(['AU', 'US']);
    expect(await byMode('service')).toEqual(['S3 us-east-1']);
  });

  it('offers AS, country and AWS service dimensions to the explorer, and its filter knows the fields', async () => {
    const store = await Store.open(db, { readOnly: true });
    try {
      const present = (await presentDimensions(store)).map((d) => d.id);
      expect(present).toEqual(expect.arrayContaining(['src_as_name', 'dst_as_name', 'src_country', 'dst_country', 'src_aws_service', 'dst_aws_service']));
      const result = await exploreFlows(store, { dimensions: ['dst_country', 'dst_aws_service'], metric: 'bytes', filter: 'not ispresent(srcAsn)' });
      expect(result.rows).toEqual([
        { key: ['US', 'S3'], value: 7000 },
        { key: ['US', null], value: 1000 },
        { key: ['AU', null], value: 300 },
        { key: [null, null], value: 100 },
      ]);
      expect(result.total).toBe(8400);
      // The ingest built the rollups: the enrichment columns are joined to the rollup rows, with the same answer as
      // a time window off the hour, which reads the records.
      expect(result.source.top).toBe('rollups');
      const fromRecords = await exploreFlows(store, { dimensions: ['dst_country', 'dst_aws_service'], metric: 'bytes', filter: 'not ispresent(srcAsn)', start: 1699999999 });
      expect(fromRecords.source.top).toBe('flows');
      expect(fromRecords.rows).toEqual(result.rows);
    } finally {
      store.close();
    }
  });

  it('replaces the ASN table with a MaxMind DB given by --geo-db', async () => {
    const mmdb = join(dir, 'GeoLite2-ASN.mmdb');
    writeFileSync(mmdb, writeMmdb([{ cidr: '8.8.8.0/24', data: { autonomous_system_number: 64500, autonomous_system_organization: 'TEST-AS' } }], 'GeoLite2-ASN'));
    const sources = parseNdjson(await ok(['enrich', '--db', db, '--geo-db', mmdb, '-f', 'ndjson']));
    expect(sources.find((s) => s.kind === 'asn')).toMatchObject({ source: 'GeoLite2-ASN.mmdb', ranges: 1 });
    const rows = parseNdjson(await ok(['enrich', '--db', db, '-f', 'ndjson', '8.8.8.8', '1.1.1.1']));
    expect(rows.map((r) => [r.asn, r.as_name, r.country])).toEqual([[64500, 'TEST-AS', 'US'], [null, null, 'AU']]);
  });

  it('keeps flows_enriched working after a later ingest adds columns of a newer format', async () => {
    const v3 = join(dir, 'v3.log');
    writeFileSync(v3, 'version vpc-id subnet-id instance-id interface-id account-id type srcaddr dstaddr srcport dstport pkt-srcaddr pkt-dstaddr protocol bytes packets start end action tcp-flags log-status\n' +
      '3 vpc-1 subnet-1 i-1 eni-1 1 IPv4 1.1.1.1 10.0.0.9 53 1000 1.1.1.1 10.0.0.9 17 200 1 1700000000 1700000060 ACCEPT 0 OK\n');
    await ok(['ingest', '--db', db, v3]);
    const rows = parseNdjson(await ok(['query', '--db', db, '-f', 'ndjson', "SELECT vpc_id, src_country, dst_asn FROM flows_enriched WHERE vpc_id = 'vpc-1'"]));
    expect(rows).toEqual([{ vpc_id: 'vpc-1', src_country: 'AU', dst_asn: null }]);
  });
});
