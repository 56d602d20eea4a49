import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FlowlensError } from '../../src/records/index.js';
import { explainDiskError, removeStaleIngestFolders, Store } from '../../src/store/index.js';
import { parseNdjson, runFlowlens } from '../helpers/cli.js';
import { V2_HEADER } from '../helpers/temp-store.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const NOBODY = 65534;
const line = (i: number): string => `2 123456789010 eni-1 10.0.0.${i} 10.0.2.6 ${1000 + i} 443 6 10 ${i} ${1700000000 + i} ${1700000060 + i} ACCEPT OK`;
const flowFile = (rows: number, offset = 0): string => `${V2_HEADER}\n${Array.from({ length: rows }, (_, i) => line(offset + i)).join('\n')}\n`;

let base: string;
let dir: string;
beforeEach(() => {
  base = dir = mkdtempSync(join(tmpdir(), 'flowlens-faults-'));
});
afterEach(() => {
  rmSync(base, { recursive: true, force: true, maxRetries: 2 });
});

// Runs the CLI from source in a child process (as another user, or with its own TMPDIR).
function cli(args: string[], options: { uid?: number; env?: Record<string, string> } = {}): ReturnType<typeof spawnSync> {
  return spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'bin/flowlens.ts'), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, ...options.env },
    ...(options.uid === undefined ? {} : { uid: options.uid, gid: options.uid }),
  });
}

// As root, chmod does not deny: the test then runs the CLI as nobody, which must be able to read the code.
const IS_ROOT = process.getuid?.() === 0;
const NOBODY_CANNOT_RUN =
  IS_ROOT && spawnSync(process.execPath, ['-e', `require('fs').accessSync(${JSON.stringify(join(ROOT, 'bin/flowlens.ts'))})`], { uid: NOBODY, gid: NOBODY }).status !== 0;

describe('ingest of a folder with unreadable paths', () => {
  // Skipped only when running as root where the user nobody cannot read this checkout (permissions cannot be denied to root).
  it.skipIf(NOBODY_CANNOT_RUN)('names the unreadable file and subfolder with a hint, loads the others and exits 1', async () => {
    const temp = join(dir, 'tmp');
    mkdirSync(temp, { mode: 0o777 });
    dir = join(dir, 'data');
    mkdirSync(dir);
    writeFileSync(join(dir, 'a.log'), flowFile(3));
    writeFileSync(join(dir, 'b.log'), flowFile(4, 10));
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'sub', 'c.log'), flowFile(5, 20));
    writeFileSync(join(dir, 'd.log'), flowFile(6, 30));
    chmodSync(join(dir, 'b.log'), 0o000);
    chmodSync(join(dir, 'sub'), 0o000);
    const db = join(dir, 'store.duckdb');
    let code: number | null;
    let stdout: string;
    let stderr: string;
    if (IS_ROOT) {
      // chmod does not deny root: the CLI runs as nobody, for whom the permissions hold.
      for (const path of [base, dir, temp]) chmodSync(path, 0o777);
      const run = cli(['ingest', dir, '--db', db, '--format', 'json'], { uid: NOBODY, env: { HOME: temp, TMPDIR: temp } });
      ({ status: code } = run);
      [stdout, stderr] = [String(run.stdout), String(run.stderr)];
    } else {
      ({ code, stdout, stderr } = await runFlowlens(['ingest', dir, '--db', db, '--format', 'json']));
    }
    chmodSync(join(dir, 'sub'), 0o755);
    expect(stderr).toContain(`error: cannot read ${join(dir, 'b.log')}: permission denied`);
    expect(stderr).toContain(`error: cannot read ${join(dir, 'sub')}: permission denied`);
    expect(stderr).toContain('hint: give the user running flowlens read access');
    expect(JSON.parse(stdout)).toMatchObject({ units: 2, records: 9, failedUnits: 2 });
    expect(code).toBe(1);
  }, 60_000);
});

describe('binary files among the SOURCE files', () => {
  it('refuses a DuckDB database given as a SOURCE by name, with a hint, loads the other files and exits 1', async () => {
    const store = await Store.open(join(dir, 'other.duckdb'));
    await store.run('CREATE TABLE t AS SELECT range AS i FROM range(100000)');
    store.close();
    writeFileSync(join(dir, 'a.log'), flowFile(3));
    // A folder's listing leaves .duckdb files out; named as a SOURCE, the file is read and refused.
    const sources = [join(dir, 'a.log'), join(dir, 'other.duckdb')];
    for (const args of [['report', 'top-talkers', ...sources, '--format', 'ndjson'], ['ingest', ...sources, '--db', join(base, 'store.duckdb'), '--format', 'json']]) {
      const run = await runFlowlens(args);
      expect(run.code, run.stderr).toBe(1);
      expect(run.stderr).toContain('other.duckdb: is a DuckDB database, not a text log');
      expect(run.stderr).toContain('--db');
      expect(run.stderr).not.toContain('bad lines');
    }
    const report = await runFlowlens(['report', 'top-talkers', ...sources, '--format', 'ndjson']);
    expect(parseNdjson(report.stdout)).toHaveLength(3);
  });

  it('refuses other binary data by name', async () => {
    writeFileSync(join(dir, 'image.log'), Buffer.concat([Buffer.from('\x89PNG\r\n\x1a\n'), Buffer.alloc(64)]));
    writeFileSync(join(dir, 'a.log'), flowFile(3));
    const run = await runFlowlens(['ingest', dir, '--db', join(base, 'store.duckdb')]);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toContain('image.log: is binary data, not a text log');
    const count = await runFlowlens(['query', 'SELECT count(*) AS n FROM flows', '--db', join(base, 'store.duckdb'), '--format', 'ndjson']);
    expect(parseNdjson(count.stdout)).toEqual([{ n: 3 }]);
  });
});

describe('temporary files of interrupted ingests', () => {
  it('removes flowlens-ingest and flowlens-aggregate folders whose process is gone, and keeps those of running processes', () => {
    const gone = spawnSync(process.execPath, ['-e', '']).pid as number;
    const dead = join(dir, `flowlens-ingest-${gone}-abc123`);
    const deadAggregate = join(dir, `flowlens-aggregate-${gone}-ghi789`);
    const alive = join(dir, `flowlens-ingest-${process.pid}-def456`);
    const other = join(dir, 'flowlens-ingest-legacy');
    for (const folder of [dead, deadAggregate, alive, other]) {
      mkdirSync(folder);
      writeFileSync(join(folder, 'chunk-0.txt'), 'x');
    }
    expect(removeStaleIngestFolders(dir).sort()).toEqual([deadAggregate, dead].sort());
    expect([existsSync(dead), existsSync(deadAggregate), existsSync(alive), existsSync(other)]).toEqual([false, false, true, true]);
  });

  it('removes what a killed run spilled into <db>.tmp when the next ingest opens the database', async () => {
    const db = join(dir, 'store.duckdb');
    writeFileSync(join(dir, 'a.log'), flowFile(3));
    mkdirSync(`${db}.tmp`);
    writeFileSync(join(`${db}.tmp`, 'duckdb_temp_storage_S32K-0.tmp'), Buffer.alloc(4096));
    const run = await runFlowlens(['ingest', join(dir, 'a.log'), '--db', db, '--format', 'json']);
    expect(run.code).toBe(0);
    expect(readdirSync(`${db}.tmp`)).toEqual([]);
  });

  it('removes its temporary folder on SIGINT and ends by the signal', async () => {
    const temp = join(dir, 'tmp');
    mkdirSync(temp);
    // Reading stdin that never ends keeps the ingest running until the signal.
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bin/flowlens.ts'), 'ingest', '-', '--db', join(dir, 'store.duckdb')], {
      cwd: ROOT,
      env: { ...process.env, TMPDIR: temp },
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    child.stdin.write(`${V2_HEADER}\n${line(1)}\n`);
    const mine = (): string[] => readdirSync(temp).filter((name) => name.startsWith(`flowlens-ingest-${child.pid}-`));
    for (let i = 0; i < 300 && mine().length === 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect(mine()).toHaveLength(1);
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    child.kill('SIGINT');
    expect(await exited).toBe('SIGINT');
    expect(mine()).toEqual([]);
  }, 60_000);
});

describe('ingest killed with SIGKILL part way, then run again', () => {
  it('ends with every record of every object stored exactly once', async () => {
    const data = join(dir, 'data');
    const { writeAwsLogs } = await import('../../src/generate/index.js');
    const written = await writeAwsLogs({ kind: 's3-access', records: 4000, seed: 5, start: 1714521600, hours: 600, out: data });
    const db = join(dir, 'store.duckdb');
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bin/flowlens.ts'), 'ingest', data, '--db', db], {
      cwd: ROOT,
      env: { ...process.env, TMPDIR: dir },
      stdio: 'ignore',
    });
    // Listened for at once: a fast run may end before the kill, and its exit event would be missed.
    const exited = new Promise((resolve) => child.on('exit', resolve));
    // Killed once it has started loading (its temporary folder exists), wherever it then is.
    const started = (): boolean => readdirSync(dir).some((name) => name.startsWith(`flowlens-ingest-${child.pid}-`));
    for (let i = 0; i < 300 && !started() && child.exitCode === null; i++) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 100));
    child.kill('SIGKILL');
    await exited;
    // The next run looks for leftovers in its own TMPDIR: the same folder.
    const savedTmp = process.env.TMPDIR;
    process.env.TMPDIR = dir;
    let run;
    try {
      run = await runFlowlens(['ingest', data, '--db', db, '--format', 'json']);
    } finally {
      if (savedTmp === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = savedTmp;
    }
    expect(run.code).toBe(0);
    const summary = JSON.parse(run.stdout) as { units: number; skippedUnits: number };
    expect(summary.units + summary.skippedUnits).toBe(written.objects.length);
    // The killed run's temporary folder is gone too.
    expect(readdirSync(dir).filter((name) => name.startsWith(`flowlens-ingest-${child.pid}-`))).toEqual([]);
    const check = await runFlowlens([
      'query',
      'SELECT (SELECT count(*) FROM s3_access) AS n, (SELECT count(*) FROM ingest_units) AS units, (SELECT count(*) FROM (SELECT requestid FROM s3_access GROUP BY requestid HAVING count(*) > 1)) AS repeated',
      '--db',
      db,
      '--format',
      'ndjson',
    ]);
    expect(parseNdjson(check.stdout)[0]).toEqual({ n: written.records, units: written.objects.length, repeated: 0 });
  }, 60_000);
});

describe('explainDiskError', () => {
  it('names the path and the setting to change when the device is full', () => {
    let enospc: unknown;
    try {
      writeFileSync('/dev/full', 'x');
    } catch (error) {
      enospc = error;
    }
    if (enospc === undefined) return; // no /dev/full on this system
    const chunk = Object.assign(new Error((enospc as Error).message), { code: 'ENOSPC', path: join(tmpdir(), 'flowlens-ingest-1-x', 'chunk-0.txt') });
    const explained = explainDiskError(chunk, join(dir, 'store.duckdb'));
    expect(explained).toBeInstanceOf(FlowlensError);
    expect((explained as FlowlensError).code).toBe('no-space');
    expect((explained as FlowlensError).message).toContain(chunk.path);
    expect((explained as FlowlensError).hint).toContain('TMPDIR');
    const duck = new Error(`IO Error: Could not write file "${join(dir, 'store.duckdb.wal')}": No space left on device`);
    expect((explainDiskError(duck, join(dir, 'store.duckdb')) as FlowlensError).hint).toContain('--db');
    const plain = new Error('something else');
    expect(explainDiskError(plain, 'x.db')).toBe(plain);
    // A write error without a path still gets both settings named.
    const unnamed = explainDiskError(enospc, 'x.db') as FlowlensError;
    expect(unnamed.hint).toContain('TMPDIR');
    expect(unnamed.hint).toContain('--db');
  });
});

describe('ingest when the rollups fail after the commit', () => {
  it('says the records are stored and what to run, and they are', async () => {
    const db = join(dir, 'store.duckdb');
    const store = await Store.open(db);
    // A view where the rollup ledger table should be: the rollup step fails on it.
    await store.run('CREATE VIEW flow_rollup_units_v3 AS SELECT 1 AS unit_id');
    store.close();
    writeFileSync(join(dir, 'a.log'), flowFile(7));
    const run = await runFlowlens(['ingest', join(dir, 'a.log'), '--db', db]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('error: the 7 records of 1 units were stored, but updating the query rollups failed');
    expect(run.stderr).toContain('hint: run the same flowlens ingest command again');
    const count = await runFlowlens(['query', 'SELECT count(*) AS n FROM flows', '--db', db, '--format', 'ndjson']);
    expect(parseNdjson(count.stdout)[0]?.n).toBe(7);
  });
});
