import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runFlowlens } from '../helpers/cli.js';
import { graphFixture } from '../graph/fixture.js';

/** Text a probe must never get out: the content of the canary file next to the database. */
export const CANARY = 'CANARY-7f3a9c-do-not-leak';

/** A folder with a database ingested from the graph fixture and a canary file; `snapshot` hashes everything in it. */
export interface ProbeFolder {
  path: string;
  db: string;
  canary: string;
  /** Every file under the folder with its SHA-256 (the database included): equal snapshots mean nothing changed. */
  snapshot(): Record<string, string>;
}

/** Makes the probe folder: `flowlens ingest` of the graph fixture into probe.duckdb, plus secret.txt holding CANARY. */
export async function makeProbeFolder(): Promise<ProbeFolder> {
  const path = mkdtempSync(join(tmpdir(), 'flowlens-probe-'));
  const db = join(path, 'probe.duckdb');
  const canary = join(path, 'secret.txt');
  writeFileSync(canary, `${CANARY}\n`);
  const run = await runFlowlens(['ingest', graphFixture('flows.log'), '--db', db]);
  if (run.code !== 0) throw new Error(`ingest failed: ${run.stderr}`);
  return { path, db, canary, snapshot: () => hashTree(path) };
}

function hashTree(root: string, prefix = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(join(root, prefix)).sort()) {
    const relative = join(prefix, name);
    const full = join(root, relative);
    if (statSync(full).isDirectory()) Object.assign(out, { [`${relative}/`]: 'dir' }, hashTree(root, relative));
    else out[relative] = createHash('sha256').update(readFileSync(full)).digest('hex');
  }
  return out;
}

/**
 * The hostile statements, by what they try. `{dir}` is the probe folder, `{canary}` the canary file. Every one must
 * fail (exit code not 0, HTTP 4xx) with the folder unchanged and the canary's text nowhere in the answer.
 */
export function hostileProbes(dir: string, canary: string): [group: string, sql: string][] {
  const out = (name: string): string => `'${join(dir, name)}'`;
  const probes: [string, string][] = [
    // The probes.
    ['issue', `EXPLAIN ANALYZE COPY (SELECT * FROM flows) TO ${out('dump.csv')}`],
    ['issue', 'EXPLAIN ANALYZE DELETE FROM flow_records'],
    ['issue', 'EXPLAIN ANALYZE DROP VIEW flows'],
    ['issue', 'EXPLAIN ANALYZE CREATE TABLE owned AS SELECT 1'],
    ['issue', `EXPLAIN ANALYZE ATTACH ${out('attached.duckdb')} AS a`],
    ["issue", `SELECT * FROM read_text('${canary}')`],
    ['issue', `SELECT * FROM read_blob('${canary}')`],
    ['issue', `SELECT * FROM read_csv('${canary}')`],
    ['issue', "SELECT * FROM glob('/*')"],
    ['issue', "SELECT * FROM read_text('/etc/passwd')"],
    // Plain writes of every kind.
    ['write', 'DELETE FROM flows'],
    ['write', 'DELETE FROM flow_records'],
    ['write', 'INSERT INTO ingest_cursors VALUES (\'x\', \'y\', now())'],
    ['write', "UPDATE ingest_cursors SET cursor = 'x'"],
    ['write', 'DROP VIEW flows'],
    ['write', 'CREATE TABLE owned(a INT)'],
    ['write', 'CREATE TEMP TABLE owned(a INT)'],
    ['write', 'CREATE MACRO evil(x) AS x'],
    ['write', 'ALTER TABLE ingest_units ADD COLUMN owned INT'],
    ['write', `COPY flows TO ${out('dump.csv')}`],
    ['write', `COPY (SELECT * FROM flows) TO ${out('dump.parquet')} (FORMAT parquet)`],
    ['write', `EXPORT DATABASE ${out('exported')}`],
    ['write', 'MERGE INTO ingest_cursors USING ingest_cursors s ON true WHEN MATCHED THEN DELETE'],
    ['write', 'CHECKPOINT'],
    ['write', 'VACUUM'],
    ['write', 'ANALYZE'],
    ['write', 'BEGIN TRANSACTION'],
    ["write", "SELECT nextval('ingest_unit_seq')"],
    // EXPLAIN ANALYZE and EXPLAIN of every write kind.
    ...['INSERT INTO ingest_cursors VALUES (\'x\', \'y\', now())', "UPDATE ingest_cursors SET cursor = 'x'", 'DELETE FROM ingest_cursors', 'CREATE TABLE owned(a INT)', 'DROP TABLE ingest_cursors',
      'ALTER TABLE ingest_units ADD COLUMN owned INT', `COPY flows TO ${out('dump2.csv')}`, `EXPORT DATABASE ${out('exported2')}`, 'MERGE INTO ingest_cursors USING ingest_cursors s ON true WHEN MATCHED THEN DELETE', 'SELECT 1']
      .flatMap((write): [string, string][] => [['explain analyze', `EXPLAIN ANALYZE ${write}`], ...(write === 'SELECT 1' ? [] : [['explain', `EXPLAIN ${write}`] as [string, string]])]),
    // CTEs and subqueries wrapping writes.
    ['wrapped', 'WITH d AS (DELETE FROM flow_records RETURNING *) SELECT * FROM d'],
    ['wrapped', 'WITH x AS (SELECT 1) DELETE FROM flow_records'],
    ['wrapped', `SELECT * FROM (COPY flows TO ${out('dump3.csv')})`],
    ['wrapped', `SELECT (COPY flows TO ${out('dump4.csv')})`],
    ['wrapped', "SELECT * FROM query('DELETE FROM flow_records')"],
    ['wrapped', `SELECT * FROM query('SELECT * FROM read_text(''${canary}'')')`],
    // Several statements, and encoded or commented variants.
    ['multi', 'SELECT 1; DELETE FROM flow_records'],
    ['multi', 'SELECT 1;\u00a0DELETE FROM flow_records'],
    ['multi', "SELECT ';'; DROP VIEW flows; --"],
    ['multi', 'SELECT 1 /* ; */ ; DROP VIEW flows'],
    ['encoded', '/* SELECT */ DELETE FROM flow_records'],
    ['encoded', '-- SELECT\nDELETE FROM flow_records'],
    ['encoded', 'dElEtE FrOm flow_records'],
    ['encoded', 'EXPLAIN/**/ANALYZE DELETE FROM flow_records'],
    ['encoded', 'explain\tanalyze\ncopy flows to ' + out('dump5.csv')],
    ['encoded', `SELECT * FROM read_text(U&'${canary.replaceAll('/', '\\002F')}')`],
    ['encoded', `SELECT * FROM read_text(chr(47) || '${canary.slice(1)}')`],
    ['encoded', `SELECT * FROM read_text(['${canary}'])`],
    ['encoded', `SELECT * FROM '${canary}'`],
    ['encoded', `FROM read_csv('file://${canary}')`],
    // Other readers, globs and URLs.
    ['read', `SELECT * FROM sniff_csv('${canary}')`],
    ['read', `SELECT * FROM read_json('${canary}')`],
    ['read', `SELECT * FROM parquet_metadata('${canary}')`],
    ['read', `SELECT * FROM glob('${dir}/*')`],
    ['read', "SELECT * FROM read_csv('http://127.0.0.1:9/x.csv')"],
    ['read', "SELECT * FROM read_parquet('https://example.com/x.parquet')"],
    ['read', "SELECT * FROM 's3://bucket/x.csv'"],
    // ATTACH, extensions, settings.
    ['attach', `ATTACH ${out('attached.duckdb')} AS a`],
    ['attach', "ATTACH ':memory:' AS m"],
    ['attach', 'DETACH probe'],
    ['attach', 'USE memory'],
    ['extension', 'INSTALL httpfs'],
    ['extension', 'FORCE INSTALL httpfs'],
    ['extension', 'LOAD httpfs'],
    ['extension', `LOAD ${out('evil.duckdb_extension')}`],
    ['extension', 'UPDATE EXTENSIONS'],
    ['settings', 'SET enable_external_access = true'],
    ['settings', 'RESET enable_external_access'],
    ['settings', 'SET lock_configuration = false'],
    ['settings', 'RESET ALL'],
    ['settings', 'PRAGMA enable_external_access = true'],
    ['settings', 'PRAGMA threads = 1'],
    ['settings', 'PRAGMA enable_profiling'],
    ['settings', `SET profiling_output = ${out('profile.json')}`],
    ['settings', `PRAGMA import_database('${dir}')`],
    ['settings', 'SET VARIABLE v = 1'],
    ['settings', 'CALL checkpoint()'],
    ['settings', 'CALL pragma_version()'],
    ['settings', "CREATE SECRET s (TYPE s3, KEY_ID 'x', SECRET 'y')"],
    ['settings', 'PREPARE p AS SELECT 1'],
  ];
  return probes;
}

/** Read-only statements that must run: the literal-text cases and each accepted kind. */
export const ACCEPTED: [sql: string, expected: unknown][] = [
  ["SELECT '--x' AS v", '--x'],
  ["SELECT 'a;b' AS v", 'a;b'],
  ["SELECT 'a/**/b' AS v", 'a/**/b'],
  ["SELECT 'it''s; -- /* not */ a comment' AS v", "it's; -- /* not */ a comment"],
  ['/* a comment first */\nSELECT 1 AS v -- and one last ;', 1],
  ['-- a line comment first\nSELECT 6 AS v', 6],
  ['SELECT 5 AS v /* a closing comment */ ;', 5],
  ['WITH x AS (SELECT 2 AS v) SELECT v FROM x', 2],
  ['FROM (SELECT 3 AS v)', 3],
  ['VALUES (4)', 4],
];
