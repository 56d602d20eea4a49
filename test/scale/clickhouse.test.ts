import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VPC_FIELDS, toColumnName } from '../../src/records/index.js';
import { clickHouseFeatures, connectClickHouse, runClickHouseQuery } from '../../src/engines/clickhouse/index.js';
import type { ClickHouseConnection } from '../../src/engines/clickhouse/index.js';
import { addColumnStatements, clickHouseSchemaStatements } from '../../src/scale/index.js';
import { Store } from '../../src/store/index.js';
import { parseNdjson, runFlowlens, runFlowlensClosingEarly } from '../helpers/cli.js';
import { CLICKHOUSE_SKIP_REASON, startClickHouse } from './clickhouse-server.js';
import type { TestClickHouse } from './clickhouse-server.js';
import { sampleFlowLogText } from './sample-flows.js';

describe('ClickHouse schema statements', () => {
  it('uses IPv6 columns and codecs on modern servers and plain types on old ones', () => {
    const modern = clickHouseSchemaStatements({ database: 'flowlens', features: clickHouseFeatures('24.3.2.23') }).join('\n');
    expect(modern).toContain('src_ip IPv6 DEFAULT toIPv6OrDefault');
    expect(modern).toContain('CODEC(ZSTD(1))');
    const old = clickHouseSchemaStatements({ database: 'flowlens', features: clickHouseFeatures('18.16.1') }).join('\n');
    expect(old).toContain('src_ip FixedString(16)');
    expect(old).not.toContain('CODEC');
    expect(old).toContain('PARTITION BY toYYYYMMDD(ts)');
    expect(old).toContain('`action` Nullable(String)');
    expect(modern).toContain('`action` LowCardinality(Nullable(String))');
  });

  it('starts with the v2–v5 fields and adds the others a load needs', () => {
    const options = { database: 'flowlens', features: clickHouseFeatures('18.16.1') };
    const create = clickHouseSchemaStatements(options).join('\n');
    expect(create).toContain('`traffic_path` Nullable(Int32)');
    expect(create).not.toContain('`ecs_task_id`');
    expect(addColumnStatements(options, new Set(['version', 'srcaddr']), ['srcaddr', 'ecs_task_id', 'reject_reason'])).toEqual([
      'ALTER TABLE `flowlens`.`flows` ADD COLUMN `ecs_task_id` Nullable(String)',
      'ALTER TABLE `flowlens`.`flows` ADD COLUMN `reject_reason` Nullable(String)',
    ]);
  });

  it('prints the cluster variant: local tables ON CLUSTER and a Distributed table', async () => {
    const run = await runFlowlens(['clickhouse', 'schema', '--print', '--cluster', 'logs', '--server-version', '24.3']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('CREATE TABLE IF NOT EXISTS `flowlens`.`flows_local` ON CLUSTER `logs`');
    expect(run.stdout).toContain('ENGINE = Distributed(`logs`, `flowlens`, `flows_local`, unit_hash)');
  });

  it('rejects a database name that is not an identifier', async () => {
    const run = await runFlowlens(['clickhouse', 'schema', '--print', '--database', 'x;DROP']);
    expect(run.code).toBe(2);
  });
});

describe.skipIf(CLICKHOUSE_SKIP_REASON !== undefined)('ClickHouse server', () => {
  let server: TestClickHouse;
  let dir: string;
  let db: string;
  let connection: ClickHouseConnection;

  beforeAll(async () => {
    server = await startClickHouse();
    dir = await mkdtemp(join(tmpdir(), 'flowlens-ch-test-'));
    db = join(dir, 'flows.duckdb');
    await writeFile(join(dir, 'a.log'), sampleFlowLogText(1500, { seed: 1 }));
    await writeFile(join(dir, 'b.log'), sampleFlowLogText(700, { seed: 2, firstStart: 1_704_500_000 }));
    expect((await runFlowlens(['ingest', join(dir, 'a.log'), join(dir, 'b.log'), '--db', db])).code).toBe(0);
    connection = await connectClickHouse({ url: server.url, database: 'default' });
  });

  afterAll(async () => {
    await connection?.close();
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('creates the schema, loads every record once, and skips loaded units on a rerun', async () => {
    const schema = await runFlowlens(['clickhouse', 'schema', '--url', server.url]);
    expect(schema.code, schema.stderr).toBe(0);
    const load = await runFlowlens(['clickhouse', 'load', '--db', db, '--url', server.url, '--batch-rows', '1000']);
    expect(load.code, load.stderr).toBe(0);
    expect(load.stdout).toMatch(/^loaded 2200 records from 2 units into flowlens\.flows in [\d.]+ s \(\d+ records\/s\); 0 units were already loaded/);
    const again = await runFlowlens(['clickhouse', 'load', '--db', db, '--url', server.url]);
    expect(again.stdout).toMatch(/^loaded 0 records from 0 units .*; 2 units were already loaded/);
    const count = await runClickHouseQuery(connection.client, 'SELECT count() AS n FROM flowlens.flows');
    expect(count.rows).toEqual([{ n: 2200 }]);
  });

  it('loads SOURCEs straight from files, once per file', async () => {
    const args = ['clickhouse', 'load', join(dir, 'a.log'), join(dir, 'b.log'), '--url', server.url, '--table', 'direct'];
    const first = await runFlowlens(args);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/^loaded 2200 records from 2 units into flowlens\.direct/);
    expect((await runFlowlens(args)).stdout).toMatch(/^loaded 0 records from 0 units .*; 2 units were already loaded/);
  });

  it('holds the same values as the store, nulls included', async () => {
    const columns = VPC_FIELDS.map((f) => toColumnName(f.name));
    const list = columns.map((c) => `"${c}"`).join(', ');
    const order = 'ORDER BY start, srcport, dstport, bytes, srcaddr';
    const fromClickHouse = await runClickHouseQuery(connection.client, `SELECT ${list} FROM flowlens.flows ${order}`);
    const store = await Store.open(db, { readOnly: true });
    try {
      const fromStore = await store.query(`SELECT ${list} FROM flows ${order.replace('srcaddr', 'srcaddr NULLS LAST')}`);
      expect(fromClickHouse.rows).toEqual(fromStore.rows);
    } finally {
      store.close();
    }
  });

  it('maps IPv4 and IPv6 text to the same 128-bit space as the store', async () => {
    const result = await runClickHouseQuery(
      connection.client,
      "SELECT DISTINCT srcaddr, hex(src_ip) AS h FROM flowlens.flows WHERE srcaddr IN ('10.0.1.3', '2001:db8::1') ORDER BY srcaddr",
    );
    expect(result.rows).toEqual([
      { srcaddr: '10.0.1.3', h: '00000000000000000000FFFF0A000103' },
      { srcaddr: '2001:db8::1', h: '20010DB8000000000000000000000001' },
    ]);
  });

  it('partitions by day', async () => {
    const parts = await runClickHouseQuery(connection.client, "SELECT DISTINCT partition FROM system.parts WHERE database = 'flowlens' AND table = 'flows' AND active ORDER BY partition");
    expect(parts.rows.map((r) => r.partition)).toEqual(['20240101', '20240102', '20240103', '20240106', '20240107', '20240108', '20240109']);
  });

  it('runs SQL with `flowlens clickhouse query`', async () => {
    const run = await runFlowlens(['clickhouse', 'query', 'SELECT action, count() AS flows FROM flows GROUP BY action ORDER BY action', '--url', server.url, '--format', 'ndjson']);
    expect(run.code, run.stderr).toBe(0);
    const rows = parseNdjson(run.stdout);
    expect(rows.map((r) => r.action)).toEqual(['ACCEPT', 'REJECT', null]);
    expect(rows.reduce((sum, r) => sum + Number(r.flows), 0)).toBe(2200);
  });

  it('streams a large result and stops quietly when stdout closes (| head)', async () => {
    const sql = 'SELECT number, toString(number) AS text FROM system.numbers LIMIT 3000000';
    const closed = await runFlowlensClosingEarly(['clickhouse', 'query', sql, '--url', server.url, '--format', 'csv']);
    expect(closed).toEqual({ code: 0, stderr: '' });
    const counted = await runFlowlens(['clickhouse', 'query', 'SELECT number FROM system.numbers LIMIT 250000', '--url', server.url, '--format', 'csv']);
    expect(counted.code, counted.stderr).toBe(0);
    const lines = counted.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(250001);
    expect(lines.at(-1)).toBe('249999');
  });

  it('explains a query ClickHouse rejects', async () => {
    const run = await runFlowlens(['clickhouse', 'query', 'SELECT nope FROM flows', '--url', server.url]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/ClickHouse rejected the query: .*nope/);
  });
});

it('fails with a hint when no server answers', async () => {
  const run = await runFlowlens(['clickhouse', 'query', 'SELECT 1', '--url', 'http://127.0.0.1:9']);
  expect(run.code).toBe(1);
  expect(run.stderr).toMatch(/cannot reach ClickHouse at http:\/\/127\.0\.0\.1:9/);
});
