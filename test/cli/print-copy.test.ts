import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CliContext } from '../../src/cli/context.js';
import { RecordPrinter } from '../../src/cli/record-printer.js';
import type { OutputFormat } from '../../src/cli/render.js';
import { presentFieldColumns } from '../../src/query/present-columns.js';
import { Store } from '../../src/store/index.js';
import { runFlowlens, runFlowlensTo } from '../helpers/cli.js';
import { V2_HEADER } from '../helpers/temp-store.js';

const ROOT = join(import.meta.dirname, '../..');
const FIXTURES = join(ROOT, '../shared/fixtures/aws-docs');

// Text fields JSON must escape (quote, backslash, control characters) or must not (non-ASCII, slash), one per start.
const SPECIAL_LINES = [
  `2 ab"c\\d eni-1 10.0.0.1 10.0.0.2 1 2 6 3 4 1000 1001 ACCEPT OK`,
  `2 \u00e9\u{1f600} eni-\x01\x1f\x7f 10.0.0.1 10.0.0.2 1 2 6 3 4 1002 1003 REJECT OK`,
  `2 \\"\\\\ eni-/</ 10.0.0.1 10.0.0.2 1 2 6 3 4 1004 1005 ACCEPT OK`,
  `2 123456789012 eni-\x1b[31m 10.0.0.1 10.0.0.2 1 2 6 3 4 1006 1007 ACCEPT OK`,
];

let dir: string;
let specialDb: string;
let fixtureDb: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'flowlens-print-copy-'));
  specialDb = join(dir, 'special.duckdb');
  fixtureDb = join(dir, 'fixtures.duckdb');
  const special = join(dir, 'special.log');
  writeFileSync(special, `${V2_HEADER}\n${SPECIAL_LINES.join('\n')}\n`);
  expect((await runFlowlens(['ingest', special, '--db', specialDb])).code).toBe(0);
  const logs = join(dir, 'fixtures');
  mkdirSync(logs);
  const names = existsSync(FIXTURES) ? readdirSync(FIXTURES).filter((name) => name.endsWith('.log')) : [];
  for (const name of names) copyFileSync(join(FIXTURES, name), join(logs, name));
  // Without ../shared (a checkout of this repository alone), the special lines stand in for the fixtures.
  if (names.length === 0) copyFileSync(special, join(logs, 'special.log'));
  expect((await runFlowlens(['ingest', logs, '--db', fixtureDb])).code).toBe(0);
}, 120_000);

/** Runs `flowlens print` in a child process with stdout a file or a pipe (DuckDB's COPY writes both); returns stdout. */
async function printTo(target: 'file' | 'pipe' | 'socket', db: string, format: OutputFormat): Promise<string> {
  const run = await runFlowlensTo(target, ['print', '--db', db, '--format', format], dir);
  if (run.code !== 0 || run.stderr !== '') throw new Error(`print exited ${run.code}: ${run.stderr}`);
  return run.stdout;
}

/** The reference: the store's flows in start order rendered by the RecordPrinter (JS), as tables and pipes print them. */
async function printedByJs(db: string, format: OutputFormat): Promise<string> {
  const store = await Store.open(db, { readOnly: true });
  try {
    const columns = await presentFieldColumns(store, 'TRUE');
    const stdout = new PassThrough();
    const chunks: Buffer[] = [];
    stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    const context: CliContext = {
      stdout,
      stderr: new PassThrough(),
      env: {},
      interactive: false,
      exitCode: 0,
    };
    const printer = new RecordPrinter(context, format, undefined);
    const select = `SELECT ${columns.map((c) => `"${c}"`).join(', ')} FROM flows ORDER BY "start", unit_id`;
    for await (const rows of await store.streamRows(select)) await printer.arrays(columns, rows);
    await printer.finish();
    return Buffer.concat(chunks).toString('utf8');
  } finally {
    store.close();
  }
}

/** Lines as a sorted list: records that tie on start and unit have no fixed order. */
function sortedLines(text: string): string[] {
  return text.split('\n').sort();
}

describe('print through DuckDB COPY (stdout a file or a pipe)', () => {
  it.each([
    ['file', 'ndjson'],
    ['pipe', 'ndjson'],
    ['socket', 'ndjson'],
    ['file', 'csv'],
    ['socket', 'csv'],
    ['pipe', 'text'],
  ] as const)(
    'writes to a %s the same %s bytes as the RecordPrinter for text that JSON must escape',
    async (target, format) => {
      const printed = await printTo(target, specialDb, format);
      expect(printed).toBe(await printedByJs(specialDb, format));
    },
    120_000,
  );

  it('prints a value needing JSON escapes exactly as JSON.stringify writes it (\\u escapes in upper-case hex)', async () => {
    const lines = (await printTo('file', specialDb, 'ndjson')).trimEnd().split('\n');
    expect(lines).toHaveLength(SPECIAL_LINES.length);
    const accounts = ['ab"c\\d', '\u00e9\u{1f600}', '\\"\\\\', '123456789012'];
    const interfaces = ['eni-1', 'eni-\x01\x1f\x7f', 'eni-/</', 'eni-\x1b[31m'];
    lines.forEach((line, i) => {
      const expected = {
        version: 2,
        account_id: accounts[i],
        interface_id: interfaces[i],
        srcaddr: '10.0.0.1',
        dstaddr: '10.0.0.2',
        srcport: 1,
        dstport: 2,
        protocol: 6,
        packets: 3,
        bytes: 4,
        start: 1000 + 2 * i,
        end: 1001 + 2 * i,
        action: i === 1 ? 'REJECT' : 'ACCEPT',
        log_status: 'OK',
      };
      expect(line).toBe(
        JSON.stringify(expected).replace(/\\u00[0-9a-f]{2}/g, (escape) =>
          escape.toUpperCase().replace('\\U', '\\u'),
        ),
      );
    });
    expect(lines[0]).toContain('"account_id":"ab\\"c\\\\d"');
    expect(lines[1]).toContain('"interface_id":"eni-\\u0001\\u001F\x7f"');
  }, 120_000);

  it.each(['ndjson', 'csv', 'text'] as const)(
    'prints every ../shared fixture in %s byte for byte as the RecordPrinter does',
    async (format) => {
      const printed = await printTo('file', fixtureDb, format);
      expect(sortedLines(printed)).toEqual(sortedLines(await printedByJs(fixtureDb, format)));
    },
    120_000,
  );
});

/**
 * Flow-log lines with the values whose printing is made by the flows view or needs care, one distinct start each
 * (so that their order is fixed): IPv4 addresses over the whole range (the view makes their text from numbers),
 * IPv6 and leading-zero IPv4 text (kept as written), `-` fields and NODATA / SKIPDATA records, REJECT, and byte
 * counts beyond 2^53 up to 2^64 - 1. More rows than the first start slice, so that several slices are printed.
 */
function oddLines(count: number): string[] {
  const octets = (i: number): string => [(i * 167) % 256, (i * 31) % 256, (i * 7) % 256, i % 256].join('.');
  return Array.from({ length: count }, (_, i) => {
    const start = 1_700_000_000 + i;
    if (i % 97 === 3) return `2 123456789012 eni-0a1b2c3d4e5f60718 - - - - - - - ${start} ${start + 60} - ${i % 2 === 0 ? 'NODATA' : 'SKIPDATA'}`;
    const src = i % 89 === 5 ? `2001:db8::${(i % 65536).toString(16)}` : i % 83 === 7 ? `010.001.0${i % 10}.003` : octets(i);
    const dst = i % 79 === 11 ? 'fe80::1' : i % 73 === 13 ? '::ffff:10.0.0.1' : octets(i * 13 + 1);
    const bytes = i % 71 === 17 ? '18446744073709551615' : i % 67 === 19 ? '9007199254740993' : String(i * 1000 + 40);
    return `2 000${i % 1000} eni-${i.toString(16).padStart(17, '0')} ${src} ${dst} ${i % 65536} 443 ${i % 3 === 0 ? 17 : 6} ${i % 50} ${bytes} ${start} ${start + 60} ${i % 5 === 0 ? 'REJECT' : 'ACCEPT'} OK`;
  });
}

describe('print of many start slices', () => {
  const ODD_RECORDS = 40_000;
  let oddDb: string;

  beforeAll(async () => {
    const logs = join(dir, 'odd.log');
    writeFileSync(logs, `${V2_HEADER}\n${oddLines(ODD_RECORDS).join('\n')}\n`);
    oddDb = join(dir, 'odd.duckdb');
    expect((await runFlowlens(['ingest', logs, '--db', oddDb])).code).toBe(0);
  }, 120_000);

  it.each([
    ['pipe', 'ndjson'],
    ['file', 'ndjson'],
    ['pipe', 'csv'],
    ['file', 'text'],
  ] as const)(
    'writes to a %s the same %s bytes as the RecordPrinter for IPv6, leading zeros, missing fields and big counts',
    async (target, format) => {
      const printed = await printTo(target, oddDb, format);
      expect(printed.split('\n').length).toBeGreaterThan(ODD_RECORDS);
      expect(printed).toBe(await printedByJs(oddDb, format));
    },
    120_000,
  );

  it('prints the odd values themselves as the log lines hold them', async () => {
    const lines = (await printTo('pipe', oddDb, 'ndjson')).trimEnd().split('\n');
    expect(lines).toHaveLength(ODD_RECORDS);
    expect(lines[3]).toBe('{"version":2,"account_id":"123456789012","interface_id":"eni-0a1b2c3d4e5f60718","srcaddr":null,"dstaddr":null,"srcport":null,"dstport":null,"protocol":null,"packets":null,"bytes":null,"start":1700000003,"end":1700000063,"action":null,"log_status":"SKIPDATA"}');
    const record = (i: number): Record<string, unknown> => JSON.parse(lines[i] as string) as Record<string, unknown>;
    expect(record(5).srcaddr).toBe('2001:db8::5');
    expect(record(7).srcaddr).toBe('010.001.07.003');
    expect(record(11).dstaddr).toBe('fe80::1');
    expect(record(13).dstaddr).toBe('::ffff:10.0.0.1');
    expect(record(1).srcaddr).toBe('167.31.7.1');
    expect(lines[17]).toContain('"bytes":18446744073709551615,');
    expect(lines[19]).toContain('"bytes":9007199254740993,');
  }, 120_000);
});
