import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildGraph } from '../../src/graph/index.js';
import type { FlowGraph } from '../../src/graph/index.js';
import { Store } from '../../src/store/index.js';

// 400,000 flows on 64 × 64 address pairs, each on about 100 of 4,000 ports: about 400,000 (edge, protocol, port) rows,
// more than a 96 MiB memory_limit holds when every edge's port rows are buffered at once (the statement then fails
// even at 128 MiB).
const RECORDS = 400_000;
const folder = mkdtempSync(join(tmpdir(), 'flowlens-graph-memory-'));
const path = join(folder, 'flows.duckdb');

// A store file filled by SQL: deterministic pseudo-random addresses, ports, protocols and actions.
async function fillStore(): Promise<void> {
  const store = await Store.open(path, { memoryLimit: '512MiB' });
  try {
    // The store's narrow layout: addresses as numbers only (the view makes their text), action and status as codes.
    await store.run(`INSERT INTO flow_records (src_ip, dst_ip, srcport, dstport, protocol, packets, bytes, action_code, log_status_code, "start", "end")
      SELECT 281470681743360::UHUGEINT + (167772161 + (i % 64) * 256)::UHUGEINT, 281470681743360::UHUGEINT + (167837698 + ((i // 64) % 64) * 256)::UHUGEINT,
        40000 + i % 1000, (i * 2654435761) % 4000, CASE WHEN i % 5 = 0 THEN 17 ELSE 6 END, 1 + i % 9, 40 + i % 1500,
        CASE WHEN i % 11 = 0 THEN 2 ELSE 1 END, 1, 1700000000 + i % 86400, 1700000060 + i % 86400
      FROM range(${RECORDS}) t(i)`);
  } finally {
    store.close();
  }
}

// The graph of the store opened under the given memory_limit, from the flows table (not the rollups).
async function graphUnder(memoryLimit: string): Promise<FlowGraph> {
  const store = await Store.open(path, { readOnly: true, memoryLimit, tempDirectory: join(folder, `spill-${memoryLimit}`) });
  try {
    return await buildGraph(store, { useRollups: false });
  } finally {
    store.close();
  }
}

beforeAll(fillStore, 120_000);
afterAll(() => rmSync(folder, { recursive: true, force: true }));

describe('buildGraph under a small memory_limit', () => {
  it('spills instead of failing and gives the same graph as with room to spare', async () => {
    const small = await graphUnder('96MiB');
    const roomy = await graphUnder('1GiB');
    expect(small.records).toBe(RECORDS);
    expect(small.totalEdges).toBe(64 * 64);
    expect(roomy.edges.length).toBeGreaterThan(0);
    expect(small.edges).toEqual(roomy.edges);
    expect(small.nodes).toEqual(roomy.nodes);
    // Every edge carries its best ports and its protocols, as without the limit.
    expect(small.edges.every((e) => e.ports.length > 0 && e.protocols.length > 0 && e.portCount > 0)).toBe(true);
  }, 300_000);
});
