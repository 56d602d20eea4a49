import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseNdjson, runFlowlens } from '../helpers/cli.js';
import { graphFixture } from '../graph/fixture.js';
import { ACCEPTED, CANARY, hostileProbes, makeProbeFolder } from './probes.js';
import type { ProbeFolder } from './probes.js';

let folder: ProbeFolder;
let before: Record<string, string>;
beforeAll(async () => {
  folder = await makeProbeFolder();
  before = folder.snapshot();
});
afterAll(() => rmSync(folder.path, { recursive: true, force: true }));

describe('flowlens query: hostile SQL on the database', () => {
  // Refused before running (exit 2, read-only) or stopped by the sandbox/DuckDB (exit 1, DuckDB's error): never 0.
  it.each(hostileProbes('{dir}', '{canary}').map(([group, sql], i) => [i, group, sql]))('probe %i (%s) fails safely: %s', async (i) => {
    const [, sql] = hostileProbes(folder.path, folder.canary)[i as number] as [string, string];
    // `--` ends the options, so SQL that starts with `--` (a comment) reaches the query.
    const run = await runFlowlens(['query', '--db', folder.db, '--format', 'json', '--', sql]);
    expect(run.code, run.stderr).not.toBe(0);
    expect(run.stderr).not.toContain('unknown option');
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^error: /);
    expect(run.stderr).not.toContain(CANARY);
    expect(run.stderr).not.toContain('root:x:0');
    expect(folder.snapshot()).toEqual(before);
  });

  it('refuses writes with exit 2, naming the statement kind', async () => {
    const cases: [string, RegExp][] = [
      ['CREATE TABLE owned(a INT)', /CREATE statement refused/],
      ["UPDATE ingest_cursors SET cursor = 'x'", /UPDATE statement refused/],
      ['INSTALL httpfs', /LOAD\/INSTALL statement refused/],
      ['SET enable_external_access = true', /SET\/RESET statement refused/],
      ['PRAGMA enable_profiling', /PRAGMA .*refused/],
      ['CALL checkpoint()', /CALL statement refused/],
      ["ATTACH ':memory:' AS m", /ATTACH statement refused/],
      ['EXPLAIN ANALYZE SELECT 1', /EXPLAIN ANALYZE refused/],
      ['SELECT 1; DELETE FROM flow_records', /only one read-only statement can run; this SQL has 2 statements/],
      ['DELETE FROM flows', /refused: flowlens runs read-only SQL only/],
    ];
    for (const [sql, message] of cases) {
      const run = await runFlowlens(['query', sql, '--db', folder.db]);
      expect(run.code, sql).toBe(2);
      expect(run.stderr, sql).toMatch(message);
    }
    expect(folder.snapshot()).toEqual(before);
  });

  it("reports a syntax error as DuckDB's parser error, not as a refusal", async () => {
    const run = await runFlowlens(['query', 'SELEC 1', '--db', folder.db]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('error: Parser Error: syntax error at or near "SELEC"');
    expect(run.stderr).not.toContain('read-only');
  });

  it("stops file reads with DuckDB's permission error, exit 2", async () => {
    const run = await runFlowlens(['query', `SELECT * FROM read_text('${folder.canary}')`, '--db', folder.db]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('error: Permission Error: Cannot access file');
    expect(run.stderr).toContain('hint: flowlens runs SQL in a sandbox');
  });

  it.each(ACCEPTED)('runs %j and returns the literal text', async (sql, expected) => {
    const run = await runFlowlens(['query', '--db', folder.db, '--format', 'ndjson', '--', sql]);
    expect(run.code, run.stderr).toBe(0);
    expect(Object.values(parseNdjson(run.stdout)[0] ?? {})).toEqual([expected]);
  });

  it('runs DESCRIBE, SHOW, SUMMARIZE, EXPLAIN and reading PRAGMAs, and the Presto date formats', async () => {
    for (const sql of ['DESCRIBE flows', 'SHOW TABLES', 'SUMMARIZE flows', 'EXPLAIN SELECT count(*) FROM flows', "PRAGMA table_info('flows')", 'PRAGMA version', 'SELECT * FROM vpc_flow_logs LIMIT 1']) {
      const run = await runFlowlens(['query', sql, '--db', folder.db, '--format', 'json']);
      expect(run.code, `${sql}: ${run.stderr}`).toBe(0);
      expect(JSON.parse(run.stdout).length, sql).toBeGreaterThan(0);
    }
    const presto = await runFlowlens(['query', "SELECT format_datetime(date_parse('2021-12-01 10:11', '%Y-%m-%d %H:%i'), 'yyyy-MM-dd''T''HH:mm') AS t", '--db', folder.db, '--format', 'csv']);
    expect(presto.stdout).toBe('t\n2021-12-01T10:11\n');
    expect(folder.snapshot()).toEqual(before);
  });
});

describe('flowlens query and insights on SOURCEs loaded into memory', () => {
  it.each([
    ['EXPLAIN ANALYZE DELETE FROM flow_records'],
    ['DELETE FROM flow_records'],
    ['EXPLAIN ANALYZE COPY (SELECT * FROM flows) TO {dir}/dump.csv'],
    ["SELECT * FROM read_text('{canary}')"],
    ["SELECT * FROM glob('/*')"],
    ['SET enable_external_access = true'],
  ])('refuses %s with the folder unchanged', async (template) => {
    const sql = template.replace('{dir}/dump.csv', `'${folder.path}/dump.csv'`).replace('{canary}', folder.canary);
    const run = await runFlowlens(['query', sql, graphFixture('flows.log')]);
    expect(run.code, run.stderr).not.toBe(0);
    expect(run.stdout).toBe('');
    expect(run.stderr).not.toContain(CANARY);
    expect(folder.snapshot()).toEqual(before);
  });

  it('loads the SOURCE before the sandbox locks, then answers', async () => {
    const run = await runFlowlens(['query', "SELECT count(*) AS n, 'a;b' AS s FROM flows", graphFixture('flows.log'), '--format', 'csv']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^n,s\n\d+,a;b\n$/);
  });

  it('runs Logs Insights in the sandbox too, on the database and on SOURCEs', async () => {
    const onDb = await runFlowlens(['insights', 'stats count(*) as n', '--db', folder.db, '--format', 'csv']);
    const onFile = await runFlowlens(['insights', 'stats count(*) as n', graphFixture('flows.log'), '--format', 'csv']);
    expect(onDb.code, onDb.stderr).toBe(0);
    expect(onDb.stdout).toMatch(/^n\n\d+\n$/);
    expect(onFile.stdout).toBe(onDb.stdout);
    expect(folder.snapshot()).toEqual(before);
  });
});
