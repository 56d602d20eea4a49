import type { Hono } from 'hono';
import { z } from 'zod';
import { readWatchState } from '../alerts/index.js';
import type { Rules } from '../alerts/index.js';
import type { Pseudonymizer } from '../graph/index.js';
import { FlowlensError } from '../records/index.js';
import type { Store } from '../store/index.js';
import { pseudonymizeAlerts } from './alerts-pseudonymize.js';
import { alertsFromRules, alertsFromWatch } from './alerts-view.js';
import type { AlertsView } from './alerts-view.js';
import type { AlertSourceDto, AlertsResponse } from './protocol.js';
import { parseParams } from './params.js';

/** What GET /api/alerts says when the server has no alert source. */
export const NO_ALERTS_HINT =
  'no alerts here: start the server with `flowlens serve --rules examples/rules.yaml` to evaluate a rules file over this data, ' +
  'or keep alarm states and history in the database with `flowlens watch --rules RULES.yaml --db DB SOURCE...` and serve that database';

const alertsSchema = z.object({
  start: z.coerce.number().int().optional(),
  end: z.coerce.number().int().optional(),
  pseudonymize: z.enum(['0', '1', 'true', 'false']).optional(),
  source: z.enum(['watch', 'rules']).optional(),
});

/** What the alerts route needs: the store, the app's one-at-a-time queue, the rules of `serve --rules`, and pseudonymization. */
export interface AlertRouteOptions {
  store: Store;
  queue: <T>(task: () => Promise<T>) => Promise<T>;
  rules?: Rules | undefined;
  pseudonymizer?: Pseudonymizer | undefined;
  alwaysPseudonymize?: boolean | undefined;
}

/**
 * Adds GET /api/alerts?start=&end=&source=&pseudonymize=: the alarms (state, since, datapoints, transitions) and
 * findings of the window, read from watch's state in the store or evaluated from the server's rules.
 */
export function registerAlertRoutes(app: Hono, options: AlertRouteOptions): void {
  // Rules evaluations are repeatable (the store does not change under `serve`), so recent answers are kept.
  const cache = new Map<string, AlertsView>();
  app.get('/api/alerts', async (c) => {
    const query = parseAlertsQuery(c.req.query());
    const wanted = options.alwaysPseudonymize === true || query.pseudonymize === '1' || query.pseudonymize === 'true';
    if (wanted && !options.pseudonymizer) {
      throw new FlowlensError('no-key', 'this server has no pseudonymization key', { hint: 'start it with `flowlens serve --key K` (or FLOWLENS_PSEUDONYM_KEY)' });
    }
    const saved = await options.queue(() => readWatchState(options.store));
    const sources: AlertSourceDto[] = [...(saved ? (['watch'] as const) : []), ...(options.rules ? (['rules'] as const) : [])];
    const source = query.source ?? sources[0];
    const window = { start: query.start, end: query.end };
    let view: AlertsView;
    if (source === undefined) {
      view = { source: null, range: null, alarms: [], findings: [], alarming: 0, hint: NO_ALERTS_HINT };
    } else if (!sources.includes(source)) {
      throw new FlowlensError('bad-request', `parameter source: this server has no ${source} alerts`, {
        hint: sources.length ? `use source=${sources.join(' or source=')}` : NO_ALERTS_HINT,
      });
    } else if (source === 'watch' && saved) {
      view = await options.queue(() => alertsFromWatch(options.store, saved, window, options.rules));
    } else {
      const rules = options.rules as Rules;
      const key = JSON.stringify([window.start ?? null, window.end ?? null]);
      view = cache.get(key) ?? (await options.queue(() => alertsFromRules(options.store, rules, window)));
      cache.delete(key);
      cache.set(key, view);
      if (cache.size > 16) cache.delete(cache.keys().next().value as string);
    }
    if (wanted && options.pseudonymizer) view = pseudonymizeAlerts(view, options.pseudonymizer);
    const body: AlertsResponse = { ...view, sources, pseudonymized: wanted };
    return c.json(body);
  });
}

function parseAlertsQuery(params: Record<string, string>): z.infer<typeof alertsSchema> {
  return parseParams(alertsSchema, params, 'start and end are epoch seconds; source is watch or rules; pseudonymize is 0 or 1');
}
