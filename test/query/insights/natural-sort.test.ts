import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { duckdb, getDialect } from '../../../src/engines/index.js';
import { compileInsights, eventsSource } from '../../../src/query/insights/index.js';
import { Store } from '../../../src/store/index.js';
import { naturalCompare } from './natural-compare.js';

// The QSx Sort page's example, in its stated ascending order.
const DOC_ORDER = ['!:', '#', '*%04', '0#', '5A', '111A', '2345_', '@', '@_', 'A', 'A9876fghj', 'a12345hfh', '0', '01', '1', '2', '3'];

describe('sort in natural order', () => {
  let store: Store;
  beforeAll(async () => {
    store = await Store.memory();
    await store.run('CREATE TABLE events (timestamp BIGINT, message VARCHAR)');
  });
  afterAll(() => store.close());

  /** Replaces the events with these messages and returns @message in the order the query gives. */
  const sorted = async (messages: readonly string[], query: string): Promise<unknown[]> => {
    await store.run('DELETE FROM events');
    for (const [i, m] of messages.entries()) await store.run('INSERT INTO events VALUES (?, ?)', [1_700_000_000_000 + i, m]);
    const { sql } = compileInsights(query, { dialect: duckdb, source: eventsSource('events') });
    return (await store.query(sql)).rows.map((r) => r['@message']);
  };

  it('orders the documentation example ascending, and desc is the exact reverse', async () => {
    const shuffled = [...DOC_ORDER].reverse();
    shuffled.push(shuffled.shift() as string);
    expect(await sorted(shuffled, 'fields @message | sort @message asc')).toEqual(DOC_ORDER);
    expect(await sorted(shuffled, 'fields @message | sort @message desc')).toEqual([...DOC_ORDER].reverse());
    expect(await sorted(shuffled, 'sort by @message')).toEqual(DOC_ORDER);
  });

  it('agrees with the reference comparator on generated text, both directions', async () => {
    const alphabet = fc.constantFrom('0', '1', '2', '9', '00', 'a', 'A', 'z', '@', '#', '.', ' ', '_', 'é', '中');
    const value = fc.array(alphabet, { minLength: 1, maxLength: 6 }).map((parts) => parts.join(''));
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(value, { minLength: 2, maxLength: 12 }), async (messages) => {
        const expected = [...messages].sort(naturalCompare);
        expect(await sorted(messages, 'sort @message asc')).toEqual(expected);
        expect(await sorted(messages, 'sort @message desc')).toEqual([...expected].reverse());
      }),
      { numRuns: 40 },
    );
  });

  it('orders long digit runs by length first and keeps missing values last', async () => {
    const messages = ['x99999999999999999999999', 'x100000000000000000000000', 'x5', 'y'];
    const query = 'fields @message | sort @message';
    expect(await sorted(messages, query)).toEqual(['x5', 'x99999999999999999999999', 'x100000000000000000000000', 'y']);
    expect(await sorted(messages, 'parse @message "x*" as n | sort n desc')).toEqual(['x100000000000000000000000', 'x99999999999999999999999', 'x5', 'y']);
  });

  it('keeps numeric order for numbers', async () => {
    const query = 'fields @message, strlen(@message) as n | sort n desc';
    const { sql } = compileInsights(query, { dialect: duckdb, source: eventsSource('events') });
    expect(sql).not.toContain('regexp_extract_all');
    expect(await sorted(['a'.repeat(9), 'a'.repeat(10), 'a'], query)).toEqual(['a'.repeat(10), 'a'.repeat(9), 'a']);
  });

  it.each(['athena', 'clickhouse'] as const)('writes the natural order for %s', (engine) => {
    const { sql } = compileInsights('sort @message', { dialect: getDialect(engine), source: eventsSource('events') });
    expect(sql).toContain(engine === 'athena' ? 'regexp_extract_all' : 'extractAll');
    expect(sql).not.toMatch(/list_transform|lambda /);
  });
});
