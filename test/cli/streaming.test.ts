import { execFileSync, spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Store, storeMemorySettings } from '../../src/store/index.js';
import { parseNdjson, runFlowlens, runFlowlensClosingEarly, runFlowlensTo } from '../helpers/cli.js';
import { V2_HEADER } from '../helpers/temp-store.js';

const ROOT = join(import.meta.dirname, '../..');
const RECORDS = 60_000;
let dir: string;
let db: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'flowlens-stream-'));
  db = join(dir, 'flows.duckdb');
  const logs = join(dir, 'flows.log');
  const generated = await runFlowlens(['generate', '--records', String(RECORDS), '--no-gzip']);
  writeFileSync(logs, generated.stdout);
  const ingest = await runFlowlens(['ingest', logs, '--db', db]);
  expect(ingest.code).toBe(0);
}, 120_000);

describe('output to a closed pipe', () => {
  it.each([
    ['print (table)', ['print']],
    ['print --format ndjson (DuckDB writes the pipe)', ['print', '--format', 'ndjson']],
    ['print --format text', ['print', '--format', 'text']],
    ['query --format csv', ['query', 'SELECT * FROM flows', '--format', 'csv']],
    ['query --format json', ['query', 'SELECT * FROM flows, range(3)', '--format', 'json']],
    ['aggregate', ['aggregate', '--format', 'ndjson']],
    ['findip', ['findip', '0.0.0.0/0', '--format', 'ndjson']],
  ])('%s stops quietly with exit 0 when stdout closes', async (_name, args) => {
    const run = await runFlowlensClosingEarly(args, { FLOWLENS_DB: db });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
  }, 60_000);
});

describe('streamed output is whole', () => {
  it('prints every record the same through a pipe, into a file and to an in-process stream', async () => {
    const args = ['print', '--format', 'ndjson'];
    const inProcess = await runFlowlens([...args, '--db', db]);
    expect(parseNdjson(inProcess.stdout)).toHaveLength(RECORDS);
    const pipe = await runFlowlensTo('pipe', args, dir, { FLOWLENS_DB: db });
    const file = await runFlowlensTo('file', args, dir, { FLOWLENS_DB: db });
    expect(pipe.code).toBe(0);
    expect(file.code).toBe(0);
    expect(pipe.stdout).toBe(inProcess.stdout);
    expect(file.stdout).toBe(inProcess.stdout);
  }, 120_000);

  it('writes json as one array, with 128-bit addresses as exact strings', async () => {
    const run = await runFlowlens(['query', "SELECT srcaddr, src_ip, 340282366920938463463374607431768211455::UHUGEINT AS top FROM flows LIMIT 3", '--format', 'json', '--db', db]);
    expect(run.code).toBe(0);
    const rows = JSON.parse(run.stdout) as { srcaddr: string; src_ip: string; top: string }[];
    expect(rows).toHaveLength(3);
    expect(rows[0]!.top).toBe('340282366920938463463374607431768211455');
    expect(typeof rows[0]!.src_ip).toBe('string');
  });
});

describe('bounded memory', () => {
  it('gives every store a memory_limit and a temp_directory, from the environment when set', async () => {
    const store = await Store.open(db, { readOnly: true, memoryLimit: '100MB', tempDirectory: join(dir, 'spill') });
    try {
      expect(await store.scalar("SELECT current_setting('memory_limit')")).toBe('95.3 MiB');
      expect(await store.scalar("SELECT current_setting('temp_directory')")).toBe(join(dir, 'spill'));
    } finally {
      store.close();
    }
    const memory = await Store.memory();
    try {
      expect(await memory.scalar("SELECT current_setting('memory_limit')")).toBe('256.0 MiB');
      expect(String(await memory.scalar("SELECT current_setting('temp_directory')"))).toMatch(/flowlens-duckdb-\d+$/);
      // Freed memory goes back to the system in the background, not kept by the allocator after each query.
      expect(await memory.scalar("SELECT current_setting('allocator_background_threads')")).toBe(true);
    } finally {
      memory.close();
    }
    expect(storeMemorySettings('/data/x.duckdb', {}, { FLOWLENS_MEMORY_LIMIT: '1GB' })).toEqual({ memory_limit: '1GB', temp_directory: '/data/x.duckdb.tmp' });
    expect(storeMemorySettings('/data/x.duckdb', { readOnly: true }, { FLOWLENS_TEMP_DIR: '/scratch' })).toEqual({ memory_limit: '256MiB', temp_directory: '/scratch' });
  });

  it('applies FLOWLENS_MEMORY_LIMIT to the database commands read, and to the scratch database SOURCEs load into', async () => {
    const sql = "SELECT current_setting('memory_limit') AS m";
    const fromDb = await runFlowlens(['query', sql, '--db', db, '--format', 'csv'], { env: { FLOWLENS_MEMORY_LIMIT: '300MB' } });
    // The sandbox that runs the SQL takes the store's limit as DuckDB shows it (300MB = 286.1 MiB, to 0.1 MiB).
    expect(fromDb.stdout).toMatch(/^m\n286\.[01] MiB\n$/);
    const logs = join(dir, 'flows.log');
    const fromSource = await runFlowlens(['query', sql, logs, '--format', 'csv'], { env: { FLOWLENS_MEMORY_LIMIT: '200MiB' } });
    expect(fromSource.stdout).toBe('m\n200.0 MiB\n');
  }, 60_000);

  it('names the setting when the memory limit is not one DuckDB takes', async () => {
    const run = await runFlowlens(['query', 'SELECT 1', '--db', db], { env: { FLOWLENS_MEMORY_LIMIT: 'lots' } });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('FLOWLENS_MEMORY_LIMIT');
  });
});


describe('over-long lines', () => {
  it('keeps an excerpt of a 3 MB bad line in rejects, with the whole length', async () => {
    const path = join(dir, 'long.log');
    const good = '2 123456789012 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 1 1714521600 1714521660 ACCEPT OK';
    writeFileSync(path, `${V2_HEADER}\n${good}\n2 ${'x'.repeat(3_000_000)}\n${good}\n`);
    const longDb = join(dir, 'long.duckdb');
    const ingest = await runFlowlens(['ingest', path, '--db', longDb]);
    expect(ingest.code).toBe(0);
    expect(ingest.stderr.length).toBeLessThan(2000);
    const run = await runFlowlens(['rejects', '--db', longDb, '--format', 'ndjson']);
    const [reject] = parseNdjson(run.stdout) as { line: number; text: string; text_length: number }[];
    expect(reject).toMatchObject({ line: 3, text_length: 3_000_002 });
    expect(reject!.text).toHaveLength(1000);
    expect(reject!.text.endsWith('…')).toBe(true);
  }, 60_000);
});

describe('print in start order, slice by slice', () => {
  const FIELDS = ['version', 'account_id', 'interface_id', 'srcaddr', 'dstaddr', 'srcport', 'dstport', 'protocol', 'packets', 'bytes', 'start', 'end', 'action', 'log_status'];

  /** The lines DuckDB alone writes for the flows in start order (COPY of one sorted query), header dropped. */
  async function expectedLines(format: 'csv' | 'json'): Promise<string[]> {
    const file = join(dir, `expected-${format}.txt`);
    const store = await Store.open(db, { readOnly: true });
    try {
      const select = `SELECT ${FIELDS.map((f) => `"${f}"`).join(', ')} FROM flows ORDER BY "start", unit_id`;
      await store.run(`COPY (${select}) TO '${file}' (FORMAT ${format}${format === 'csv' ? ', HEADER false' : ''})`);
    } finally {
      store.close();
    }
    return readFileSync(file, 'utf8').split('\n').filter((line) => line !== '');
  }

  /** Rows that tie on start and unit_id have no fixed order: the lines as a set, and the starts in their order. */
  function comparable(lines: readonly string[], start: (line: string) => string): { sorted: string[]; starts: string[] } {
    return { sorted: [...lines].sort(), starts: lines.map(start) };
  }

  it.each([['pipe' as const], ['file' as const]])('writes the ndjson and csv lines DuckDB writes for one sorted query, through a %s', async (target) => {
    const ndjson = await runFlowlensTo(target, ['print', '--format', 'ndjson'], dir, { FLOWLENS_DB: db });
    const csv = await runFlowlensTo(target, ['print', '--format', 'csv'], dir, { FLOWLENS_DB: db });
    expect(ndjson.code).toBe(0);
    expect(csv.code).toBe(0);
    const jsonStart = (line: string): string => String((JSON.parse(line) as { start: number }).start);
    const csvStart = (line: string): string => line.split(',')[10] ?? '';
    expect(comparable(ndjson.stdout.trimEnd().split('\n'), jsonStart)).toEqual(comparable(await expectedLines('json'), jsonStart));
    const [header, ...rows] = csv.stdout.trimEnd().split('\n');
    expect(header).toBe(FIELDS.join(','));
    expect(comparable(rows, csvStart)).toEqual(comparable(await expectedLines('csv'), csvStart));
  }, 120_000);

  it('prints text and json with the same records in the same start order as ndjson', async () => {
    const ndjson = (await runFlowlens(['print', '--format', 'ndjson', '--db', db])).stdout.trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    const json = JSON.parse((await runFlowlens(['print', '--format', 'json', '--db', db])).stdout) as Record<string, unknown>[];
    const text = (await runFlowlens(['print', '--format', 'text', '--db', db])).stdout.trimEnd().split('\n');
    expect(ndjson).toHaveLength(RECORDS);
    expect(json.map((r) => r.start)).toEqual(ndjson.map((r) => r.start));
    expect(text.map((line) => Number(line.split(' ')[10]))).toEqual(ndjson.map((r) => r.start));
    const textOf = (r: Record<string, unknown>): string => FIELDS.map((f) => (r[f] === null ? '-' : String(r[f]))).join(' ');
    expect([...text].sort()).toEqual(ndjson.map(textOf).sort());
  }, 120_000);
});

describe('a device another DuckDB is writing', () => {
  it.each([
    ['print --format ndjson', ['print', '--format', 'ndjson']],
    ['print --format ndjson --limit 20000 (one query, which DuckDB writes to the device itself)', ['print', '--format', 'ndjson', '--limit', '20000']],
  ])('%s prints through a temporary file when DuckDB cannot lock the device (/dev/null held by another COPY)', async (_name, args) => {
    // DuckDB locks the file a COPY writes: /dev/null (or a terminal) is one file for every process.
    const holder = await Store.memory();
    const held = holder.run("COPY (SELECT sum(i) AS s FROM range(1000000000000) AS t(i)) TO '/dev/null' (FORMAT csv)").catch(() => undefined);
    try {
      await new Promise((resolve) => setTimeout(resolve, 500));
      const run = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
        const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bin/flowlens.ts'), ...args], {
          cwd: ROOT,
          stdio: ['ignore', 'ignore', 'pipe'],
          env: { ...process.env, FLOWLENS_DB: db },
        });
        let stderr = '';
        child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
        child.on('error', reject);
        child.on('close', (code) => resolve({ code, stderr }));
      });
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
    } finally {
      holder.connection.interrupt();
      await held;
      holder.close();
    }
  }, 120_000);
});

describe('an interrupted print', () => {
  it('removes the temporary files of its slices on SIGINT and ends by the signal', async () => {
    const temp = mkdtempSync(join(tmpdir(), 'flowlens-interrupt-'));
    const fifo = join(temp, 'stdout');
    execFileSync('mkfifo', [fifo]);
    // stdout a named pipe (as `| reader`) that nobody reads: the print waits on it with its slices on disk.
    const child = spawn('bash', ['-c', 'exec "$@" > "$FIFO"', 'flowlens', process.execPath, '--import', 'tsx', join(ROOT, 'bin/flowlens.ts'), 'print', '--format', 'ndjson'], {
      cwd: ROOT,
      stdio: 'ignore',
      env: { ...process.env, FLOWLENS_DB: db, TMPDIR: temp, FIFO: fifo },
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    const reader = openSync(fifo, 'r');
    try {
      const mine = (): string[] => readdirSync(temp).filter((name) => name.startsWith('flowlens-lines-'));
      for (let i = 0; i < 300 && mine().length === 0; i++) await new Promise((r) => setTimeout(r, 100));
      expect(mine()).toHaveLength(1);
      child.kill('SIGINT');
      expect(await exited).toBe('SIGINT');
      expect(mine()).toEqual([]);
    } finally {
      closeSync(reader);
    }
  }, 60_000);
});
