import { PassThrough, Writable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CliContext } from '../../src/cli/context.js';
import { escapeControl, escapeControlLines } from '../../src/cli/escape.js';
import { formatBytes, formatHuman, humanKindOf, isoSeconds } from '../../src/cli/human.js';
import { RowWriter, TABLE_SAMPLE_ROWS } from '../../src/cli/record-printer.js';
import { layoutTable, renderJsonObject, renderTable, renderTableHeader, renderTableRows } from '../../src/cli/render.js';
import type { OutputFormat } from '../../src/cli/render.js';

function capture(env: Record<string, string> = {}): { context: CliContext; text: () => string } {
  const stdout = new PassThrough();
  const chunks: Buffer[] = [];
  stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
  return { context: { stdout, stderr: new PassThrough(), env, interactive: false, exitCode: 0 }, text: () => Buffer.concat(chunks).toString('utf8') };
}

describe('escapeControl', () => {
  it.each([
    ['eni-\x1b[2J\x07', 'eni-\\x1b[2J\\x07'],
    ['a\tb\nc\rd', 'a\\x09b\\x0ac\\x0dd'],
    ['\x00\x7f\x9b\x80', '\\x00\\x7f\\x9b\\x80'],
    ['plain é 😀 \\x', 'plain é 😀 \\x'],
  ])('escapes %j as %j', (input, expected) => {
    expect(escapeControl(input)).toBe(expected);
  });

  it('never lets a C0, DEL or C1 character through (every code point below 0xa0)', () => {
    for (let code = 0; code < 0xa0; code++) {
      const out = escapeControl(`x${String.fromCharCode(code)}y`);
      expect([...out].some((c) => c.charCodeAt(0) < 0x20 || (c.charCodeAt(0) >= 0x7f && c.charCodeAt(0) < 0xa0))).toBe(false);
    }
  });
});

describe('isoSeconds', () => {
  it('writes every second as Date#toISOString does, in any order of days', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 946_684_800, max: 4_102_444_799 }), { minLength: 1, maxLength: 20 }), (times) => {
        for (const t of times) expect(isoSeconds(t)).toBe(new Date(t * 1000).toISOString().replace('.000Z', 'Z'));
      }),
    );
    expect(isoSeconds(1_762_128_621)).toBe('2025-11-03T00:10:21Z');
    expect(isoSeconds(1_762_214_399)).toBe('2025-11-03T23:59:59Z');
  });
});

describe('human units', () => {
  it.each([
    ['bytes', 7904608673, '7.4 GiB'],
    ['totalbytes', 512, '512 B'],
    ['bytes_sum', 1536, '1.5 KiB'],
    ['first_start', 1714521600, '2024-05-01T00:00:00Z'],
    ['end', 1714521647, '2024-05-01T00:00:47Z'],
    ['flows', 1234567, '1,234,567'],
    ['packets', 12n ** 20n, '3,833,759,992,447,475,122,176'],
  ] as const)('shows %s %s as %s', (column, value, text) => {
    expect(formatHuman(humanKindOf(column), value)).toBe(text);
  });

  it('leaves ports, protocols, small times and text as they are', () => {
    expect(formatHuman(humanKindOf('dstport'), 58940)).toBeUndefined();
    expect(formatHuman(humanKindOf('protocol'), 6)).toBeUndefined();
    expect(formatHuman(humanKindOf('start'), 5)).toBeUndefined();
    expect(formatHuman(humanKindOf('bytes'), 'x')).toBeUndefined();
    expect(formatBytes(1024 ** 3 * 150)).toBe('150 GiB');
  });

  it('is used by tables only: json, ndjson, csv and text stay raw', () => {
    const table = { columns: ['srcaddr', 'bytes', 'first_start', 'flows'], rows: [{ srcaddr: '10.0.0.1', bytes: 7904608673, first_start: 1714521600, flows: 1234567 }] };
    expect(renderTable(table, 'table')).toBe(
      'srcaddr   bytes    first_start           flows\n--------  -------  --------------------  ---------\n10.0.0.1  7.4 GiB  2024-05-01T00:00:00Z  1,234,567\n',
    );
    expect(renderTable(table, 'csv')).toBe('srcaddr,bytes,first_start,flows\n10.0.0.1,7904608673,1714521600,1234567\n');
    expect(renderTable(table, 'text')).toBe('10.0.0.1 7904608673 1714521600 1234567\n');
    expect(JSON.parse(renderTable(table, 'json'))).toEqual(table.rows);
  });
});

describe('tables that fit the terminal', () => {
  const wide = {
    columns: Array.from({ length: 30 }, (_, i) => `column_${i}`),
    rows: [Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`column_${i}`, `value-${'x'.repeat(i)}`]))],
  };

  it('keeps every line within the width, drops middle columns and says how many', () => {
    const text = renderTable(wide, 'table', { width: 80 });
    const lines = text.trimEnd().split('\n');
    for (const line of lines) expect([...line].length).toBeLessThanOrEqual(80);
    expect(lines[0]).toMatch(/^column_0 .*… {2}.*column_29$/);
    const hidden = Number(/\((\d+) of 30 columns hidden to fit 80 characters/.exec(text)?.[1]);
    expect(hidden).toBeGreaterThan(0);
    expect(lines[0]!.split(/\s{2,}/).length).toBe(30 - hidden + 1);
  });

  it('cuts wide cells with … before dropping columns', () => {
    const table = { columns: ['a', 'b'], rows: [{ a: 'x'.repeat(100), b: 'short' }] };
    const lines = renderTable(table, 'table', { width: 40 }).trimEnd().split('\n');
    expect(lines[2]).toBe(`${'x'.repeat(32)}…  short`);
    expect(lines.every((l) => l.length <= 40)).toBe(true);
  });

  it('prints whole rows when no width is known', () => {
    expect(renderTable(wide, 'table').split('\n')[2]).toContain('value-xxxxxxxxxxxxxxxxxxxxxxxxxxxxx');
  });

  it('escapes control characters in table and text cells, not in json or csv', () => {
    const table = { columns: ['interface_id'], rows: [{ interface_id: 'eni-\x1b]0;pwned\x07' }] };
    expect(renderTable(table, 'table').includes('\x1b') || renderTable(table, 'table').includes('\x07')).toBe(false);
    expect(renderTable(table, 'table')).toContain('eni-\\x1b]0;pwned\\x07');
    expect(renderTable(table, 'text')).toBe('eni-\\x1b]0;pwned\\x07\n');
    expect(JSON.parse(renderTable(table, 'json'))).toEqual(table.rows);
    expect(renderTable(table, 'csv')).toBe('interface_id\neni-\x1b]0;pwned\x07\n');
  });
});

describe('JSON values', () => {
  it('writes integers beyond 2^53 with every digit and UHUGEINT addresses as strings', () => {
    const text = renderJsonObject(['bytes', 'src_ip', 'n'], [2n ** 63n - 1n, 2n ** 128n - 1n, 5], [false, true, false]);
    expect(text).toBe('{"bytes":9223372036854775807,"src_ip":"340282366920938463463374607431768211455","n":5}');
  });
});

describe('RowWriter', () => {
  it.each(['table', 'json', 'ndjson', 'csv', 'text'] as OutputFormat[])('writes %s rows batch by batch as renderTable writes them whole', async (format) => {
    const columns = ['port', 'iface', 'bytes'];
    const rows = Array.from({ length: 2500 }, (_, i) => [i, i % 7 === 0 ? null : `eni-${i}`, i * 1000]);
    const out = capture();
    const writer = new RowWriter(out.context, format);
    await writer.columns(columns);
    for (let i = 0; i < rows.length; i += 250) await writer.rows(rows.slice(i, i + 250));
    await writer.finish();
    const objects = rows.map((r) => Object.fromEntries(columns.map((c, i) => [c, r[i]])));
    if (format !== 'table') {
      expect(out.text()).toBe(renderTable({ columns, rows: objects }, format));
      return;
    }
    // A table sizes its columns on the first TABLE_SAMPLE_ROWS rows, then streams with those widths (wider cells overflow).
    const layout = layoutTable(columns, rows.slice(0, TABLE_SAMPLE_ROWS));
    expect(out.text()).toBe(renderTableHeader(layout) + renderTableRows(layout, rows));
    expect(out.text()).toContain('\n2498  eni-2498   2.4 MiB\n');
  });

  it.each(['table', 'json', 'ndjson', 'csv', 'text'] as OutputFormat[])('holds at most TABLE_SAMPLE_ROWS rows of a long %s stream before printing them', async (format) => {
    let newlines = 0;
    const stdout = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const byte of chunk) if (byte === 0x0a) newlines++;
        done();
      },
    });
    const writer = new RowWriter({ stdout, stderr: new PassThrough(), env: {}, interactive: false, exitCode: 0 }, format);
    await writer.columns(['port', 'iface', 'bytes']);
    const batch = 300;
    // Lines before the first row: a table's header and rule, csv's header (json's "[\n" stands for its last row's end).
    const preamble = { table: 2, csv: 1, json: 0, ndjson: 0, text: 0 }[format];
    let given = 0;
    for (let b = 0; b < 20; b++) {
      await writer.rows(Array.from({ length: batch }, (_, i) => [given + i, `eni-${given + i}`, (given + i) * 1000]));
      given += batch;
      const printed = Math.max(0, newlines - preamble);
      expect(given - printed).toBeLessThanOrEqual(format === 'table' ? TABLE_SAMPLE_ROWS - 1 + batch : 0);
      if (format === 'table' && given >= TABLE_SAMPLE_ROWS) expect(printed).toBe(given);
    }
    await writer.finish();
    expect(newlines - preamble - (format === 'json' ? 2 : 0)).toBe(given);
  });

  it('fits tables to $COLUMNS when stdout is no terminal', async () => {
    const out = capture({ COLUMNS: '30' });
    const writer = new RowWriter(out.context, 'table');
    await writer.columns(['interface_id', 'account_id', 'action']);
    await writer.rows([['eni-0123456789abcdef0', '123456789012', 'ACCEPT']]);
    await writer.finish();
    expect(out.text().split('\n').every((line) => line.length <= 30)).toBe(true);
  });
});

describe('escapeControlLines', () => {
  it('keeps line breaks and escapes every other control character', () => {
    expect(escapeControlLines('alarm  eni-\x1b[31m\nnext\x07 line\n')).toBe('alarm  eni-\\x1b[31m\nnext\\x07 line\n');
    expect(escapeControlLines('plain\ntext\n')).toBe('plain\ntext\n');
  });
});
