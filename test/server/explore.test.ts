import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/server/index.js';
import type { ErrorResponse, ExploreDimensionsResponse, ExploreRequest, ExploreResponse } from '../../src/server/protocol.js';
import type { Store } from '../../src/store/index.js';
import { fixtureStore, fixtureRecords } from '../graph/fixture.js';

let store: Store;
let app: ReturnType<typeof createApp>;

const post = (body: unknown, target = app) =>
  target.request('/api/explore', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });

describe('explore routes', () => {
  beforeAll(async () => {
    store = await fixtureStore();
    app = createApp({ store });
  });

  afterAll(() => store?.close());

  it('lists the dimensions holding values, the metrics and the time range', async () => {
    const response = await app.request('/api/explore/dimensions');
    expect(response.status).toBe(200);
    const body = (await response.json()) as ExploreDimensionsResponse;
    expect(body.dimensions.map((d) => d.id)).toEqual(['srcaddr', 'dstaddr', 'srcport', 'dstport', 'protocol', 'action', 'interface_id', 'account_id']);
    expect(body.metrics).toEqual(['bytes', 'packets', 'flows']);
    const starts = fixtureRecords().map((r) => Number(r.start));
    expect(body.timeRange).toEqual({ min: Math.min(...starts), max: Math.max(...starts) });
  });

  it('answers the top groups and the series of a question', async () => {
    const request: ExploreRequest = { dimensions: ['srcaddr', 'dstport'], metric: 'bytes', filter: 'action = "ACCEPT"', limit: 3 };
    const response = await post(request);
    expect(response.status).toBe(200);
    const body = (await response.json()) as ExploreResponse;
    const accepted = fixtureRecords().filter((r) => r.action === 'ACCEPT');
    expect(body.total).toBe(accepted.reduce((sum, r) => sum + Number(r.bytes), 0));
    expect(body.rows).toHaveLength(3);
    expect(body.series.values).toHaveLength(4);
    expect(body.dimensions).toEqual(['srcaddr', 'dstport']);
    expect(typeof body.elapsedMs).toBe('number');
  });

  it.each<[string, unknown, number, string]>([
    ['an unknown dimension', { dimensions: ['srcaddr"; --'], metric: 'bytes' }, 400, 'bad-request'],
    ['four dimensions', { dimensions: ['srcaddr', 'dstaddr', 'srcport', 'dstport'], metric: 'bytes' }, 400, 'bad-request'],
    ['an unknown metric', { dimensions: ['srcaddr'], metric: 'bits' }, 400, 'bad-request'],
    ['a body that is not JSON', '{dimensions', 400, 'bad-request'],
    ['a filter with a syntax error', { dimensions: ['srcaddr'], metric: 'bytes', filter: 'action =' }, 400, 'syntax'],
    ['a filter on an unknown field', { dimensions: ['srcaddr'], metric: 'bytes', filter: 'dstPrt = 22' }, 400, 'unknown-field'],
  ])('answers %s with %i %s', async (_name, body, status, code) => {
    const response = await post(body);
    expect(response.status).toBe(status);
    expect(((await response.json()) as ErrorResponse).code).toBe(code);
  });

  it('points at the spot of a filter error', async () => {
    const body = (await (await post({ dimensions: ['srcaddr'], metric: 'bytes', filter: 'action = "REJECT" and\n  dstPrt = 22' })).json()) as ErrorResponse;
    expect(body.position).toEqual({ line: 2, column: 3 });
  });

  it('is off on a server that pseudonymizes every answer', async () => {
    const pseudonymous = createApp({ store, alwaysPseudonymize: true });
    expect((await post({ dimensions: ['srcaddr'], metric: 'bytes' }, pseudonymous)).status).toBe(403);
    expect((await pseudonymous.request('/api/explore/dimensions')).status).toBe(403);
  });
});
