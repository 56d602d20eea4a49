import { AthenaClient } from '@aws-sdk/client-athena';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createAthenaConnector, createClickHouseConnector, createDuckDbConnector, createRemoteConnector, getDialect } from '../../src/engines/index.js';
import type { Connector } from '../../src/engines/index.js';
import { openOnFirstUse } from '../../src/engines/connector.js';
import { SqlSandbox } from '../../src/engines/duckdb/index.js';
import { connectClickHouse } from '../../src/engines/clickhouse/index.js';
import type { ClickHouseConnection } from '../../src/engines/clickhouse/index.js';
import { QueryError, UsageError } from '../../src/records/index.js';
import { Store } from '../../src/store/index.js';
import { CLICKHOUSE_SKIP_REASON, startClickHouse } from '../scale/clickhouse-server.js';
import type { TestClickHouse } from '../scale/clickhouse-server.js';
import { startFakeAthena } from '../scale/fake-athena.js';

// The same statement on every engine: five rows 1..5 from a table each engine holds (Athena's is scripted).
const FIVE = 'SELECT n FROM five ORDER BY n';
const FIVE_ROWS = [1, 2, 3, 4, 5].map((n) => ({ n }));

interface Harness {
  name: 'duckdb' | 'athena' | 'clickhouse';
  skip?: string | undefined;
  open(): Promise<Connector>;
}

let store: Store;
let athena: Awaited<ReturnType<typeof startFakeAthena>>;
let athenaClient: AthenaClient;
let clickhouse: TestClickHouse | undefined;
let clickhouseConnection: ClickHouseConnection | undefined;

const HARNESSES: Harness[] = [
  { name: 'duckdb', open: () => createDuckDbConnector(store) },
  { name: 'athena', open: () => Promise.resolve(createAthenaConnector({ client: athenaClient, workgroup: 'primary', polling: { sleep: async () => undefined } })) },
  {
    name: 'clickhouse',
    skip: CLICKHOUSE_SKIP_REASON,
    open: () => Promise.resolve(createClickHouseConnector({ url: clickhouse?.url, database: 'default' })),
  },
];

beforeAll(async () => {
  store = await Store.memory();
  await store.run('CREATE TABLE five AS SELECT CAST(range + 1 AS INTEGER) AS n FROM range(5)');
  vi.stubEnv('AWS_EC2_METADATA_DISABLED', 'true');
  vi.stubEnv('AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED', 'true');
  athena = await startFakeAthena({
    [FIVE]: { states: ['RUNNING', 'SUCCEEDED'], scannedBytes: 1000, columns: [{ Name: 'n', Type: 'integer' }], pages: [[['1'], ['2'], ['3']], [['4'], ['5']]] },
    'SELECT slow': { states: ['RUNNING'] },
  });
  athenaClient = new AthenaClient({ region: 'us-east-1', endpoint: athena.endpoint, credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' } });
  if (CLICKHOUSE_SKIP_REASON === undefined) {
    clickhouse = await startClickHouse();
    clickhouseConnection = await connectClickHouse({ url: clickhouse.url, database: 'default' });
    await clickhouseConnection.client.command({ query: 'CREATE TABLE five (n Int32) ENGINE = Memory' });
    await clickhouseConnection.client.command({ query: 'INSERT INTO five VALUES (3), (1), (5), (2), (4)' });
  }
}, 120_000);

afterAll(async () => {
  store?.close();
  athenaClient?.destroy();
  await athena?.close();
  await clickhouseConnection?.close();
  await clickhouse?.stop();
  vi.unstubAllEnvs();
});

describe.each(HARNESSES)('the $name connector', (harness) => {
  const withConnector = async (test: (connector: Connector) => Promise<void>): Promise<void> => {
    const connector = await harness.open();
    try {
      await test(connector);
    } finally {
      await connector.close();
    }
  };

  it.skipIf(harness.skip !== undefined)('names its engine and writes SQL with that engine’s dialect', async () => {
    await withConnector(async (connector) => {
      expect(connector.name).toBe(harness.name);
      expect(connector.dialect.name).toBe(harness.name);
      expect(connector.dialect).toBe(harness.name === 'duckdb' ? connector.dialect : getDialect(harness.name));
    });
  });

  it.skipIf(harness.skip !== undefined)('runs a statement and returns its rows as plain values', async () => {
    await withConnector(async (connector) => {
      const result = await connector.run(FIVE);
      expect(result.columns).toEqual(['n']);
      expect(result.rows).toEqual(FIVE_ROWS);
      expect(result.truncated).toBe(false);
      expect(result.sql).toBe(FIVE);
      expect(result.engine).toBe(harness.name);
      expect(result.elapsedMs).toBeGreaterThanOrEqual(0);
    });
  });

  it.skipIf(harness.skip !== undefined)('reads at most maxRows rows and says when it cut the result', async () => {
    await withConnector(async (connector) => {
      const cut = await connector.run(FIVE, { maxRows: 2 });
      expect(cut.rows).toEqual(FIVE_ROWS.slice(0, 2));
      expect(cut.truncated).toBe(true);
      const whole = await connector.run(FIVE, { maxRows: 5 });
      expect(whole.rows).toEqual(FIVE_ROWS);
      expect(whole.truncated).toBe(false);
    });
  });

  it.skipIf(harness.skip !== undefined)('hands the rows to onRows as they arrive and keeps none in the result', async () => {
    await withConnector(async (connector) => {
      const received: Record<string, unknown>[] = [];
      const result = await connector.run(FIVE, { onRows: (columns, _types, rows) => void (expect(columns).toEqual(['n']), received.push(...rows)) });
      expect(received).toEqual(FIVE_ROWS);
      expect(result.rows).toEqual([]);
      expect(result.columns).toEqual(['n']);
      const cut: Record<string, unknown>[] = [];
      const capped = await connector.run(FIVE, { maxRows: 2, onRows: (_c, _t, rows) => void cut.push(...rows) });
      expect(cut).toEqual(FIVE_ROWS.slice(0, 2));
      expect(capped.truncated).toBe(true);
    });
  });

  it.skipIf(harness.skip !== undefined)('rejects with QueryError interrupted when the signal has aborted', async () => {
    await withConnector(async (connector) => {
      const controller = new AbortController();
      controller.abort();
      const error = await connector.run(FIVE, { signal: controller.signal }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(QueryError);
      expect((error as QueryError).code).toBe('interrupted');
    });
  });

  it.skipIf(harness.skip !== undefined)('closes without having run, and twice', async () => {
    const connector = await harness.open();
    await connector.close();
    await connector.close();
  });
});

describe('connector details', () => {
  it('reports Athena’s query id and the cost of the data scanned', async () => {
    const connector = createAthenaConnector({ client: athenaClient, polling: { sleep: async () => undefined } });
    const result = await connector.run(FIVE);
    expect(result.athena?.queryExecutionId).toMatch(/^q-\d+$/);
    expect(result.athena?.cost).toMatchObject({ scannedBytes: 1000, billedBytes: 10 * 1024 * 1024 });
  });

  it('stops a running Athena query when the signal aborts', async () => {
    const controller = new AbortController();
    let polls = 0;
    const connector = createAthenaConnector({
      client: athenaClient,
      polling: {
        sleep: async () => {
          polls += 1;
          if (polls === 2) controller.abort();
        },
      },
    });
    const error = await connector.run('SELECT slow', { signal: controller.signal }).catch((e: unknown) => e);
    expect((error as QueryError).code).toBe('interrupted');
    expect(athena.calls.some((c) => c.target === 'StopQueryExecution')).toBe(true);
  });

  it('interrupts DuckDB statements that run in a sandbox', async () => {
    const sandbox = await SqlSandbox.open(store);
    try {
      const connector = await createDuckDbConnector(store, { sandbox });
      const controller = new AbortController();
      const running = connector.run('SELECT count(*) FROM range(10000000000) a', { signal: controller.signal });
      setTimeout(() => controller.abort(), 100);
      const error = await running.catch((e: unknown) => e);
      expect((error as QueryError).code).toBe('interrupted');
    } finally {
      await sandbox.close();
    }
  });

  it.skipIf(CLICKHOUSE_SKIP_REASON !== undefined)('streams ClickHouse values with the same types the whole-result read gives', async () => {
    const connector = createClickHouseConnector({ url: clickhouse?.url, database: 'default' });
    try {
      const sql = `SELECT toUInt64(18446744073709551615) AS big, toInt32(-7) AS small, 2.5 AS f, 'tab\there\\back' AS s, CAST(NULL AS Nullable(String)) AS nothing,
        [1, 2] AS nums, ['a\\'b', 'c,d'] AS words, (3, 'x') AS pair, toDate('2024-05-01') AS day FROM numbers(3)`;
      const whole = await connector.run(sql);
      const streamed: Record<string, unknown>[] = [];
      const result = await connector.run(sql, { onRows: (_c, _t, rows) => void streamed.push(...rows) });
      expect(streamed).toEqual(whole.rows);
      expect(result.types).toEqual(whole.types);
      expect(streamed[0]).toMatchObject({ big: 18446744073709551615n, small: -7, f: 2.5, s: 'tab\there\back', nothing: null, nums: [1, 2], words: ["a'b", 'c,d'], day: '2024-05-01' });
      let rows = 0;
      await connector.run('SELECT number FROM numbers(200000)', { onRows: (_c, _t, chunk) => void (rows += chunk.length) });
      expect(rows).toBe(200000);
    } finally {
      await connector.close();
    }
  });

  it('picks Athena for athena and trino, ClickHouse for clickhouse, and refuses duckdb', async () => {
    expect(createRemoteConnector('athena').name).toBe('athena');
    expect(createRemoteConnector('trino').dialect.name).toBe('athena');
    expect(createRemoteConnector('clickhouse').name).toBe('clickhouse');
    expect(() => createRemoteConnector('duckdb')).toThrow(UsageError);
  });
});

describe('openOnFirstUse', () => {
  it('opens once however many runs start together, and closes what it opened once', async () => {
    let opened = 0;
    let closed = 0;
    const resource = openOnFirstUse(undefined, async () => ({ n: ++opened }), async () => void closed++);
    const [a, b] = await Promise.all([resource.get(), resource.get()]);
    expect(a).toBe(b);
    expect(opened).toBe(1);
    await resource.close();
    await resource.close();
    expect(closed).toBe(1);
  });

  it('uses a given value as is and leaves it open', async () => {
    let closed = 0;
    const given = { n: 0 };
    const resource = openOnFirstUse(given, () => Promise.reject(new Error('not opened')), async () => void closed++);
    expect(await resource.get()).toBe(given);
    await resource.close();
    expect(closed).toBe(0);
  });
});
