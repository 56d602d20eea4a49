// The peer: DuckDB's own read_csv loading flow-log files into a table of a database file.
// usage: node duckdb-csv.mjs DB LIST_FILE typed|naive [report]
//   typed: a table with the default format's 14 columns and types (what flowlens stores), explicit columns, no sniffing;
//   naive: CREATE TABLE AS read_csv with auto-detected types (addresses stay VARCHAR), the baseline for queries;
//   report: after the load, the same process answers `flowlens report top-talkers` (TOP_TALKERS_SQL) on the table.
import { performance } from 'node:perf_hooks';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

// Loaded as flowlens loads it (require: no ESM scan of the CommonJS package's re-exports at start).
const { DuckDBInstance } = createRequire(import.meta.url)('@duckdb/node-api');

/** The default format's columns and the types flowlens stores them as. */
export const CSV_COLUMNS = {
  version: 'INTEGER',
  account_id: 'VARCHAR',
  interface_id: 'VARCHAR',
  srcaddr: 'VARCHAR',
  dstaddr: 'VARCHAR',
  srcport: 'INTEGER',
  dstport: 'INTEGER',
  protocol: 'INTEGER',
  packets: 'BIGINT',
  bytes: 'BIGINT',
  start: 'BIGINT',
  end: 'BIGINT',
  action: 'VARCHAR',
  log_status: 'VARCHAR',
};

/** `flowlens report top-talkers` (its default limit) written over the peer's table. */
export const TOP_TALKERS_SQL = `SELECT srcaddr, dstaddr, sum(bytes) AS totalbytes, sum(packets) AS totalpackets, count(*) AS flows
FROM flows WHERE srcaddr IS NOT NULL AND dstaddr IS NOT NULL
GROUP BY srcaddr, dstaddr ORDER BY totalbytes DESC, srcaddr, dstaddr LIMIT 50`;

/** The typed read_csv of flow-log files: explicit columns and types (`types` overrides some), no sniffing. */
export function csvReader(files, types = {}) {
  const fileList = `[${files.map((f) => `'${f.replaceAll("'", "''")}'`).join(', ')}]`;
  const struct = Object.entries({ ...CSV_COLUMNS, ...types }).map(([name, type]) => `'${name}': '${type}'`).join(', ');
  return `read_csv(${fileList}, delim = ' ', header = true, nullstr = '-', auto_detect = false, columns = {${struct}})`;
}

async function main() {
  const [db, listFile, mode = 'typed', then] = process.argv.slice(2);
  const files = readFileSync(listFile, 'utf8').split('\n').filter(Boolean);
  const fileList = `[${files.map((f) => `'${f.replaceAll("'", "''")}'`).join(', ')}]`;
  const started = performance.now();
  const instance = await DuckDBInstance.create(db);
  const connection = await instance.connect();
  if (mode === 'typed') {
    const columns = Object.entries(CSV_COLUMNS).map(([name, type]) => `"${name}" ${type}`).join(', ');
    await connection.run(`CREATE TABLE flows (${columns})`);
    await connection.run(`INSERT INTO flows SELECT * FROM ${csvReader(files)}`);
  } else {
    // Types auto-detected (addresses stay VARCHAR); the columns named as flowlens names them, so the same SQL runs on both.
    const names = Object.keys(CSV_COLUMNS).map((name) => `'${name}'`).join(', ');
    await connection.run(`CREATE TABLE flows AS SELECT * FROM read_csv(${fileList}, delim = ' ', header = true, nullstr = '-', names = [${names}])`);
  }
  const reader = await connection.runAndReadAll('SELECT count(*)::BIGINT AS n FROM flows');
  const rows = Number(reader.getRows()[0][0]);
  let reportRows;
  if (then === 'report') reportRows = (await connection.runAndReadAll(TOP_TALKERS_SQL)).getRows().length;
  connection.closeSync();
  instance.closeSync();
  process.stdout.write(`${JSON.stringify({ rows, reportRows, seconds: (performance.now() - started) / 1000 })}\n`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
