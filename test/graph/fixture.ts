import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseFlowLogText } from '../../src/parse/index.js';
import type { FlowRecord } from '../../src/records/index.js';
import { resolveSource } from '../../src/sources/index.js';
import { ingestSources, Store } from '../../src/store/index.js';

/** Path of a file in test/fixtures/graph. */
export function graphFixture(name: string): string {
  return fileURLToPath(new URL(`../fixtures/graph/${name}`, import.meta.url));
}

/** An in-memory store holding the graph fixture's flows. */
export async function fixtureStore(name = 'flows.log'): Promise<Store> {
  const store = await Store.memory();
  await ingestSources(store, [await resolveSource(graphFixture(name))]);
  return store;
}

/** The fixture's data records (NODATA/SKIPDATA dropped), parsed in JS independently of the store. */
export function fixtureRecords(name = 'flows.log'): FlowRecord[] {
  return parseFlowLogText(readFileSync(graphFixture(name), 'utf8')).records.filter(
    (r) => r.log_status !== 'NODATA' && r.log_status !== 'SKIPDATA' && r.srcaddr !== null && r.dstaddr !== null,
  );
}
