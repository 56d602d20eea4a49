import { FlowlensError, UsageError } from '../records/index.js';
import type { Hypergraph, HypergraphRow } from './hypergraph.js';

/** Where and as whom to upload: a Graphistry server and a username/password or a personal key (id and secret). */
export interface GraphistrySettings {
  server: string;
  username?: string | undefined;
  password?: string | undefined;
  keyId?: string | undefined;
  keySecret?: string | undefined;
  org?: string | undefined;
}

/** Command-line values for the settings; unset ones come from FLOWLENS_GRAPHISTRY_* in the environment. */
export interface GraphistryFlags {
  server?: string | undefined;
  username?: string | undefined;
  password?: string | undefined;
  keyId?: string | undefined;
  keySecret?: string | undefined;
  org?: string | undefined;
}

/** The public Graphistry Hub, used when no server is given. */
export const GRAPHISTRY_HUB = 'https://hub.graphistry.com';

/** Options of an upload beyond the settings: the dataset name. */
export interface UploadOptions {
  name?: string | undefined;
}

/** What an upload made: the dataset id and the URL that opens the visualization. */
export interface GraphistryUpload {
  datasetId: string;
  url: string;
}

/**
 * Settles the Graphistry settings from flags, else FLOWLENS_GRAPHISTRY_SERVER, _USERNAME, _PASSWORD, _KEY_ID,
 * _KEY_SECRET and _ORG; throws UsageError (without echoing a secret) when neither a username and password nor a
 * personal key is complete.
 */
export function resolveGraphistrySettings(flags: GraphistryFlags, env: Readonly<Record<string, string | undefined>>): GraphistrySettings {
  const pick = (flag: string | undefined, name: string): string | undefined => (flag ?? env[`FLOWLENS_GRAPHISTRY_${name}`]) || undefined;
  const settings: GraphistrySettings = {
    server: pick(flags.server, 'SERVER') ?? GRAPHISTRY_HUB,
    username: pick(flags.username, 'USERNAME'),
    password: pick(flags.password, 'PASSWORD'),
    keyId: pick(flags.keyId, 'KEY_ID'),
    keySecret: pick(flags.keySecret, 'KEY_SECRET'),
    org: pick(flags.org, 'ORG'),
  };
  let url: URL;
  try {
    url = new URL(settings.server);
  } catch {
    throw new UsageError(`the Graphistry server "${settings.server}" is not a URL`, { hint: `e.g. --graphistry-server ${GRAPHISTRY_HUB}` });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`the Graphistry server "${settings.server}" must be an http:// or https:// URL`);
  const login = settings.username !== undefined && settings.password !== undefined;
  const key = settings.keyId !== undefined && settings.keySecret !== undefined;
  if (!login && !key) {
    throw new UsageError('uploading to Graphistry needs an account', {
      hint: 'set FLOWLENS_GRAPHISTRY_USERNAME and FLOWLENS_GRAPHISTRY_PASSWORD, or FLOWLENS_GRAPHISTRY_KEY_ID and FLOWLENS_GRAPHISTRY_KEY_SECRET (a personal key); flags work too but show in the process list',
    });
  }
  return settings;
}

/**
 * Uploads a hypergraph's nodes and edges with Graphistry's own upload client (@graphistry/js-upload-api): log in
 * (username/password, else personal key), create and fill a JSON node file and edge file, create the dataset
 * bound as the notebook plots it (`bind(source, destination, node=nodeID, point_title=nodeTitle,
 * edge_title=bytes_sum)`), and return the visualization URL. Secrets and tokens are never part of an error.
 */
export async function uploadHypergraph(hypergraph: Hypergraph, settings: GraphistrySettings, options: UploadOptions = {}): Promise<GraphistryUpload> {
  const { Client, ClientPKey, Dataset, EdgeFile, NodeFile } = await import('@graphistry/js-upload-api');
  const url = new URL(settings.server);
  const protocol = url.protocol.replace(':', '');
  const base = `${url.protocol}//${url.host}`;
  const cells = hypergraph.edgeCount * hypergraph.edges.columns.length + hypergraph.nodes.rows.length * hypergraph.nodes.columns.length;
  if (cells > MAX_UPLOAD_CELLS) {
    throw new UsageError(`the hypergraph has ${cells} cells (${hypergraph.edgeCount} edges), more than the ${MAX_UPLOAD_CELLS} a JSON upload takes`, {
      hint: 'narrow the selection (--action, --start/--end, --protocol, --port) or pick fewer --entities; --export hypergraph --out DIR writes any size',
    });
  }
  const session = createSession(base);
  return quietly(session, async () => {
    const client =
      settings.username !== undefined && settings.password !== undefined
        ? new Client(settings.username, settings.password, settings.org, protocol, url.host, base, session.fetch, undefined, 'flowlens')
        : new ClientPKey(settings.keyId ?? '', settings.keySecret ?? '', settings.org, protocol, url.host, base, session.fetch, undefined, 'flowlens');
    const edgeTitle = hypergraph.edges.columns.includes('bytes_sum') ? { edge_title: 'bytes_sum' } : {};
    const dataset = new Dataset(
      {
        name: options.name ?? 'flowlens VPC flow logs',
        node_encodings: { bindings: { node: 'nodeID', node_title: 'nodeTitle' } },
        edge_encodings: { bindings: { source: hypergraph.source, destination: hypergraph.destination, ...edgeTitle } },
        metadata: {},
      },
      new EdgeFile(columnar({ columns: hypergraph.edges.columns, rows: hypergraph.edgeRows() }), 'json', 'edges'),
      new NodeFile(columnar(hypergraph.nodes), 'json', 'nodes'),
    );
    try {
      await dataset.upload(client);
    } catch (error) {
      if (error instanceof FlowlensError) throw error;
      throw new FlowlensError('graphistry-upload-failed', `uploading to Graphistry at ${base} failed: ${(error as Error).message}`, {
        hint: 'check the server URL and that it runs Graphistry 2.x with the REST upload API',
      });
    }
    const datasetId = dataset.datasetID;
    if (!datasetId) throw new FlowlensError('graphistry-upload-failed', `Graphistry at ${base} created no dataset`);
    return { datasetId, url: dataset.datasetURL };
  });
}

/** A table in Graphistry's columnar JSON: `{column: [values…]}` (rows read once, so a generator will do). */
export function columnar(table: { columns: readonly string[]; rows: Iterable<HypergraphRow> }): Record<string, (string | number | null)[]> {
  const out: Record<string, (string | number | null)[]> = Object.fromEntries(table.columns.map((column) => [column, []]));
  for (const row of table.rows) for (const column of table.columns) out[column]?.push(row[column] ?? null);
  return out;
}

/** The most cells (rows × columns of the edge and node tables) one JSON upload carries. */
export const MAX_UPLOAD_CELLS = 10_000_000;

interface UploadSession {
  fetch: typeof fetch;
  /** Aborts the requests in flight and refuses new ones. */
  abort(): void;
  /** Resolves once no request is in flight. */
  settled(): Promise<void>;
}

// The upload client returns whatever the server sent; a refused login or upload becomes one error naming the
// path and HTTP status (never the request, which holds the password, key or token). The client uploads the two
// files in parallel, so after one fails the other is aborted and awaited before the console comes back.
function createSession(base: string): UploadSession {
  const controller = new AbortController();
  let pending = 0;
  const idle: (() => void)[] = [];
  const fetchChecked: typeof fetch = async (input, init) => {
    if (controller.signal.aborted) throw new FlowlensError('graphistry-upload-failed', 'upload stopped');
    const target = String(input);
    pending++;
    let response: Response;
    try {
      response = await fetch(input, { ...init, signal: controller.signal });
    } catch (error) {
      throw new FlowlensError('graphistry-unreachable', `cannot reach Graphistry at ${base}: ${(error as Error).message}`, {
        hint: 'check --graphistry-server (or FLOWLENS_GRAPHISTRY_SERVER) and the network',
        cause: error,
      });
    } finally {
      if (--pending === 0) for (const resolve of idle.splice(0)) resolve();
    }
    if (!response.ok) {
      const path = target.startsWith(base) ? target.slice(base.length) : new URL(target).pathname;
      const auth = path.includes('/auth/');
      throw new FlowlensError('graphistry-upload-failed', `Graphistry at ${base} answered HTTP ${response.status} to ${path}`, {
        hint: auth ? 'check the username and password (or personal key id and secret), and --graphistry-org' : 'the server refused the upload; check the account can upload',
      });
    }
    return response;
  };
  return {
    fetch: fetchChecked,
    abort: () => controller.abort(),
    settled: () => (pending === 0 ? Promise.resolve() : new Promise<void>((resolve) => void idle.push(resolve))),
  };
}

// The upload client logs every request with console.debug, password and token included; nothing of it may
// reach the terminal, so its console output is dropped until its last request has ended.
async function quietly<T>(session: UploadSession, run: () => Promise<T>): Promise<T> {
  const saved = { debug: console.debug, info: console.info, warn: console.warn, error: console.error, log: console.log };
  const drop = (): void => undefined;
  Object.assign(console, { debug: drop, info: drop, warn: drop, error: drop, log: drop });
  try {
    return await run();
  } finally {
    session.abort();
    await session.settled();
    // Let the other file's chain reach its next (refused) request before the console returns.
    await new Promise((resolve) => setImmediate(resolve));
    Object.assign(console, saved);
  }
}
