import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runUserSql, runUserSqlCapped, withUserSqlStream } from '../../src/engines/duckdb/index.js';
import { QueryError } from '../../src/records/index.js';
import { SqlSandbox } from '../../src/engines/duckdb/index.js';
import { Store } from '../../src/store/index.js';
import { fixtureStore } from '../graph/fixture.js';

const SLOW_SQL = 'SELECT sum(a.range*b.range) FROM range(100000) a, range(1000000) b';

let store: Store;
let sandbox: SqlSandbox;
beforeAll(async () => {
  store = await fixtureStore();
  sandbox = await SqlSandbox.open(store, { connections: 2 });
});
afterAll(async () => {
  await sandbox.close();
  store.close();
});

describe('SqlSandbox', () => {
  it('runs with external access and extension loading off and the configuration locked', async () => {
    const settings = await runUserSql(sandbox, "SELECT name, value FROM duckdb_settings() WHERE name IN ('enable_external_access', 'autoinstall_known_extensions', 'autoload_known_extensions', 'lock_configuration') ORDER BY name");
    expect(settings.rows).toEqual([
      { name: 'autoinstall_known_extensions', value: 'false' },
      { name: 'autoload_known_extensions', value: 'false' },
      { name: 'enable_external_access', value: 'false' },
      { name: 'lock_configuration', value: 'true' },
    ]);
    expect((await runUserSql(sandbox, "SELECT current_setting('TimeZone') AS tz")).rows).toEqual([{ tz: 'UTC' }]);
  });

  it('locks an in-memory store after loading: it keeps its data, even the store connection cannot turn access back on', async () => {
    expect(Number(await store.scalar('SELECT count(*) FROM flows'))).toBeGreaterThan(0);
    await expect(store.run('SET enable_external_access = true')).rejects.toThrow(/locked/);
    await expect(store.query("SELECT * FROM read_text('/etc/passwd')")).rejects.toThrow(/disabled by configuration/);
  });

  it('interrupts a running statement when the signal aborts, with the reason as the error', async () => {
    const controller = new AbortController();
    const reason = new QueryError('query-timeout', 'too long');
    const running = runUserSqlCapped(sandbox, SLOW_SQL, 10, { signal: controller.signal });
    setTimeout(() => controller.abort(reason), 200);
    await expect(running).rejects.toBe(reason);
    // The connection is back in the pool and answers.
    expect((await runUserSql(sandbox, 'SELECT 1 AS v')).rows).toEqual([{ v: 1 }]);
  });

  it('runs statements on two connections at once: a long one does not hold up a short one', async () => {
    const controller = new AbortController();
    let slowSettled = false;
    const slow = runUserSql(sandbox, SLOW_SQL, { signal: controller.signal }).finally(() => (slowSettled = true));
    expect((await runUserSql(sandbox, 'SELECT 2 AS v')).rows).toEqual([{ v: 2 }]);
    expect(slowSettled).toBe(false);
    controller.abort();
    await expect(slow).rejects.toMatchObject({ code: 'interrupted' });
  });
});

describe('withUserSqlStream', () => {
  it('hands the rows over in batches with the columns first', async () => {
    const seen: unknown[] = [];
    const columns = await withUserSqlStream(sandbox, "SELECT range AS i, 'a;b' AS s FROM range(5000)", async (stream) => {
      for await (const batch of stream.batches()) seen.push(...batch);
      return stream.columns;
    });
    expect(columns).toEqual(['i', 's']);
    expect(seen).toHaveLength(5000);
    expect(seen[4999]).toEqual({ i: 4999, s: 'a;b' });
  });

  // DuckDB's driver ends a result cut by an error as if it were complete: the rows handed over must not look whole.
  it.each(['rows', 'batches'] as const)('fails with DuckDB\'s error when a value fails halfway through the %s', async (kind) => {
    let count = 0;
    const failing = "SELECT (CASE WHEN i = 300000 THEN 'x' ELSE i::VARCHAR END)::INT AS v FROM range(500000) t(i)";
    const read = withUserSqlStream(sandbox, failing, async (stream) => {
      for await (const batch of kind === 'rows' ? stream.rows() : stream.batches()) count += batch.length;
    });
    await expect(read).rejects.toMatchObject({ code: 'sql', message: expect.stringMatching(/Could not convert string 'x' to INT32/) });
    expect(count).toBeLessThan(500000);
    // The sandbox connection is clean again for the next statement.
    expect((await runUserSql(sandbox, 'SELECT 41 + 1 AS n')).rows).toEqual([{ n: 42 }]);
  });

  it.each([
    ['EXPLAIN ANALYZE SELECT 1', 'read-only'],
    ['DELETE FROM flow_records', 'read-only'],
    ['SELEC 1', 'sql'],
  ])('refuses %s before handing anything over (%s)', async (sql, code) => {
    let consumed = false;
    await expect(withUserSqlStream(sandbox, sql, async () => (consumed = true))).rejects.toMatchObject({ code });
    expect(consumed).toBe(false);
  });
});
