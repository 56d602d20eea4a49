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
async function printTo(target: 'file' | 'pipe', db: string, format: OutputFormat): Promise<string> {
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
    ['file', 'csv'],
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
