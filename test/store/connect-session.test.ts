import { describe, expect, it } from 'vitest';
import { Store } from '../../src/store/index.js';

describe('Store.connectSession', () => {
  it('opens a connection with the store session: UTC, the TEMP macros and views, the same tables', async () => {
    const store = await Store.memory();
    try {
      await store.run('CREATE TABLE t AS SELECT 7 AS n');
      const session = await store.connectSession();
      try {
        const row = (await session.runAndReadAll(`SELECT ip_to_number('10.0.0.1') = 281470849515521::UHUGEINT AS macro, current_setting('TimeZone') AS zone, (SELECT n FROM t) AS n, (SELECT count(*) FROM vpc_flow_logs) AS view_rows`)).getRowObjectsJS()[0];
        expect(row).toEqual({ macro: true, zone: 'UTC', n: 7, view_rows: 0n });
      } finally {
        session.closeSync();
      }
      // A plain connection has none of the connection's temporary objects.
      const plain = await store.connect();
      try {
        await expect(plain.run(`SELECT ip_to_number('10.0.0.1')`)).rejects.toThrow(/ip_to_number/);
      } finally {
        plain.closeSync();
      }
    } finally {
      store.close();
    }
  });
});
