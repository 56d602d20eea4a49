import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildHypergraph, columnar } from '../../src/graph/index.js';
import type { Hypergraph } from '../../src/graph/index.js';
import { runFlowlens } from '../helpers/cli.js';
import { fixtureStore, graphFixture } from './fixture.js';
import { GRAPHISTRY_ACCOUNT, startFakeGraphistry } from './graphistry-server.js';
import type { FakeGraphistry } from './graphistry-server.js';

const flows = graphFixture('flows.log');
let graphistry: FakeGraphistry | undefined;
let expected: Hypergraph;
let expectedEvents: Hypergraph;

beforeAll(async () => {
  const store = await fixtureStore();
  expected = await buildHypergraph(store, { entities: ['srcaddr', 'dstaddr', 'dstport'] });
  expectedEvents = await buildHypergraph(store, { entities: ['srcaddr', 'action'], direct: false });
  store.close();
});
afterEach(async () => {
  await graphistry?.stop();
  graphistry = undefined;
});
afterAll(async () => {
  await graphistry?.stop();
});

/** A file's uploaded columns, without the agent_name/agent_version the upload client adds to JSON files. */
function uploaded(fake: FakeGraphistry, id: unknown): Record<string, unknown> {
  const { agent_name: agent, agent_version: _version, ...columns } = (fake.files.get(String(id))?.data ?? {}) as Record<string, unknown>;
  expect(agent).toBe('flowlens');
  return columns;
}

describe('graph --upload graphistry', () => {
  it('logs in with FLOWLENS_GRAPHISTRY_*, uploads the nodes and edges, and prints the visualization URL', async () => {
    const fake = (graphistry = await startFakeGraphistry());
    const env = { FLOWLENS_GRAPHISTRY_SERVER: fake.server, FLOWLENS_GRAPHISTRY_USERNAME: GRAPHISTRY_ACCOUNT.username, FLOWLENS_GRAPHISTRY_PASSWORD: GRAPHISTRY_ACCOUNT.password };
    const run = await runFlowlens(['graph', flows, '--upload', 'graphistry', '--entities', 'srcaddr,dstaddr,dstport', '--graphistry-name', 'vpc demo'], { env });
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`${fake.server}/graph/graph.html?dataset=dataset-1\n`);
    expect(`${run.stdout}${run.stderr}`).not.toContain(GRAPHISTRY_ACCOUNT.password);
    expect(`${run.stdout}${run.stderr}`).not.toContain(GRAPHISTRY_ACCOUNT.token);
    expect(fake.requests[0]).toEqual({ method: 'POST', path: '/api/v2/auth/token/generate', authorization: undefined, body: { username: 'analyst', password: 'pw-s3cret' } });
    expect(fake.requests.slice(1).every((r) => r.authorization === `Bearer ${GRAPHISTRY_ACCOUNT.token}`)).toBe(true);
    expect(fake.requests.map((r) => r.path).sort()).toEqual(
      ['/api/v2/auth/token/generate', '/api/v2/files/', '/api/v2/files/', '/api/v2/upload/datasets/', '/api/v2/upload/files/file-1', '/api/v2/upload/files/file-2'].sort(),
    );
    const dataset = fake.datasets.get('dataset-1') ?? {};
    expect(dataset).toMatchObject({
      name: 'vpc demo',
      node_encodings: { bindings: { node: 'nodeID', node_title: 'nodeTitle' } },
      edge_encodings: { bindings: { source: 'src', destination: 'dst', edge_title: 'bytes_sum' } },
      metadata: { agent: 'flowlens', apiversion: '3' },
    });
    const [nodeFile] = dataset.node_files as string[];
    const [edgeFile] = dataset.edge_files as string[];
    expect([...fake.files.values()].map((f) => f.type)).toEqual(['json', 'json']);
    expect(uploaded(fake, edgeFile)).toEqual(columnar(expected.edges));
    expect(uploaded(fake, nodeFile)).toEqual(columnar(expected.nodes));
    // The graph is closed: every edge endpoint is an uploaded node id.
    const ids = new Set(uploaded(fake, nodeFile).nodeID as string[]);
    const edges = uploaded(fake, edgeFile);
    expect((edges.src as string[]).every((id) => ids.has(id)) && (edges.dst as string[]).every((id) => ids.has(id))).toBe(true);
  });

  it('uses a personal key from the flags, and binds attribID -> EventID with --no-direct', async () => {
    const fake = (graphistry = await startFakeGraphistry());
    const run = await runFlowlens([
      'graph', flows, '--upload', 'graphistry', '--entities', 'srcaddr,action', '--no-direct',
      '--graphistry-server', fake.server, '--graphistry-key-id', GRAPHISTRY_ACCOUNT.keyId, '--graphistry-key-secret', GRAPHISTRY_ACCOUNT.keySecret,
    ]);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`${fake.server}/graph/graph.html?dataset=dataset-1\n`);
    expect(fake.requests[0]).toMatchObject({ path: '/api/v2/auth/pkey/jwt/', authorization: 'PersonalKey key-1:ks-s3cret' });
    const dataset = fake.datasets.get('dataset-1') ?? {};
    expect(dataset.edge_encodings).toEqual({ bindings: { source: 'attribID', destination: 'EventID', edge_title: 'bytes_sum' } });
    expect(uploaded(fake, (dataset.edge_files as string[])[0])).toEqual(columnar(expectedEvents.edges));
    expect(uploaded(fake, (dataset.node_files as string[])[0])).toEqual(columnar(expectedEvents.nodes));
    expect(`${run.stdout}${run.stderr}`).not.toContain(GRAPHISTRY_ACCOUNT.keySecret);
  });

  it('reports a refused login with the status and path, never the password, and exits 1', async () => {
    const fake = (graphistry = await startFakeGraphistry());
    const run = await runFlowlens(['graph', flows, '--upload', 'graphistry', '--graphistry-server', fake.server, '--graphistry-username', 'analyst', '--graphistry-password', 'wrong-pw']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('answered HTTP 401 to /api/v2/auth/token/generate');
    expect(run.stderr).toContain('check the username and password');
    expect(run.stderr).not.toContain('wrong-pw');
    expect(fake.datasets.size).toBe(0);
  });

  it('stops cleanly when one file upload fails while the other is in flight (no console output, no dataset)', async () => {
    const fake = (graphistry = await startFakeGraphistry({ fail: /^\/api\/v2\/upload\/files\/file-1$/, uploadDelayMs: 200 }));
    const run = await runFlowlens(['graph', flows, '--upload', 'graphistry', '--graphistry-server', fake.server], {
      env: { FLOWLENS_GRAPHISTRY_USERNAME: GRAPHISTRY_ACCOUNT.username, FLOWLENS_GRAPHISTRY_PASSWORD: GRAPHISTRY_ACCOUNT.password },
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('answered HTTP 500 to /api/v2/upload/files/file-1');
    expect(fake.datasets.size).toBe(0);
    // Past the delayed answer to the other file: the test setup fails the test on any console output, so the
    // client's debug log (with the token) must have stayed quiet after the command returned too.
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(fake.datasets.size).toBe(0);
  });

  it('refuses an upload too large for JSON before logging in', async () => {
    const { uploadHypergraph, MAX_UPLOAD_CELLS } = await import('../../src/graph/index.js');
    const fake = (graphistry = await startFakeGraphistry());
    const huge = { ...expected, edgeCount: MAX_UPLOAD_CELLS };
    await expect(uploadHypergraph(huge, { server: fake.server, keyId: 'a', keySecret: 'b' })).rejects.toThrow(/more than the 10000000 a JSON upload takes/);
    expect(fake.requests).toEqual([]);
  });

  it('exits 2 without an account, and 1 when the server is unreachable', async () => {
    const none = await runFlowlens(['graph', flows, '--upload', 'graphistry'], { env: {} });
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('FLOWLENS_GRAPHISTRY_USERNAME');
    const fake = await startFakeGraphistry();
    await fake.stop();
    const down = await runFlowlens(['graph', flows, '--upload', 'graphistry', '--graphistry-server', fake.server], { env: { FLOWLENS_GRAPHISTRY_KEY_ID: 'a', FLOWLENS_GRAPHISTRY_KEY_SECRET: 'secret-b' } });
    expect(down.code).toBe(1);
    expect(down.stderr).toContain('cannot reach Graphistry');
    expect(down.stderr).not.toContain('secret-b');
  });
});
