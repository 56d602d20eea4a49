import { Hono } from 'hono';
import type { Context } from 'hono';
import { FlowlensError } from '../records/index.js';
import type { SqlSandbox } from '../engines/duckdb/index.js';
import type { Store } from '../store/index.js';
import { readFlowStats } from '../query/flow-stats.js';
import { selectionToSql } from '../query/selection.js';
import { buildGraph, pseudonymizeGraph } from '../graph/build-graph.js';
import { edgeDetails, nodeDetails, searchNodes, trafficHistogram } from '../graph/details.js';
import type { NameTable } from '../graph/names.js';
import type { Pseudonymizer } from '../graph/pseudonymize.js';
import { revealNodeId } from '../graph/pseudonymize-graph.js';
import type { Rules } from '../alerts/index.js';
import { registerAlertRoutes } from './alerts-route.js';
import { registerCostRoutes } from './costs-route.js';
import { registerExploreRoutes } from './explore-route.js';
import { registerQueryRoutes } from './query-route.js';
import { errorResponse, notFound } from './errors.js';
import { jsonBodyGuard, sameOriginGuard } from './guards.js';
import { parseQuery, QUERY_DEFAULTS } from './params.js';
import type { GraphResponse, HistogramResponse, InfoResponse, SearchResponse } from './protocol.js';
import { readStatic } from './static-files.js';

/** What the app serves: a store (opened read-only by `serve`), known names, an optional pseudonymization key, the built page. */
export interface AppOptions {
  store: Store;
  names?: NameTable | undefined;
  /** With a pseudonymizer the page may ask for pseudonyms (`pseudonymize=1`). */
  pseudonymizer?: Pseudonymizer | undefined;
  /** Pseudonymize every answer, whatever the request says. */
  alwaysPseudonymize?: boolean | undefined;
  /** Folder of the built page (web/dist); without it only the API is served. */
  staticDir?: string | undefined;
  version?: string | undefined;
  /** Rules (from `serve --rules`) that /api/alerts evaluates over the store for the page's window. */
  rules?: Rules | undefined;
  /**
   * Where POST /api/query runs user SQL, Insights and reports (default: a sandbox opened over the store on the first
   * query, which locks an in-memory store's DuckDB instance down: no file access from then on).
   */
  sandbox?: SqlSandbox | undefined;
  /** The time limit of one POST /api/query, in milliseconds (default 30 s); past it the query is interrupted (504). */
  queryTimeoutMs?: number | undefined;
}

/** Creates the HTTP app: the JSON API under /api (see protocol.ts) and the page. */
export function createApp(options: AppOptions): Hono {
  const { store, names } = options;
  const app = new Hono();
  const exclusive = createQueue();
  const originals = new Map<string, string>();
  const nameList = names ? [...new Set([...names.entries.map((e) => e.name), ...names.enis.values()])] : [];

  const scopeOf = async (c: Context) => {
    const parsed = await parseQuery(c.req.query(), names);
    const wanted = options.alwaysPseudonymize || parsed.pseudonymize === true;
    if (wanted && !options.pseudonymizer) {
      throw new FlowlensError('no-key', 'this server has no pseudonymization key', { hint: 'start it with `flowlens serve --key K` (or FLOWLENS_PSEUDONYM_KEY)' });
    }
    return { options: parsed.options, pseudonymizer: wanted ? options.pseudonymizer : undefined };
  };
  const realId = (id: string, pseudonymizer: Pseudonymizer | undefined): string =>
    pseudonymizer ? (originals.get(id) ?? revealNodeId(id, pseudonymizer)) : id;
  const required = (c: Context, name: string): string => {
    const value = c.req.query(name);
    if (!value) throw new FlowlensError('bad-request', `parameter ${name} is required`);
    return value;
  };

  app.onError((error, c) => errorResponse(error, c));
  // Only the page's own origin may send state-changing requests, and only as JSON of at most 1 MiB.
  app.use('/api/*', sameOriginGuard(), jsonBodyGuard());

  app.get('/api/info', async (c) => {
    const stats = await exclusive(() => readFlowStats(store));
    const body: InfoResponse = {
      version: options.version ?? '0.1.0',
      records: stats.records,
      timeRange: { min: stats.min, max: stats.max },
      canPseudonymize: options.pseudonymizer !== undefined,
      alwaysPseudonymize: options.alwaysPseudonymize === true,
      names: nameList.length,
      defaults: { ...QUERY_DEFAULTS },
    };
    return c.json(body);
  });

  app.get('/api/graph', async (c) => {
    const started = performance.now();
    const { options: graphOptions, pseudonymizer } = await scopeOf(c);
    let graph = await exclusive(() => buildGraph(store, { ...graphOptions, withPorts: false }));
    if (pseudonymizer) {
      const result = pseudonymizeGraph(graph, pseudonymizer);
      if (originals.size > 500_000) originals.clear();
      for (const [pseudo, original] of result.originals) originals.set(pseudo, original);
      graph = result.graph;
    }
    const index = new Map(graph.nodes.map((n, i) => [n.id, i]));
    const body: GraphResponse = {
      nodes: graph.nodes.map(({ id, kind, named, flows, bytes, rejected, degree }) => ({ id, kind, named, flows, bytes, rejected, degree })),
      edges: graph.edges.map((e) => ({
        s: index.get(e.source) as number, t: index.get(e.target) as number, flows: e.flows, bytes: e.bytes, packets: e.packets,
        accepted: e.accepted, rejected: e.rejected, weight: e.weight,
      })),
      stats: { records: graph.records, totalEdges: graph.totalEdges, nodes: graph.nodes.length, edges: graph.edges.length, pseudonymized: pseudonymizer !== undefined, millis: Math.round(performance.now() - started) },
    };
    return c.json(body);
  });

  app.get('/api/histogram', async (c) => {
    const { options: graphOptions } = await scopeOf(c);
    const { where: _ignored, ...rest } = graphOptions;
    const action = c.req.query('action');
    const where = action === 'ACCEPT' || action === 'REJECT' ? await selectionToSql({ action }) : undefined;
    const buckets = Number(c.req.query('buckets') ?? 120);
    const result = await exclusive(() => trafficHistogram(store, { ...rest, where }, Number.isInteger(buckets) && buckets > 0 && buckets <= 2000 ? buckets : 120));
    const body: HistogramResponse = result;
    return c.json(body);
  });

  app.get('/api/node', async (c) => {
    const id = required(c, 'id');
    const { options: graphOptions, pseudonymizer } = await scopeOf(c);
    const details = await exclusive(() => nodeDetails(store, realId(id, pseudonymizer), graphOptions, { pseudonymizer }));
    if (!details) throw notFound(`no flows touch node ${id} with these filters`, 'widen the time window or change the filters');
    return c.json(details);
  });

  app.get('/api/edge', async (c) => {
    const source = required(c, 'source');
    const target = required(c, 'target');
    const { options: graphOptions, pseudonymizer } = await scopeOf(c);
    const details = await exclusive(() => edgeDetails(store, realId(source, pseudonymizer), realId(target, pseudonymizer), graphOptions, { pseudonymizer }));
    if (!details) throw notFound(`no flows from ${source} to ${target} with these filters`);
    return c.json(details);
  });

  app.get('/api/search', async (c) => {
    const q = required(c, 'q');
    const { options: graphOptions, pseudonymizer } = await scopeOf(c);
    const hits = await exclusive(() => searchNodes(store, q, graphOptions, { pseudonymizer, names: nameList }));
    const body: SearchResponse = { hits };
    return c.json(body);
  });

  registerCostRoutes(app, { store, queue: exclusive });
  registerAlertRoutes(app, { store, queue: exclusive, rules: options.rules, pseudonymizer: options.pseudonymizer, alwaysPseudonymize: options.alwaysPseudonymize });
  registerQueryRoutes(app, { store, queue: exclusive, alwaysPseudonymize: options.alwaysPseudonymize, sandbox: sandboxFor(options), timeoutMs: options.queryTimeoutMs });
  registerExploreRoutes(app, { store, queue: exclusive, alwaysPseudonymize: options.alwaysPseudonymize });

  app.all('/api/*', () => {
    throw notFound('no such API endpoint', 'the API has /api/info, /api/graph, /api/histogram, /api/node, /api/edge, /api/search, /api/costs, /api/alerts, /api/reports and POST /api/query');
  });

  app.get('*', async (c) => {
    if (!options.staticDir) return c.text('flowlens API server: the page is not built (run `npm run build:web`).', 404);
    const file = (await readStatic(options.staticDir, c.req.path)) ?? (await readStatic(options.staticDir, '/'));
    if (!file) return c.text('not found', 404);
    c.header('Content-Type', file.type);
    c.header('Cache-Control', file.immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
    return c.body(new Uint8Array(file.body));
  });

  return app;
}

/** The sandbox of the query routes: the one given, else one opened over the store when the first query comes. */
function sandboxFor(options: AppOptions): () => Promise<SqlSandbox> {
  let opened: Promise<SqlSandbox> | undefined = options.sandbox ? Promise.resolve(options.sandbox) : undefined;
  return () => {
    opened ??= import('../engines/duckdb/index.js')
      .then(({ SqlSandbox }) => SqlSandbox.open(options.store, { connections: 2 }))
      .catch((error: unknown) => {
        opened = undefined;
        throw error;
      });
    return opened;
  };
}

/** Runs store calls one at a time: one DuckDB connection serves every request. */
function createQueue(): <T>(task: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(task: () => Promise<T>): Promise<T> => {
    const run = tail.then(task, task);
    tail = run.catch(() => undefined);
    return run;
  };
}
