import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildHypergraph, hypergraphFromEvents, parseEntityTypes, renderHypergraphCsv, writeHypergraph } from '../../src/graph/index.js';
import type { Hypergraph, HypergraphRow } from '../../src/graph/index.js';
import type { Store } from '../../src/store/index.js';
import { fixtureRecords, fixtureStore } from './fixture.js';

// Three summary rows in the notebook's shape (its Out[114] sample), one with a missing interface id.
const EVENTS = {
  columns: ['srcaddr', 'dstaddr', 'interface_id', 'dstport', 'bytes_sum'],
  rows: [
    { srcaddr: '172.20.55.224', dstaddr: '172.20.61.101', interface_id: 'eni-016babb4349103670', dstport: 38076, bytes_sum: 112 },
    { srcaddr: '172.20.45.114', dstaddr: '172.20.41.131', interface_id: null, dstport: 3240, bytes_sum: 112 },
    { srcaddr: '172.20.55.224', dstaddr: '172.20.59.137', interface_id: 'eni-016babb4349103670', dstport: 8842, bytes_sum: 224 },
  ] as HypergraphRow[],
};

/**
 * pygraphistry's column contract (graphistry/hyper_dask.py, pandas engine, drop_na=True): events get
 * EventID "EventID::<row>"; entities are [entity columns (direct) | event columns] + nodeTitle, (EventID), type,
 * category, nodeID "<col>::<value>", one per distinct non-null value in entity order; direct edges run from each
 * entity type to every later one, pairs visited in sorted order, edgeType "<a>::<b>", src/dst node ids; without
 * direct, one edge per (sorted) entity column and event with edgeType "<col>", attribID, EventID.
 */
describe('hypergraphFromEvents', () => {
  it('direct=True: the tables hypergraph(events, ["srcaddr", "dstaddr", "interface_id"], direct=True) returns', () => {
    const hg = hypergraphFromEvents(EVENTS, ['srcaddr', 'dstaddr', 'interface_id'], true);
    expect(hg.events.columns).toEqual([...EVENTS.columns, 'EventID']);
    expect(hg.events.rows.map((r) => r.EventID)).toEqual(['EventID::0', 'EventID::1', 'EventID::2']);
    expect(hg.entities.columns).toEqual(['srcaddr', 'dstaddr', 'interface_id', 'nodeTitle', 'EventID', 'type', 'category', 'nodeID']);
    expect(hg.entities.rows.map((r) => r.nodeID)).toEqual([
      'srcaddr::172.20.55.224',
      'srcaddr::172.20.45.114',
      'dstaddr::172.20.61.101',
      'dstaddr::172.20.41.131',
      'dstaddr::172.20.59.137',
      'interface_id::eni-016babb4349103670',
    ]);
    expect(hg.entities.rows[0]).toEqual({ srcaddr: '172.20.55.224', dstaddr: null, interface_id: null, nodeTitle: '172.20.55.224', EventID: null, type: 'srcaddr', category: 'srcaddr', nodeID: 'srcaddr::172.20.55.224' });
    expect(hg.edges.columns).toEqual([...EVENTS.columns, 'EventID', 'edgeType', 'src', 'dst']);
    // Sorted pairs: dstaddr::interface_id, srcaddr::dstaddr, srcaddr::interface_id; the null interface drops its edges.
    expect(hg.edges.rows.map((r) => `${r.edgeType} ${r.src} ${r.dst} ${r.EventID}`)).toEqual([
      'dstaddr::interface_id dstaddr::172.20.61.101 interface_id::eni-016babb4349103670 EventID::0',
      'dstaddr::interface_id dstaddr::172.20.59.137 interface_id::eni-016babb4349103670 EventID::2',
      'srcaddr::dstaddr srcaddr::172.20.55.224 dstaddr::172.20.61.101 EventID::0',
      'srcaddr::dstaddr srcaddr::172.20.45.114 dstaddr::172.20.41.131 EventID::1',
      'srcaddr::dstaddr srcaddr::172.20.55.224 dstaddr::172.20.59.137 EventID::2',
      'srcaddr::interface_id srcaddr::172.20.55.224 interface_id::eni-016babb4349103670 EventID::0',
      'srcaddr::interface_id srcaddr::172.20.55.224 interface_id::eni-016babb4349103670 EventID::2',
    ]);
    expect(hg.edges.rows[2]?.bytes_sum).toBe(112);
    expect(hg.nodes.rows).toEqual(hg.entities.rows);
    expect([hg.source, hg.destination]).toEqual(['src', 'dst']);
  });

  it('direct=False: event nodes and attribID -> EventID edges', () => {
    const hg = hypergraphFromEvents(EVENTS, ['srcaddr', 'dstport'], false);
    expect(hg.entities.columns).toEqual([...EVENTS.columns, 'EventID', 'nodeTitle', 'type', 'category', 'nodeID']);
    expect(hg.edges.columns).toEqual([...EVENTS.columns, 'EventID', 'edgeType', 'attribID']);
    expect(hg.edges.rows.map((r) => `${r.edgeType} ${r.attribID} ${r.EventID}`)).toEqual([
      'dstport dstport::38076 EventID::0',
      'dstport dstport::3240 EventID::1',
      'dstport dstport::8842 EventID::2',
      'srcaddr srcaddr::172.20.55.224 EventID::0',
      'srcaddr srcaddr::172.20.45.114 EventID::1',
      'srcaddr srcaddr::172.20.55.224 EventID::2',
    ]);
    const eventNodes = hg.nodes.rows.filter((r) => r.type === 'EventID');
    expect(eventNodes.map((r) => [r.nodeID, r.nodeTitle, r.category])).toEqual([
      ['EventID::0', 'EventID::0', 'event'],
      ['EventID::1', 'EventID::1', 'event'],
      ['EventID::2', 'EventID::2', 'event'],
    ]);
    expect([hg.source, hg.destination]).toEqual(['attribID', 'EventID']);
    expect(hg.edgeCount).toBe(6);
    expectClosed(hg);
  });
});

describe('parseEntityTypes', () => {
  it('takes flow fields in either spelling and refuses others', () => {
    expect(parseEntityTypes('srcaddr, dstaddr,dstport,interface-id,action')).toEqual(['srcaddr', 'dstaddr', 'dstport', 'interface_id', 'action']);
    expect(() => parseEntityTypes('srcaddr,src_ip')).toThrow(/not a flow-log field/);
    expect(() => parseEntityTypes('srcaddr,srcaddr')).toThrow(/twice/);
  });
});

describe('buildHypergraph', () => {
  let store: Store;
  beforeAll(async () => {
    store = await fixtureStore();
  });
  afterAll(() => store.close());

  it("builds one event per summary row as the notebook's groupby does", async () => {
    const hg = await buildHypergraph(store, { entities: ['srcaddr', 'dstaddr', 'dstport', 'interface_id', 'action'] });
    // The notebook's groupby(['src_ip', 'dest_ip', 'interfaceid', 'dest_port', 'protocol', 'action', 'status']), in JS.
    const groups = new Map<string, { bytes: number; packets: number; count: number; startMin: number; endMax: number }>();
    for (const r of fixtureRecords()) {
      const key = JSON.stringify([r.srcaddr, r.dstaddr, r.interface_id, r.dstport, r.protocol, r.action, r.log_status]);
      const g = groups.get(key) ?? { bytes: 0, packets: 0, count: 0, startMin: Infinity, endMax: -Infinity };
      g.bytes += Number(r.bytes);
      g.packets += Number(r.packets);
      g.count += 1;
      g.startMin = Math.min(g.startMin, Number(r.start));
      g.endMax = Math.max(g.endMax, Number(r.end));
      groups.set(key, g);
    }
    expect(hg.events.rows).toHaveLength(groups.size);
    for (const event of hg.events.rows) {
      const g = groups.get(JSON.stringify([event.srcaddr, event.dstaddr, event.interface_id, event.dstport, event.protocol, event.action, event.log_status]));
      expect(g).toBeDefined();
      expect({ bytes: event.bytes_sum, packets: event.packets_sum, count: event.bytes_count, startMin: event.start_min, endMax: event.end_max }).toEqual(g && { bytes: g.bytes, packets: g.packets, count: g.count, startMin: g.startMin, endMax: g.endMax });
    }
    expect(hg.events.columns).toEqual([
      'srcaddr', 'dstaddr', 'interface_id', 'dstport', 'protocol', 'action', 'log_status',
      'start_min', 'start_max', 'end_min', 'end_max', 'packets_min', 'packets_max', 'packets_sum', 'packets_count',
      'bytes_min', 'bytes_max', 'bytes_sum', 'bytes_count', 'EventID',
    ]);
    // 5 entity types: 4+3+2+1 = 10 pairs per event, all values present in the fixture.
    expect(hg.edges.rows).toHaveLength(10 * groups.size);
    expect(hg.edgeCount).toBe(hg.edges.rows.length);
    // The streamed edges.csv is the table's CSV.
    const dir = mkdtempSync(join(tmpdir(), 'flowlens-hg-'));
    try {
      await writeHypergraph(hg, dir);
      expect(readFileSync(join(dir, 'edges.csv'), 'utf8')).toBe(renderHypergraphCsv(hg.edges));
      expect(readFileSync(join(dir, 'nodes.csv'), 'utf8')).toBe(renderHypergraphCsv(hg.nodes));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const distinct = (get: (r: (typeof fixtureRecords extends () => (infer R)[] ? R : never)) => unknown) => new Set(fixtureRecords().map(get)).size;
    expect(hg.entities.rows).toHaveLength(distinct((r) => r.srcaddr) + distinct((r) => r.dstaddr) + distinct((r) => r.dstport) + distinct((r) => r.interface_id) + distinct((r) => r.action));
    expectClosed(hg);
  });

  it('applies the selection and pseudonymizes addresses and interfaces', async () => {
    const { createPseudonymizer } = await import('../../src/graph/index.js');
    const rejected = await buildHypergraph(store, { where: "action = 'REJECT'" });
    expect(rejected.events.rows.every((e) => e.action === 'REJECT')).toBe(true);
    const pseudonymizer = createPseudonymizer('k1');
    const plain = await buildHypergraph(store, { entities: ['srcaddr', 'interface_id'] });
    const pseudo = await buildHypergraph(store, { entities: ['srcaddr', 'interface_id'], pseudonymizer });
    expect(pseudo.events.rows.map((e) => e.srcaddr)).toEqual(plain.events.rows.map((e) => pseudonymizer.address(String(e.srcaddr))));
    expect(pseudo.entities.rows.some((e) => e.nodeTitle === plain.entities.rows[0]?.nodeTitle)).toBe(false);
  });
});

/** Every edge endpoint is a node, node ids are unique. */
function expectClosed(hg: Hypergraph): void {
  const ids = hg.nodes.rows.map((r) => r.nodeID);
  expect(new Set(ids).size).toBe(ids.length);
  const known = new Set(ids);
  for (const edge of hg.edges.rows) {
    expect(known.has(edge[hg.source] ?? null)).toBe(true);
    expect(known.has(edge[hg.destination] ?? null)).toBe(true);
  }
}
