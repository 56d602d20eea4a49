import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/server/index.js';
import type { CostsResponse, ErrorResponse } from '../../src/server/index.js';
import type { Store } from '../../src/store/index.js';
import { COST_T0, costFixtureStore } from './costs-fixture.js';

let store: Store;
let app: ReturnType<typeof createApp>;

beforeAll(async () => {
  store = await costFixtureStore();
  app = createApp({ store });
});
afterAll(() => store.close());

async function costs(query = ''): Promise<CostsResponse> {
  const response = await app.request(`/api/costs${query}`);
  expect(response.status).toBe(200);
  return (await response.json()) as CostsResponse;
}

describe('GET /api/costs', () => {
  it('returns the cost report grouped by subnet with exact numbers at default prices', async () => {
    const report = await costs();
    expect(report.groupBy).toBe('subnet');
    expect(report.days).toBe(1);
    const line = (category: string) => report.lines.filter((l) => l.category === category);
    expect(line('nat-processing')).toEqual([{ category: 'nat-processing', group: 'subnet-a', peer_service: 'S3', gib: 2, usd: 0.09, gib_per_day: 2, usd_per_month: 2.7 }]);
    expect(line('gateway-endpoint-candidate')).toMatchObject([{ group: 'subnet-a', peer_service: 'S3', gib: 10, usd: 0.45, usd_per_month: 13.5 }]);
    expect(line('cross-az')).toMatchObject([{ group: 'subnet-a', peer_service: 'use1-az1 → use1-az2', gib: 1, usd: 0.02 }]);
    expect(line('internet-egress')).toMatchObject([{ group: 'subnet-b', gib: 3, usd: 0.27, usd_per_month: 8.1 }]);
    expect(report.recommendations[0]).toContain('a S3 gateway endpoint would save ~$13.50/month');
    expect(report.caveats.length).toBeGreaterThan(0);
    expect(report.prices.natGatewayProcessingPerGb).toBe(0.045);
  });

  it('groups by instance and restricts to the time window on start', async () => {
    const byInstance = await costs('?by=instance');
    expect(byInstance.groupBy).toBe('instance');
    expect(byInstance.lines.find((l) => l.category === 'internet-egress')?.group).toBe('i-b');
    const early = await costs(`?start=${COST_T0}&end=${COST_T0 + 60}`);
    expect(early.lines.some((l) => l.category === 'internet-egress')).toBe(false);
    expect(early.lines.find((l) => l.category === 'nat-processing')?.gib).toBe(2);
  });

  it('rejects a bad grouping or window with 400 bad-request', async () => {
    for (const query of ['?by=region', `?start=${COST_T0}&end=${COST_T0}`]) {
      const response = await app.request(`/api/costs${query}`);
      expect(response.status).toBe(400);
      expect(((await response.json()) as ErrorResponse).code).toBe('bad-request');
    }
  });
});
