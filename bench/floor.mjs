// The floors of ingest: work every ingest must do, timed alone, to tell which targets are physically reachable.
// usage: node floor.mjs gunzip LIST_FILE
//          decompresses every file with node's zlib and discards the bytes (what any .log.gz ingest must do);
//        node floor.mjs parse LIST_FILE THREADS
//          DuckDB's read_csv converting every column of the files to typed values, storing nothing;
//        node floor.mjs insert DIST_DIR STORE_DB OUT_DB THREADS
//          copies the flow rows of STORE_DB into memory (not timed), then times inserting them, already parsed and
//          typed, into the flows table of a fresh store OUT_DB with ingest's settings, committed and checkpointed:
//          what DuckDB costs as the store, with no text, no parsing and no validation.
// Prints {rows, seconds, cpu}: wall and CPU seconds of the timed part only.
import { createReadStream, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { createGunzip } from 'node:zlib';

const [mode, ...rest] = process.argv.slice(2);
const started = { wall: 0, cpu: process.cpuUsage() };
const start = () => {
  started.cpu = process.cpuUsage();
  started.wall = performance.now();
};
const finish = (rows) => {
  const cpu = process.cpuUsage(started.cpu);
  process.stdout.write(`${JSON.stringify({ rows, seconds: (performance.now() - started.wall) / 1000, cpu: (cpu.user + cpu.system) / 1e6 })}\n`);
};

if (mode === 'gunzip') {
  const files = readFileSync(rest[0], 'utf8').split('\n').filter(Boolean);
  let bytes = 0;
  start();
  for (const file of files) {
    const sink = new Writable({ write: (chunk, _encoding, done) => void ((bytes += chunk.length), done()) });
    await pipeline(createReadStream(file, { highWaterMark: 1024 * 1024 }), createGunzip({ chunkSize: 256 * 1024 }), sink);
  }
  finish(bytes);
} else if (mode === 'parse') {
  // The cheapest known text → typed values: DuckDB's own reader, every column converted (counted), nothing stored.
  const [list, threads = '2'] = rest;
  const files = readFileSync(list, 'utf8').split('\n').filter(Boolean);
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const { CSV_COLUMNS, csvReader } = await import('./duckdb-csv.mjs');
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  await connection.run(`SET threads = ${Number(threads)}`);
  const counts = Object.keys(CSV_COLUMNS).map((name) => `count("${name}")`);
  start();
  const reader = await connection.runAndReadAll(`SELECT count(*)::BIGINT, ${counts.join(', ')} FROM ${csvReader(files)}`);
  finish(Number(reader.getRows()[0][0]));
  connection.closeSync();
  instance.closeSync();
} else if (mode === 'insert') {
  const [dist, source, out, threads = '2'] = rest;
  const { Store, quoteIdentifier, sqlLiteral } = await import(pathToFileURL(join(dist, 'src', 'store', 'index.js')).href);
  rmSync(out, { force: true });
  rmSync(`${out}.wal`, { force: true });
  const store = await Store.open(out);
  await store.run(`ATTACH ${sqlLiteral(source)} AS src (READ_ONLY)`);
  await store.run("ATTACH ':memory:' AS mem");
  const columns = (await store.query("SELECT column_name FROM duckdb_columns() WHERE database_name = 'src' AND table_name = 'flow_records' ORDER BY column_index")).rows.map((r) =>
    quoteIdentifier(String(r.column_name)),
  );
  await store.run(`CREATE TABLE mem.rows AS SELECT ${columns.join(', ')} FROM src.flow_records`);
  await store.run('DETACH src');
  // ingest's settings (IngestQueue.configure) but every core: the floor is the fastest DuckDB can store these rows.
  await store.run(`SET threads = ${Number(threads)}`);
  await store.run("SET disabled_compression_methods = 'fsst'");
  const rows = Number(await store.scalar('SELECT count(*) FROM mem.rows'));
  start();
  await store.run('BEGIN TRANSACTION');
  await store.run(`INSERT INTO flow_records (${columns.join(', ')}) SELECT * FROM mem.rows`);
  await store.run('COMMIT');
  await store.run('CHECKPOINT');
  finish(rows);
  store.close();
  rmSync(out, { force: true });
} else {
  throw new Error(`unknown mode ${mode}: gunzip or insert`);
}
