import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildGraph, buildHypergraph, trafficHistogram } from '../../src/graph/index.js';
import { createApp } from '../../src/server/index.js';
import { Store } from '../../src/store/index.js';
import { runFlowlens } from '../helpers/cli.js';
import { AWS_RANGES } from '../helpers/enrich-fixture.js';
import { V2_HEADER } from '../helpers/temp-store.js';

const dir = mkdtempSync(join(tmpdir(), 'flowlens-geofilter-'));
const db = join(dir, 'flows.duckdb');
const logs = join(dir, 'flows.log');
const line = (src: string, dst: string, dstport: number, bytes: number, start = 1700000000): string =>
  `2 123456789012 eni-0a1 ${src} ${dst} 40000 ${dstport} 6 10 ${bytes} ${start} ${start + 60} ACCEPT OK`;
writeFileSync(logs, [
  V2_HEADER,
  line('10.0.1.5', '8.8.8.8', 443, 1000), // Google, US
  line('8.8.8.8', '10.0.1.5', 40000, 5000), // Google, US (public end is the source)
  line('10.0.1.5', '1.1.1.1', 53, 300, 1700003600), // Cloudflare, AU
  line('10.0.1.6', '52.216.10.20', 443, 7000), // Amazon, US, S3 us-east-1
  line('10.0.1.6', '10.0.1.5', 22, 100), // private to private: no AS, no country
  line('8.8.8.8', '1.1.1.1', 53, 40), // both ends public: US and AU
].join('\n') + '\n');

async function ok(argv: string[]): Promise<string> {
  const run = await runFlowlens(argv);
  if (run.code !== 0) throw new Error(`flowlens ${argv.join(' ')} exited ${run.code}: ${run.stderr}`);
  return run.stdout;
}

type Graph = { edges: { src: string; dst: string }[] };
const edgesOf = (graph: Graph): string[] => graph.edges.map((e) => `${e.src}>${e.dst}`).sort();
const graphEdges = async (...args: string[]): Promise<string[]> => edgesOf(JSON.parse(await ok(['graph', '--db', db, ...args])) as Graph);

describe('graph filters on AS, country and AWS service of either end', () => {
  beforeAll(async () => {
    await ok(['ingest', '--db', db, logs]);
    await ok(['enrich', '--db', db, '--aws-ranges', AWS_RANGES, '-f', 'ndjson']);
  }, 240_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps a flow when either end is in one of the countries (private ends never match)', async () => {
    expect(await graphEdges('--country', 'US')).toEqual(['10.0.1.5>8.8.8.8', '10.0.1.6>52.216.10.20', '8.8.8.8>1.1.1.1', '8.8.8.8>10.0.1.5']);
    expect(await graphEdges('--country', 'au')).toEqual(['10.0.1.5>1.1.1.1', '8.8.8.8>1.1.1.1']);
    expect(await graphEdges('--country', 'DE')).toEqual([]);
  });

  it('filters by AS number, AS name and AWS service, and several filters must all match', async () => {
    expect(await graphEdges('--asn', 'AS13335')).toEqual(['10.0.1.5>1.1.1.1', '8.8.8.8>1.1.1.1']);
    expect(await graphEdges('--asn', '15169,16509')).toEqual(['10.0.1.5>8.8.8.8', '10.0.1.6>52.216.10.20', '8.8.8.8>1.1.1.1', '8.8.8.8>10.0.1.5']);
    expect(await graphEdges('--as-name', 'CLOUDFLARE|amazon')).toEqual(['10.0.1.5>1.1.1.1', '10.0.1.6>52.216.10.20', '8.8.8.8>1.1.1.1']);
    expect(await graphEdges('--aws-service', 's3')).toEqual(['10.0.1.6>52.216.10.20']);
    // 8.8.8.8 → 1.1.1.1 is the one flow with a US end and an AS13335 end.
    expect(await graphEdges('--country', 'US', '--asn', '13335')).toEqual(['8.8.8.8>1.1.1.1']);
    expect(await graphEdges('--country', 'US', '--port', '443', '--node', 'country')).toEqual(['10.0.1.5>US', '10.0.1.6>US']);
  });

  it('refuses malformed values with exit code 2 and names the option', async () => {
    for (const [option, value] of [['--country', 'USA'], ['--asn', 'google'], ['--aws-service', 'S3 us-east-1'], ['--as-name', '|']]) {
      const run = await runFlowlens(['graph', '--db', db, option!, value!]);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(option);
    }
  });

  it('gives the same edges from the rollups and from the flows table, and filters the hypergraph and histogram', async () => {
    const store = await Store.open(db, { readOnly: true });
    try {
      const options = { countries: ['US'], asNames: ['google'] };
      const fromRollups = await buildGraph(store, options);
      const fromFlows = await buildGraph(store, { ...options, useRollups: false });
      expect(fromRollups.edges.map((e) => [e.source, e.target, e.bytes])).toEqual(fromFlows.edges.map((e) => [e.source, e.target, e.bytes]));
      expect(fromFlows.edges.map((e) => [e.source, e.target, e.bytes]).sort()).toEqual([
        ['10.0.1.5', '8.8.8.8', 1000], ['8.8.8.8', '1.1.1.1', 40], ['8.8.8.8', '10.0.1.5', 5000],
      ]);
      expect(fromFlows.records).toBe(3);
      // A port filter reads the flows table; the filters then look up the addresses of the rollups.
      const ported = await buildGraph(store, { countries: ['US'], ports: [443] });
      const portedFlows = await buildGraph(store, { countries: ['US'], ports: [443], useRollups: false });
      expect(ported.edges.map((e) => [e.source, e.target, e.bytes]).sort()).toEqual([['10.0.1.5', '8.8.8.8', 1000], ['10.0.1.6', '52.216.10.20', 7000]]);
      expect(portedFlows.edges).toEqual(ported.edges);
      const hypergraph = await buildHypergraph(store, { countries: ['AU'] });
      expect(hypergraph.events.rows.map((r) => `${String(r.srcaddr)}>${String(r.dstaddr)}`).sort()).toEqual(['10.0.1.5>1.1.1.1', '8.8.8.8>1.1.1.1']);
      const histogram = await trafficHistogram(store, { asns: [13335] });
      expect(histogram.buckets.reduce((n, b) => n + b.bytes, 0)).toBe(340);
    } finally {
      store.close();
    }
  });

  it('validates and applies asn, asName, country and awsService parameters of the API', async () => {
    const store = await Store.open(db, { readOnly: true });
    try {
      const app = createApp({ store });
      const response = await app.request('/api/graph?country=us&awsService=S3&public=keep');
      expect(response.status).toBe(200);
      const body = (await response.json()) as { nodes: { id: string }[]; edges: unknown[]; stats: { records: number } };
      expect(body.nodes.map((n) => n.id).sort()).toEqual(['10.0.1.6', '52.216.10.20']);
      expect(body.stats.records).toBe(1);
      const named = (await (await app.request('/api/graph?asName=google&asn=15169&node=asn')).json()) as { nodes: { id: string }[] };
      expect(named.nodes.map((n) => n.id.split(' ')[0]).sort()).toEqual(['10.0.1.5', 'AS13335', 'AS15169']);
      for (const [param, value] of [['country', 'USA'], ['asn', 'x1'], ['awsService', 'S3!'], ['asName', '|']]) {
        const bad = await app.request(`/api/graph?${param}=${encodeURIComponent(value!)}`);
        expect(bad.status).toBe(400);
        expect(await bad.json()).toMatchObject({ code: 'bad-request', error: expect.stringContaining(param!) });
      }
      const histogram = (await (await app.request('/api/histogram?country=AU')).json()) as { buckets: { bytes: number }[] };
      expect(histogram.buckets.reduce((n, b) => n + b.bytes, 0)).toBe(340);
    } finally {
      store.close();
    }
  });

  it('documents the filters in the command help', async () => {
    const help = await runFlowlens(['graph', '--help']);
    for (const option of ['--asn <list>', '--as-name <text>', '--country <list>', '--aws-service <list>']) expect(help.stdout).toContain(option);
  });
});
