import { PassThrough } from 'node:stream';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { CliContext } from '../../src/cli/context.js';
import { RecordPrinter } from '../../src/cli/record-printer.js';
import type { OutputFormat } from '../../src/cli/render.js';
import { printSqlLines, readLineProfile, readPresentColumns } from '../../src/cli/sql-lines.js';
import type { LineColumn } from '../../src/cli/sql-lines.js';
import { sqlLiteral, Store } from '../../src/store/index.js';

const FORMATS: OutputFormat[] = ['table', 'ndjson', 'json', 'csv', 'text'];
const SQL_FORMATS: OutputFormat[] = ['ndjson', 'json', 'csv', 'text'];
const COLUMNS: LineColumn[] = [
  { name: 'port', kind: 'integer' },
  { name: 'bytes', kind: 'integer' },
  { name: 'iface', kind: 'text' },
  { name: 'status', kind: 'text' },
];
type Row = [number | null, bigint | null, string | null, string | null];

let store: Store;
beforeAll(async () => {
  store = await Store.memory();
});
afterAll(() => store.close());

/** A context whose stdout is collected into a string. */
function capture(): { context: CliContext; text: () => string } {
  const stdout = new PassThrough();
  const chunks: Buffer[] = [];
  stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
  return { context: { stdout, stderr: new PassThrough(), env: {}, interactive: false, exitCode: 0 }, text: () => Buffer.concat(chunks).toString('utf8') };
}

async function loadRows(rows: readonly Row[]): Promise<string> {
  await store.run('CREATE OR REPLACE TABLE t (id INTEGER, port INTEGER, bytes BIGINT, iface VARCHAR, status VARCHAR)');
  if (rows.length > 0) await store.run(`INSERT INTO t VALUES ${rows.map((r, i) => `(${[i, ...r].map((v) => sqlLiteral(v)).join(', ')})`).join(', ')}`);
  return 'SELECT port, bytes, iface, status FROM t ORDER BY id';
}

/** The reference: rows as JS objects through the RecordPrinter, as findip printed them before. */
async function printedByJs(query: string, format: OutputFormat): Promise<string> {
  const out = capture();
  const printer = new RecordPrinter(out.context, format, undefined);
  const names = COLUMNS.map((c) => c.name);
  for await (const batch of store.stream(query)) await printer.rows(names, batch);
  await printer.finish();
  return out.text();
}

/** The JS reference, with the csv header SQL printing writes even for no rows. */
async function expectedText(query: string, format: OutputFormat): Promise<string> {
  const text = await printedByJs(query, format);
  return text === '' && format === 'csv' ? 'port,bytes,iface,status\n' : text;
}

/** SQL rendering when the profile allows it (as findip does), else the RecordPrinter; returns the text and the path taken. */
async function printedBySql(query: string, format: OutputFormat): Promise<{ text: string; sql: boolean }> {
  const profile = await readLineProfile(store, `(${query})`, COLUMNS, format);
  if (!profile.renderable) return { text: await printedByJs(query, format), sql: false };
  const out = capture();
  await printSqlLines(out.context, store, query, COLUMNS, format);
  return { text: out.text(), sql: true };
}

describe('printSqlLines', () => {
  it.each(SQL_FORMATS)('writes the same %s text as the RecordPrinter for plain rows', async (format) => {
    const query = await loadRows([
      [22, 120n, 'eni-1a', 'OK'],
      [null, 9007199254740991n, 'eni, "quoted"', null],
      [443, -5n, null, 'NODATA'],
      [8, null, 'a\\b', 'x\ty'],
    ]);
    const sql = await printedBySql(query, format);
    expect(sql.sql).toBe(true);
    expect(sql.text).toBe(await printedByJs(query, format));
  });

  it.each(FORMATS)('prints nothing but the %s frame for no rows', async (format) => {
    const query = await loadRows([]);
    expect((await printedBySql(query, format)).text).toBe(await expectedText(query, format));
  });

  it('agrees with the RecordPrinter on arbitrary values in every format (property)', async () => {
    const text = fc.option(fc.string({ unit: fc.constantFrom('a', 'Z', '9', ' ', ',', '"', '\\', '/', '\n', '\r', '\t', '\x0b', '\x1f', '\x7f', '-', 'é', '😀'), maxLength: 8 }), { nil: null });
    const row = fc.tuple(
      fc.option(fc.integer({ min: -2147483648, max: 2147483647 }), { nil: null }),
      fc.option(fc.oneof(fc.bigInt({ min: -(2n ** 53n), max: 2n ** 53n }), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n })), { nil: null }),
      text,
      text,
    );
    await fc.assert(
      fc.asyncProperty(fc.array(row, { maxLength: 12 }), fc.constantFrom(...FORMATS), async (rows, format) => {
        const query = await loadRows(rows as Row[]);
        expect((await printedBySql(query, format)).text).toBe(await expectedText(query, format));
      }),
      { numRuns: 150 },
    );
  });

  it('sends tables to the RecordPrinter, and prints bigints beyond 2^53 in JSON with every digit', async () => {
    await loadRows([[1, 2n, 'eni', 'OK']]);
    expect((await readLineProfile(store, 't', COLUMNS, 'table')).renderable).toBe(false);
    const query = await loadRows([[1, 2n ** 60n + 1n, 'eni', 'OK']]);
    expect((await readLineProfile(store, 't', COLUMNS, 'ndjson')).renderable).toBe(true);
    const expected = '{"port":1,"bytes":1152921504606846977,"iface":"eni","status":"OK"}\n';
    expect((await printedBySql(query, 'ndjson')).text).toBe(expected);
    expect(await printedByJs(query, 'ndjson')).toBe(expected);
  });

  it('escapes control characters in text lines as escapeControl does, and keeps them exact in csv and ndjson', async () => {
    const query = await loadRows([[1, 2n, 'eni-\x1b[31m\x07', 'a\tb\u009b']]);
    expect((await printedBySql(query, 'text')).text).toBe('1 2 eni-\\x1b[31m\\x07 a\\x09b\\x9b\n');
    expect((await printedBySql(query, 'csv')).text).toBe('port,bytes,iface,status\n1,2,eni-\x1b[31m\x07,a\tb\u009b\n');
    expect(JSON.parse((await printedBySql(query, 'ndjson')).text)).toEqual({ port: 1, bytes: 2, iface: 'eni-\x1b[31m\x07', status: 'a\tb\u009b' });
  });

  it('writes 128-bit integers as JSON strings and as digits in csv', async () => {
    await store.run("CREATE OR REPLACE TABLE h AS SELECT 340282366920938463463374607431768211455::UHUGEINT AS ip, 'x' AS s");
    const columns: LineColumn[] = [{ name: 'ip', kind: 'huge' }, { name: 's', kind: 'text' }];
    const out = capture();
    await printSqlLines(out.context, store, 'SELECT ip, s FROM h', columns, 'ndjson');
    expect(out.text()).toBe('{"ip":"340282366920938463463374607431768211455","s":"x"}\n');
    const csv = capture();
    await printSqlLines(csv.context, store, 'SELECT ip, s FROM h', columns, 'csv');
    expect(csv.text()).toBe('ip,s\n340282366920938463463374607431768211455,x\n');
  });

  // (Not table: the RecordPrinter sizes a table's columns 2,048 rows at a time, SQL over all rows.)
  it.each(['ndjson', 'csv', 'text'] as const)('prints %s output of many megabytes whole, fixing JSON lines across block boundaries', async (format) => {
    // 40,000 rows of ~100 bytes span several of the 1 MiB blocks the file is copied in; control characters here and there.
    await store.run(`CREATE OR REPLACE TABLE t AS SELECT i AS id, i % 65536 AS port, (i * 7919)::BIGINT AS bytes,
      CASE WHEN i % 9973 = 5 THEN 'v' || chr(11) || 't' ELSE 'eni-' || repeat(md5(i::VARCHAR), 2) END AS iface,
      CASE WHEN i % 3 = 0 THEN NULL ELSE 'OK' END AS status FROM range(40000) r(i)`);
    const query = 'SELECT port, bytes, iface, status FROM t ORDER BY id';
    const sql = await printedBySql(query, format);
    expect(sql.sql).toBe(true);
    expect(sql.text.length).toBeGreaterThan(3_000_000);
    expect(sql.text).toBe(await printedByJs(query, format));
  });
});

describe('readPresentColumns', () => {
  it('finds a column whose only value is beyond the first 2,048 rows, and none in no rows', async () => {
    await store.run('CREATE OR REPLACE TABLE p AS SELECT i, CASE WHEN i = 3000 THEN 1 END AS late, NULL::VARCHAR AS never FROM range(4000) r(i)');
    expect(await readPresentColumns(store, 'p', ['never', 'late', 'i'])).toEqual(['late', 'i']);
    expect(await readPresentColumns(store, '(SELECT * FROM p WHERE FALSE)', ['i'])).toEqual([]);
  });

  it('rules out never-filled columns from statistics and still scans for the others', async () => {
    await store.run('CREATE OR REPLACE TABLE q AS SELECT i, CASE WHEN i = 3000 THEN 1 END AS cleared, NULL::VARCHAR AS never FROM range(4000) r(i)');
    // The statistics still say `cleared` once held a value; only the scan can tell it holds none now.
    await store.run('UPDATE q SET cleared = NULL');
    const seen: string[] = [];
    const query = store.query.bind(store);
    const spy = vi.spyOn(store, 'query').mockImplementation((sql: string, params?: Parameters<Store['query']>[1]) => {
      seen.push(sql);
      return query(sql, params);
    });
    try {
      expect(await readPresentColumns(store, 'q', ['never', 'cleared', 'i'])).toEqual(['i']);
    } finally {
      spy.mockRestore();
    }
    const scans = seen.filter((sql) => sql.includes('EXISTS'));
    expect(scans).toHaveLength(1);
    expect(scans[0]).toContain('"cleared"');
    expect(scans[0]).not.toContain('"never"');
  });
});
