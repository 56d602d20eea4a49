import type { Hono } from 'hono';
import { z } from 'zod';
import type { Store } from '../store/index.js';
import { selectionToSql } from '../query/selection.js';
import type { CostsResponse } from './protocol.js';
import { parseParams } from './params.js';

const costsSchema = z.object({
  by: z.enum(['subnet', 'eni', 'instance', 'service']).optional(),
  start: z.coerce.number().int().optional(),
  end: z.coerce.number().int().optional(),
});

/** What the cost route needs: the store and the app's one-at-a-time queue for store calls. */
export interface CostRouteOptions {
  store: Store;
  queue: <T>(task: () => Promise<T>) => Promise<T>;
}

/** Adds GET /api/costs?by=subnet|eni|instance|service&start=&end=: the cost report (default prices) as JSON. */
export function registerCostRoutes(app: Hono, options: CostRouteOptions): void {
  app.get('/api/costs', async (c) => {
    const { by, start, end } = parseParams(costsSchema, c.req.query(), 'by is subnet, eni, instance or service; start and end are epoch seconds');
    const costs = await import('../costs/index.js');
    const where = await selectionToSql({ start, end });
    const report = await options.queue(() => costs.buildCostReport(options.store, { where, prices: costs.loadPrices(undefined), groupBy: by ?? 'subnet' }));
    const body: CostsResponse = { groupBy: by ?? 'subnet', ...report };
    return c.json(body);
  });
}
