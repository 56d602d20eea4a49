import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { edgeDetails, loadNameTable, nodeDetails, parseNodeMode } from '../../src/graph/index.js';
import type { NameTable, PublicMode } from '../../src/graph/index.js';
import { readRollups, refreshRollups } from '../../src/store/index.js';
import type { Store } from '../../src/store/index.js';
import { fixtureRecords, fixtureStore, graphFixture } from './fixture.js';
import { referenceGraph } from './reference.js';

let store: Store;
let names: NameTable;
beforeAll(async () => {
  store = await fixtureStore();
  names = await loadNameTable({ names: [graphFixture('names.yaml')] });
});
afterAll(() => store.close());

describe('nodeDetails / edgeDetails', () => {
  it.each([
    ['ip', 'keep', false],
    ['ip', 'group', true],
    ['ip-port', 'keep', false],
    ['ip-port', 'group', true],
    ['subnet/24', 'keep', true],
    ['subnet/30', 'group', false],
    ['name', 'keep', true],
    ['name', 'group', true],
  ] as const)('totals every node and edge as a plain-JS aggregation does for --node %s --public %s (names: %s)', async (node, publicMode, withNames) => {
    const mode = parseNodeMode(node);
    const scope = { node: mode, publicMode: publicMode as PublicMode, names: withNames ? names : undefined };
    const reference = [...referenceGraph(fixtureRecords(), mode, scope.names, publicMode).values()];
    const nodes = new Set(reference.flatMap((e) => [e.source, e.target]));
    for (const id of nodes) {
      // A self-loop's flows touch the node once.
      const touching = reference.filter((e) => e.source === id || e.target === id);
      const details = await nodeDetails(store, id, scope);
      expect(details?.totals, id).toMatchObject({ flows: touching.reduce((n, e) => n + e.flows, 0), bytes: touching.reduce((n, e) => n + e.bytes, 0) });
      expect(details?.flows.length, id).toBe(Math.min(100, touching.reduce((n, e) => n + e.flows, 0)));
    }
    for (const edge of reference) {
      const details = await edgeDetails(store, edge.source, edge.target, scope);
      expect(details?.totals, `${edge.source} -> ${edge.target}`).toMatchObject({ flows: edge.flows, bytes: edge.bytes, rejected: edge.rejected });
    }
    expect(await nodeDetails(store, '192.0.2.99', scope)).toBeNull();
  });

  it.each([
    ['ip', 'keep', false],
    ['ip', 'group', true],
    ['subnet/24', 'group', true],
    ['name', 'group', true],
  ] as const)('answers the same from the rollups as from the records for --node %s --public %s (names: %s)', async (node, publicMode, withNames) => {
    const rolled = await fixtureStore();
    await refreshRollups(rolled);
    expect(await readRollups(rolled)).toBeDefined();
    try {
      const mode = parseNodeMode(node);
      const scope = { node: mode, publicMode: publicMode as PublicMode, names: withNames ? names : undefined };
      const reference = [...referenceGraph(fixtureRecords(), mode, scope.names, publicMode).values()];
      for (const id of new Set(reference.flatMap((e) => [e.source, e.target]))) {
        const fromRecords = await nodeDetails(store, id, scope);
        const fromRollups = await nodeDetails(rolled, id, scope);
        // A span of 18 hours or more is drawn in whole hours from the rollups: the same traffic in wider buckets.
        if (fromRollups?.bucketSeconds !== fromRecords?.bucketSeconds) {
          expect(fromRollups?.bucketSeconds).toBe(3600);
          expect(fromRollups?.timeline.reduce((n, b) => n + b.flows, 0)).toBe(fromRecords?.totals.flows);
          expect({ ...fromRollups, timeline: [], bucketSeconds: 0 }).toEqual({ ...fromRecords, timeline: [], bucketSeconds: 0 });
        } else {
          expect(fromRollups, id).toEqual(fromRecords);
        }
        // A window on whole hours is answered from the hourly rollups.
        const window = { ...scope, where: '"start" >= 0 AND "start" < 7200000000' };
        expect(await nodeDetails(rolled, id, window), id).toEqual(await nodeDetails(store, id, window));
      }
      for (const edge of reference) expect(await edgeDetails(rolled, edge.source, edge.target, scope)).toEqual(await edgeDetails(store, edge.source, edge.target, scope));
    } finally {
      rolled.close();
    }
  });

  it('draws a day of traffic from the hourly rollups in whole hours, with the records\' latest flows', async () => {
    const { generateFlowLogLines } = await import('../../src/generate/index.js');
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { createLocalSource } = await import('../../src/sources/index.js');
    const { ingestSources, Store } = await import('../../src/store/index.js');
    const file = join(mkdtempSync(join(tmpdir(), 'flowlens-details-')), 'day.log');
    writeFileSync(file, `${[...generateFlowLogLines({ records: 6000, seed: 4 })].join('\n')}\n`);
    const plain = await Store.memory();
    const rolled = await Store.memory();
    try {
      for (const target of [plain, rolled]) await ingestSources(target, [createLocalSource(file)]);
      await refreshRollups(rolled);
      const scope = { node: parseNodeMode('ip'), publicMode: 'group' as PublicMode };
      for (const id of ['internet', '10.0.2.10', '10.0.1.10']) {
        const fromRecords = await nodeDetails(plain, id, scope);
        const fromRollups = await nodeDetails(rolled, id, scope);
        expect(fromRecords, id).not.toBeNull();
        expect(fromRollups?.bucketSeconds, id).toBe(3600);
        expect(fromRollups?.timeline.reduce((n, b) => n + b.flows, 0), id).toBe(fromRecords?.totals.flows);
        expect({ ...fromRollups, timeline: [], bucketSeconds: 0 }, id).toEqual({ ...fromRecords, timeline: [], bucketSeconds: 0 });
      }
    } finally {
      plain.close();
      rolled.close();
    }
  });

  it('leaves no temporary table behind', async () => {
    await nodeDetails(store, '10.0.1.10', { node: parseNodeMode('ip') });
    const tables = await store.query("SELECT count(*) AS n FROM duckdb_tables() WHERE table_name LIKE 'graph_detail_%'");
    expect(Number(tables.rows[0]?.n)).toBe(0);
  });
});
