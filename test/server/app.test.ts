import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPseudonymizer, loadNameTable } from '../../src/graph/index.js';
import { createApp, startServer } from '../../src/server/index.js';
import type { EdgeResponse, ErrorResponse, GraphResponse, HistogramResponse, InfoResponse, NodeResponse, SearchResponse } from '../../src/server/index.js';
import type { Store } from '../../src/store/index.js';
import { fixtureStore, graphFixture } from '../graph/fixture.js';

let store: Store;
let app: ReturnType<typeof createApp>;
let staticDir: string;

beforeAll(async () => {
  store = await fixtureStore();
  staticDir = mkdtempSync(join(tmpdir(), 'flowlens-web-'));
  mkdirSync(join(staticDir, 'assets'));
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>flowlens</title>');
  writeFileSync(join(staticDir, 'assets', 'app.js'), 'console.log(1)');
  const names = await loadNameTable({ names: [graphFixture('names.yaml')] });
  app = createApp({ store, names, pseudonymizer: createPseudonymizer('server key'), staticDir });
});
afterAll(() => {
  store.close();
  rmSync(staticDir, { recursive: true, force: true });
});

async function get<T>(path: string, status = 200): Promise<T> {
  const response = await app.request(path);
  expect(response.status, path).toBe(status);
  expect(response.headers.get('content-type')).toContain('application/json');
  return (await response.json()) as T;
}

describe('createApp API', () => {
  it('GET /api/info describes the data and capabilities', async () => {
    const info = await get<InfoResponse>('/api/info');
    expect(info).toMatchObject({ records: 17, timeRange: { min: 1700000000, max: 1700000420 }, canPseudonymize: true, alwaysPseudonymize: false, names: 3 });
  });

  it('GET /api/graph builds the graph with indices into nodes', async () => {
    const graph = await get<GraphResponse>('/api/graph?public=keep');
    expect(graph.stats).toMatchObject({ records: 16, nodes: 7, edges: 13, totalEdges: 13, pseudonymized: false });
    const ids = graph.nodes.map((n) => n.id);
    expect(ids).toContain('postgres');
    const lbToWeb = graph.edges.find((e) => ids[e.s] === 'load-balancer-0' && ids[e.t] === '10.0.1.10');
    expect(lbToWeb).toMatchObject({ flows: 2, bytes: 1000, weight: 2 });
  });

  it('re-queries with filters: action, protocol, port, minFlows, top, node, time window', async () => {
    expect((await get<GraphResponse>('/api/graph?action=REJECT')).stats.edges).toBe(2);
    expect((await get<GraphResponse>('/api/graph?protocol=udp')).stats.edges).toBe(2);
    expect((await get<GraphResponse>('/api/graph?port=22')).stats.records).toBe(2);
    expect((await get<GraphResponse>('/api/graph?minFlows=2&public=keep')).stats.edges).toBe(3);
    expect((await get<GraphResponse>('/api/graph?top=4&weight=bytes')).edges.map((e) => e.bytes)).toEqual([7000, 4000, 2000, 1200]);
    expect((await get<GraphResponse>('/api/graph?node=subnet/24&public=keep')).nodes).toHaveLength(6);
    expect((await get<GraphResponse>('/api/graph?start=1700000300&end=1700000400')).stats.records).toBe(3);
  });

  it('GET /api/histogram buckets traffic over the whole time range', async () => {
    const histogram = await get<HistogramResponse>('/api/histogram?start=1700000300');
    expect(histogram).toMatchObject({ bucketSeconds: 60, min: 1700000000, max: 1700000420 });
    expect(histogram.buckets.reduce((sum, b) => sum + b.flows, 0)).toBe(16);
    expect(histogram.buckets.reduce((sum, b) => sum + b.rejected, 0)).toBe(3);
  });

  it('GET /api/node returns peers, ports, timeline and flows', async () => {
    const node = await get<NodeResponse>('/api/node?id=postgres&public=keep');
    expect(node.totals).toMatchObject({ flows: 6, bytes: 8480, rejected: 2 });
    expect(node.peers.map((p) => `${p.direction}:${p.id}`).sort()).toEqual(['in:10.0.1.10', 'in:10.0.1.11', 'in:198.51.100.7', 'out:10.0.1.10']);
    expect(node.ports.find((p) => p.port === 5432 && p.direction === 'in')).toMatchObject({ flows: 3 });
    expect(node.flows).toHaveLength(6);
    expect(node.timeline.reduce((s, b) => s + b.flows, 0)).toBe(6);
  });

  it('GET /api/edge returns the flows of one edge', async () => {
    const edge = await get<EdgeResponse>('/api/edge?source=load-balancer-0&target=10.0.1.10');
    expect(edge.totals).toMatchObject({ flows: 2, bytes: 1000, accepted: 2, rejected: 0, firstSeen: 1700000060, lastSeen: 1700000120 });
    expect(edge.ports).toEqual([expect.objectContaining({ protocol: 6, port: 8080, flows: 2 })]);
    expect(edge.flows.map((f) => f.interfaceId).sort()).toEqual(['eni-0a1b2c3d4e5f60001', 'eni-0a1b2c3d4e5f60002']);
  });

  it('GET /api/search finds nodes by name, address prefix and CIDR', async () => {
    expect((await get<SearchResponse>('/api/search?q=post')).hits[0]).toMatchObject({ id: 'postgres', kind: 'name' });
    expect((await get<SearchResponse>('/api/search?q=10.0.1.12')).hits).toEqual([{ id: 'load-balancer-0', kind: 'name', match: '10.0.1.12' }]);
    const subnet = await get<SearchResponse>('/api/search?q=10.0.1.0/24&node=subnet/24');
    expect(subnet.hits.map((h) => h.id)).toEqual(['10.0.1.0/24', 'load-balancer-0']);
  });

  it('pseudonymizes on request and resolves pseudonymous ids in detail requests', async () => {
    const graph = await get<GraphResponse>('/api/graph?pseudonymize=1&public=keep');
    expect(graph.stats.pseudonymized).toBe(true);
    const ids = graph.nodes.map((n) => n.id);
    expect(ids).toContain('postgres');
    expect(ids).not.toContain('10.0.1.10');
    const web1 = createPseudonymizer('server key').address('10.0.1.10');
    const node = await get<NodeResponse>(`/api/node?id=${web1}&pseudonymize=1`);
    expect(node.id).toBe(web1);
    expect(JSON.stringify(node)).not.toContain('10.0.1.');
    const search = await get<SearchResponse>(`/api/search?q=${web1}/32&pseudonymize=1`);
    expect(search.hits.map((h) => h.id)).toEqual([web1]);
  });

  it.each([
    ['/api/graph?top=abc', 400, 'bad-request'],
    ['/api/graph?top=0', 400, 'bad-request'],
    ['/api/graph?node=mac', 400, 'bad-request'],
    ['/api/graph?port=99999', 400, 'bad-request'],
    ['/api/graph?action=DROP', 400, 'bad-request'],
    ['/api/graph?start=20&end=10', 400, 'bad-request'],
    ['/api/node', 400, 'bad-request'],
    ['/api/node?id=nobody', 404, 'not-found'],
    ['/api/edge?source=a&target=b', 404, 'not-found'],
    ['/api/nothing', 404, 'not-found'],
  ])('answers %s with %i {error, code: %s}', async (path, status, code) => {
    const body = await get<ErrorResponse>(path, status);
    expect(body.code).toBe(code);
    expect(body.error.length).toBeGreaterThan(0);
  });

  it('answers 400 no-key when pseudonyms are asked of a server without a key', async () => {
    const keyless = createApp({ store });
    const response = await keyless.request('/api/graph?pseudonymize=1');
    expect(response.status).toBe(400);
    expect(((await response.json()) as ErrorResponse).code).toBe('no-key');
  });

  it('always pseudonymizes when started so, whatever the request says', async () => {
    const strict = createApp({ store, pseudonymizer: createPseudonymizer('k'), alwaysPseudonymize: true });
    const graph = (await (await strict.request('/api/graph?pseudonymize=0&public=keep')).json()) as GraphResponse;
    expect(graph.stats.pseudonymized).toBe(true);
    expect(graph.nodes.map((n) => n.id)).not.toContain('10.0.1.10');
  });

  it('serves the page, its assets, and index.html for other paths; never files outside the folder', async () => {
    const index = await app.request('/');
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toContain('text/html');
    expect(await index.text()).toContain('<title>flowlens</title>');
    const asset = await app.request('/assets/app.js');
    expect(asset.headers.get('content-type')).toContain('javascript');
    expect(asset.headers.get('cache-control')).toContain('immutable');
    const escape = await app.request('/..%2f..%2fetc%2fpasswd');
    expect(await escape.text()).toContain('<title>flowlens</title>');
  });
});

describe('startServer', () => {
  it('serves the API over a real socket on 127.0.0.1', async () => {
    const server = await startServer(app, { port: 0 });
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      const response = await fetch(new URL('/api/graph?node=subnet/24', server.url));
      expect(response.status).toBe(200);
      const graph = (await response.json()) as GraphResponse;
      expect(graph.stats.nodes).toBeGreaterThan(0);
      const bad = await fetch(new URL('/api/graph?weight=heavy', server.url));
      expect(bad.status).toBe(400);
    } finally {
      await server.close();
    }
  });
});
