import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { duckdb, getDialect } from '../../../src/engines/index.js';
import { compileInsights, eventsSource, flowsSource } from '../../../src/query/insights/index.js';
import { Store } from '../../../src/store/index.js';

// JSON events next to plain-text ones: Insights discovers the JSON fields (nested by dots, array items by index).
const EVENTS = [
  { a: 1, b: { c: 'x' }, items: [{ id: 'i-1' }], '@x': 'at' },
  { a: 10, b: { c: 'y' } },
  { a: 9, b: { c: 'x', d: { e: true } } },
  { a: 'text', b: null },
  { b: { c: 'x' } },
];
const MESSAGES = [...EVENTS.map((e) => JSON.stringify(e)), 'plain text a=5', '{not json'];

describe('JSON fields of generic events', () => {
  let store: Store;
  beforeAll(async () => {
    store = await Store.memory();
    await store.run('CREATE TABLE events (timestamp BIGINT, message VARCHAR)');
    for (const [i, m] of MESSAGES.entries()) await store.run('INSERT INTO events VALUES (?, ?)', [1_700_000_000_000 + i * 1000, m]);
  });
  afterAll(() => store.close());

  const run = async (query: string) => (await store.query(compileInsights(query, { dialect: duckdb, source: eventsSource('events') }).sql)).rows;
  /** What a JavaScript reading of the same events gives for a path (the independent reference). */
  const valueAt = (message: string, path: string[]): unknown => {
    let value: unknown;
    try {
      value = JSON.parse(message);
    } catch {
      return undefined;
    }
    for (const key of path) value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
    return value ?? undefined;
  };

  it('counts rows with count(*) and rows that have the field with count(field)', async () => {
    const rows = await run('stats count(*) as total, count(a) as withA, count(b.c) as withC, count(b.d.e) as withE');
    const count = (path: string[]) => MESSAGES.filter((m) => valueAt(m, path) !== undefined).length;
    expect(rows).toEqual([{ total: MESSAGES.length, withA: count(['a']), withC: count(['b', 'c']), withE: count(['b', 'd', 'e']) }]);
    expect(count(['a'])).toBe(4);
  });

  it('shows top-level, nested, array-item and @-named fields as text, null where absent or not JSON', async () => {
    const rows = await run('fields a, b.c, items.0.id, @@x | sort @timestamp asc');
    const text = (v: unknown) => (v === undefined ? null : typeof v === 'object' ? JSON.stringify(v) : String(v));
    expect(rows).toEqual(
      MESSAGES.map((m) => ({
        a: text(valueAt(m, ['a'])),
        'b.c': text(valueAt(m, ['b', 'c'])),
        'items.0.id': m.includes('items') ? 'i-1' : null,
        '@@x': text(valueAt(m, ['@x'])),
      })),
    );
  });

  it('compares a JSON field with a number as numbers (10 > 9) and with a string as text', async () => {
    const numeric = await run('filter a > 5 | fields a');
    expect(numeric.map((r) => r.a).sort()).toEqual(['10', '9']);
    expect((await run('filter b.c = "x" | stats count(*) as n'))[0]?.n).toBe(3);
    expect((await run('filter a = "text" | stats count(*) as n'))[0]?.n).toBe(1);
  });

  it('sums, averages and groups JSON fields', async () => {
    const rows = await run('stats sum(a) as s, avg(a) as m, max(a * 2) as twice');
    expect(rows).toEqual([{ s: 20, m: 20 / 3, twice: 20 }]);
    expect(await run('filter ispresent(b.c) | stats count(*) as n by b.c')).toEqual([
      { 'b.c': 'x', n: 3 },
      { 'b.c': 'y', n: 1 },
    ]);
  });

  it('sorts a JSON field with numbers by their value', async () => {
    const rows = await run('filter ispresent(a) | fields a | sort a desc');
    expect(rows.map((r) => r.a)).toEqual(['10', '9', '1', 'text']);
  });

  it('still refuses unknown system fields', () => {
    expect(() => compileInsights('fields @logGroupX', { dialect: duckdb, source: eventsSource('events') })).toThrow(expect.objectContaining({ code: 'unknown-field' }));
  });

  it('keeps the strict unknown-field error with a hint on flow logs', () => {
    expect(() => compileInsights('stats count(a) as withA', { dialect: duckdb, source: flowsSource() })).toThrow(expect.objectContaining({ code: 'unknown-field', hint: expect.stringContaining('known fields') }));
    expect(() => compileInsights('fields srcAdr', { dialect: duckdb, source: flowsSource() })).toThrow(expect.objectContaining({ code: 'unknown-field', hint: expect.stringContaining('srcAddr') }));
  });

  it.each(['athena', 'clickhouse'] as const)('compiles JSON fields for %s', (engine) => {
    const { sql } = compileInsights('filter a > 1 | stats count(b.c) as n', { dialect: getDialect(engine), source: eventsSource('events') });
    expect(sql).toContain(engine === 'athena' ? 'json_extract_scalar' : 'visitParamExtractRaw');
    expect(sql).not.toMatch(/json_valid|TRY_CAST/);
  });
});
