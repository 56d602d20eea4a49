import type { Hono } from 'hono';
import { z } from 'zod';
import { QueryError } from '../records/index.js';
import type { Store } from '../store/index.js';
import { EXPLORE_DIMENSIONS, EXPLORE_METRICS, exploreFlows, presentDimensions } from '../query/explore.js';
import type { ExploreDimension } from '../query/explore.js';
import { countIngestUnits, readStartRange } from '../query/flow-stats.js';
import { HttpError } from './errors.js';
import { parseParams } from './params.js';
import type { ExploreDimensionsResponse, ExploreResponse } from './protocol.js';

const requestSchema = z.object({
  dimensions: z.array(z.enum(EXPLORE_DIMENSIONS.map((d) => d.id) as [string, ...string[]])).min(1).max(3),
  metric: z.enum(EXPLORE_METRICS as unknown as [string, ...string[]]),
  start: z.number().int().optional(),
  end: z.number().int().optional(),
  filter: z.string().max(4000).optional(),
  limit: z.number().int().min(1).max(50).optional(),
  points: z.number().int().min(10).max(500).optional(),
});

const HINT = 'dimensions: 1–3 of /api/explore/dimensions; metric: bytes, packets or flows; start/end: epoch seconds; limit 1–50; points 10–500';

/** What the explore routes need: the store, the app's one-at-a-time queue, and whether every answer must be pseudonymized. */
export interface ExploreRouteOptions {
  store: Store;
  queue: <T>(task: () => Promise<T>) => Promise<T>;
  alwaysPseudonymize?: boolean | undefined;
}

/**
 * Adds GET /api/explore/dimensions and POST /api/explore (top-N groups of one to three dimensions, a stacked time
 * series, filtered by an Insights expression). A server that always pseudonymizes refuses them (403): their keys are
 * addresses and other identifiers in the clear.
 */
export function registerExploreRoutes(app: Hono, options: ExploreRouteOptions): void {
  let present: { units: number; dimensions: ExploreDimension[] } | undefined;
  const refuse = (): void => {
    if (!options.alwaysPseudonymize) return;
    throw new HttpError(403, 'pseudonymized', 'this server pseudonymizes every answer, so the Explore tab (which groups by addresses and ids in the clear) is off', {
      hint: 'restart `flowlens serve` without --pseudonymize to explore, or use the graph',
    });
  };

  app.get('/api/explore/dimensions', async (c) => {
    refuse();
    const body = await options.queue(async () => {
      // The store is read-only while served, but `serve SOURCE…` may still be loading: recount when units change.
      const units = await countIngestUnits(options.store);
      if (present?.units !== units) present = { units, dimensions: await presentDimensions(options.store) };
      const range = await readStartRange(options.store);
      const result: ExploreDimensionsResponse = {
        dimensions: present.dimensions,
        metrics: [...EXPLORE_METRICS],
        timeRange: { min: range.first, max: range.last },
      };
      return result;
    });
    return c.json(body);
  });

  app.post('/api/explore', async (c) => {
    refuse();
    const raw: unknown = await c.req.json().catch(() => {
      throw new HttpError(400, 'bad-request', 'the body is not JSON', { hint: HINT });
    });
    const request = parseParams(requestSchema, raw, HINT, 'field');
    try {
      // Timed inside the queue: the store's time, not the wait behind another request.
      const body: ExploreResponse = await options.queue(async () => {
        const started = performance.now();
        const result = await exploreFlows(options.store, { ...request, metric: request.metric as ExploreResponse['metric'] });
        return { ...result, elapsedMs: Math.round(performance.now() - started) };
      });
      return c.json(body);
    } catch (error) {
      // A filter the user wrote that does not compile is the request's fault, with the spot it points at.
      if (error instanceof QueryError && error.code !== 'sql') throw HttpError.from(error, 400);
      throw error;
    }
  });
}
