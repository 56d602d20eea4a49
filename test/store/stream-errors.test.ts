import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Store } from '../../src/store/index.js';

// DuckDB's Node driver ends a streamed result that an error cut short exactly like a complete one; a Store stream
// must say so instead of handing over part of the rows as if they were all.
const FAILING = "SELECT (CASE WHEN i = 300000 THEN 'x' ELSE i::VARCHAR END)::INT AS v FROM range(500000) t(i)";
const WHOLE = 'SELECT i AS v FROM range(500000) t(i)';

let store: Store;
beforeAll(async () => {
  store = await Store.memory();
});
afterAll(() => store.close());

async function countRows(rows: AsyncIterable<readonly unknown[]>): Promise<number> {
  let count = 0;
  for await (const batch of rows) count += batch.length;
  return count;
}

const READERS: [string, (sql: string) => Promise<AsyncIterable<readonly unknown[]>>][] = [
  ['streamRows', (sql) => store.streamRows(sql)],
  ['stream', async (sql) => store.stream(sql)],
  ['streamText', async (sql) => store.streamText(`SELECT v::VARCHAR FROM (${sql})`)],
];

describe('Store streams', () => {
  it.each(READERS)('%s fails a result an error cut short, and the store goes on working', async (_name, read) => {
    await expect(countRows(await read(FAILING))).rejects.toMatchObject({ code: 'sql', message: expect.stringMatching(/partway/) });
    expect(await countRows(await read(WHOLE))).toBe(500000);
    await store.run('BEGIN TRANSACTION');
    await store.run('COMMIT');
  });

  it.each(READERS)('%s stopped early or never read leaves no transaction open', async (_name, read) => {
    for await (const batch of await read(WHOLE)) if (batch.length > 0) break;
    await store.run('BEGIN TRANSACTION');
    await store.run('COMMIT');
    await read(WHOLE);
    await store.run('BEGIN TRANSACTION');
    await store.run('COMMIT');
    expect(await store.scalar('SELECT 42')).toBe(42);
  });

  it('runs inside a transaction the caller began, and reports a cut there too', async () => {
    await store.run('BEGIN TRANSACTION');
    expect(await countRows(await store.streamRows(WHOLE))).toBe(500000);
    await store.run('COMMIT');
    await store.run('BEGIN TRANSACTION');
    await expect(countRows(await store.streamRows(FAILING))).rejects.toMatchObject({ code: 'sql' });
    await store.run('ROLLBACK');
  });
});
