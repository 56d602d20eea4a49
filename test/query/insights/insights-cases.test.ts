import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { duckdb } from '../../../src/engines/index.js';
import { compileInsights, eventsSource, flowsSource } from '../../../src/query/insights/index.js';
import { resolveSource } from '../../../src/sources/index.js';
import { ingestSources, Store } from '../../../src/store/index.js';
import { fixturePath } from '../fixture-store.js';

interface InsightsCase {
  id: string;
  title: string;
  query: string;
  logType: string;
  input: { timestamp: number; message: string }[];
  expected: Record<string, unknown>[] | null;
  ordered: boolean;
}

const CASES = (JSON.parse(readFileSync(fixturePath('queries/insights-cases.json'), 'utf8')) as { cases: InsightsCase[] }).cases;

// Cases flowlens does not reproduce, and why (documented in docs/queries.md):
const SKIPPED: Record<string, string> = {
  'ins-23': 'query only, no input',
};

/** Loads the case's events: flow-log lines into the flows table, other events into an events table. */
async function storeFor(c: InsightsCase): Promise<Store> {
  const store = await Store.memory();
  if (c.logType.startsWith('vpcflow')) {
    const text = `${c.input.map((e) => e.message).join('\n')}\n`;
    await ingestSources(store, [await resolveSource('-', { stdin: Readable.from([Buffer.from(text)]) })]);
  } else {
    await store.run('CREATE TABLE events (timestamp BIGINT, message VARCHAR)');
    for (const e of c.input) await store.run('INSERT INTO events VALUES (?, ?)', [e.timestamp, e.message]);
  }
  return store;
}

describe('insights-cases.json', () => {
  const runnable = CASES.filter((c) => !(c.id in SKIPPED) && c.expected !== null);

  it.each(runnable)('$id $title', async (c) => {
    const store = await storeFor(c);
    try {
      const source = c.logType.startsWith('vpcflow') ? flowsSource() : eventsSource('events');
      const compiled = compileInsights(c.query, { dialect: duckdb, source });
      const rows = (await store.query(compiled.sql)).rows;
      // Compare the columns the case states (the result may show more, e.g. @timestamp next to parsed fields).
      const keys = Object.keys(c.expected?.[0] ?? {});
      const picked = rows.map((row) => Object.fromEntries(keys.map((k) => [k, row[k]])));
      expect(picked).toEqual(expect.arrayContaining(c.expected ?? []));
      // Ordered cases: the sort key (the last stated column) must come in the stated order; ties may swap rows.
      const last = keys[keys.length - 1] ?? '';
      if (c.ordered) expect(picked.map((r) => r[last])).toEqual((c.expected ?? []).map((r) => r[last]));
      expect(picked).toHaveLength(c.expected?.length ?? 0);
    } finally {
      store.close();
    }
  });

  it('compiles every query, including the skipped ones, or fails with a clean code', () => {
    for (const c of CASES) {
      const source = c.logType.startsWith('vpcflow') ? flowsSource() : eventsSource('events');
      try {
        compileInsights(c.query, { dialect: duckdb, source });
      } catch (error) {
        expect(['unsupported', 'unknown-field']).toContain((error as { code?: string }).code);
      }
    }
  });
});
