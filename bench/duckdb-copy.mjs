#!/usr/bin/env node
// The peer of flowlens's streamed outputs: DuckDB alone writing a query's rows to stdout with COPY, in a process of
// its own with the store opened read-only and the memory_limit flowlens gives every store (DEFAULT_MEMORY_LIMIT).
//   usage: node bench/duckdb-copy.mjs DB FORMAT(csv|json) SQL
import { createRequire } from 'node:module';

// Loaded as flowlens loads it (require: no ESM scan of the CommonJS package's re-exports at start).
const { DuckDBInstance } = createRequire(import.meta.url)('@duckdb/node-api');

const [db, format, sql] = process.argv.slice(2);
if (!db || !format || !sql) {
  process.stderr.write('usage: node bench/duckdb-copy.mjs DB csv|json SQL\n');
  process.exit(2);
}
const instance = await DuckDBInstance.create(db, { access_mode: 'READ_ONLY', memory_limit: '256MiB' });
const connection = await instance.connect();
try {
  await connection.run(`COPY (${sql}) TO '/dev/stdout' (FORMAT ${format})`);
} catch (error) {
  // A reader that stopped early (`| head`) is not a failure of the peer.
  if (!/broken pipe|EPIPE/i.test(String(error.message))) throw error;
} finally {
  connection.closeSync();
  instance.closeSync();
}
