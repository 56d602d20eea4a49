// Measures what docs/scale-out.md reports: ClickHouse load rate and top-talkers time on ClickHouse vs DuckDB.
// Usage: npx tsx bench/scale-out.ts DB.duckdb [--runs 3] [--url http://127.0.0.1:8123]
// Without --url it starts its own clickhouse-server on loopback (as the tests do) and stops it after.
import { Store } from '../src/store/index.js';
import { connectClickHouse, runClickHouseQuery } from '../src/engines/clickhouse/index.js';
import { ensureClickHouseSchema, loadIntoClickHouse } from '../src/scale/index.js';
import { startClickHouse } from '../test/scale/clickhouse-server.js';

const args = process.argv.slice(2);
const db = args[0];
if (!db) throw new Error('usage: bench/scale-out.ts DB.duckdb [--runs N] [--url URL]');
const option = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const runs = Number(option('--runs') ?? 3);
// The seed's Athena query (VpcFlowLogsTotalBytesTransferred), largest first.
const TOP_TALKERS = 'SELECT sum(bytes) AS totalbytes, srcaddr, dstaddr FROM flows GROUP BY srcaddr, dstaddr ORDER BY totalbytes DESC, srcaddr, dstaddr LIMIT 50';

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const value = await fn();
  return [value, (performance.now() - started) / 1000];
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;

const server = option('--url') ? undefined : await startClickHouse();
const url = option('--url') ?? server?.url ?? '';
const connection = await connectClickHouse({ url });
const store = await Store.open(db, { readOnly: true });
try {
  const records = Number(await store.scalar('SELECT count(*) FROM flows'));
  await ensureClickHouseSchema(connection.client, { database: 'flowlens', features: connection.features });
  const load = await loadIntoClickHouse(store, connection.client, { database: 'flowlens', features: connection.features });
  const duck: number[] = [];
  const click: number[] = [];
  let duckRows: unknown[] = [];
  let clickRows: unknown[] = [];
  for (let i = 0; i < runs; i++) {
    const [d, dt] = await timed(() => store.query(TOP_TALKERS));
    const [c, ct] = await timed(() => runClickHouseQuery(connection.client, TOP_TALKERS.replace('FROM flows', 'FROM flowlens.flows')));
    duck.push(dt);
    click.push(ct);
    duckRows = d.rows;
    clickRows = c.rows;
  }
  const same = JSON.stringify(duckRows) === JSON.stringify(clickRows);
  process.stdout.write(
    `${JSON.stringify(
      {
        records,
        clickhouseVersion: connection.features.version,
        load: { rows: load.rows, seconds: Number(load.seconds.toFixed(2)), recordsPerSecond: Math.round(load.recordsPerSecond) },
        topTalkersSeconds: { duckdb: Number(median(duck).toFixed(3)), clickhouse: Number(median(click).toFixed(3)), runs },
        identicalRows: same,
      },
      null,
      2,
    )}\n`,
  );
} finally {
  store.close();
  await connection.close();
  await server?.stop();
}
