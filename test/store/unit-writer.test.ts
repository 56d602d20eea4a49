import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLocalSource } from '../../src/sources/index.js';
import { ingestSources, Store } from '../../src/store/index.js';
import { sortedRowOrder, UnitWriter } from '../../src/store/unit-writer.js';
import { compileByteLineTest, DEFAULT_LOG_FORMAT, newByteRecord } from '../../src/parse/index.js';
import type { ByteRecord } from '../../src/parse/index.js';
import { storedValueSql } from '../../src/store/schema.js';
import { V2_HEADER, openTempStore } from '../helpers/temp-store.js';

const HEADER = V2_HEADER;

describe('sortedRowOrder', () => {
  it('orders rows by key, keeping arrival order among equal keys (property)', () => {
    const key = fc.oneof(
      fc.integer({ min: 0, max: 0xffffffff }),
      fc.constantFrom(0, 1, 16383, 16384, 0xffffffff, 0x1_0000_0000, 2 ** 52 + 2 ** 20 - 1, 2 ** 53 - 1),
      fc.integer({ min: 0, max: 2 ** 20 }).map((low) => 0x1234_5678 * 2 ** 20 + low),
    );
    fc.assert(
      fc.property(fc.array(key, { maxLength: 3000 }), (keys) => {
        const order = [...sortedRowOrder(Float64Array.from(keys), keys.length)];
        const expected = keys.map((_, i) => i).sort((a, b) => (keys[a] as number) - (keys[b] as number) || a - b);
        expect(order).toEqual(expected);
      }),
      { numRuns: 200 },
    );
  });
});

// What the decoder hands rawRecord for the line `bytes[start, end)`, with the address numbers given (-1: missing).
function byteRecord(bytes: Buffer, start: number, end: number, src: number, dst: number): ByteRecord {
  const record = newByteRecord(DEFAULT_LOG_FORMAT.fields.length);
  expect(compileByteLineTest(DEFAULT_LOG_FORMAT)?.(bytes, start, end, record)).toBe(true);
  record.src = src;
  record.dst = dst;
  return record;
}

// The rows of chunk files as DuckDB reads them, in file order.
async function chunkRows(paths: readonly string[]): Promise<Record<string, unknown>[]> {
  const store = await Store.open(':memory:');
  try {
    return (await store.query(`SELECT * FROM read_parquet([${paths.map((p) => `'${p}'`).join(', ')}])`)).rows;
  } finally {
    await store.close();
  }
}

describe('UnitWriter', () => {
  it("writes a chunk's rows by source, a source's rows by destination, others in arrival order", async () => {
    const folder = mkdtempSync(join(tmpdir(), 'flowlens-writer-'));
    const files: string[] = [];
    const writer = new UnitWriter(folder, (chunk) => files.push(chunk.path));
    const base = 281470681743360;
    const ip = (text: string): number => base + text.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
    const records: [string, string, number][] = [
      ['10.0.0.2', '10.0.9.10', 1],
      ['10.0.0.1', '10.0.9.10', 2],
      ['10.0.0.2', '10.0.1.10', 3],
      ['10.0.0.2', '-', 4],
      ['10.0.0.2', '10.0.9.10', 5],
      ['-', '10.0.0.1', 6],
      ['10.0.0.2', '10.0.1.10', 7],
    ];
    writer.beginUnit(1);
    for (const [src, dst, bytes] of records) {
      const line = Buffer.from(`2 123456789010 eni-1 ${src} ${dst} 1000 443 6 1 ${bytes} 1700000000 1700000060 ACCEPT OK`);
      writer.rawRecord(DEFAULT_LOG_FORMAT, line, byteRecord(line, 0, line.length, src === '-' ? -1 : ip(src), dst === '-' ? -1 : ip(dst)));
    }
    writer.seal();
    const order = (await chunkRows(files)).map((row) => Number(row.bytes));
    expect(order).toEqual([2, 3, 7, 1, 5, 4, 6]);
  });

  it('keeps what a record was when its bytes change after the call (the decoder reuses no buffer, but may)', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'flowlens-writer-'));
    const files: string[] = [];
    const writer = new UnitWriter(folder, (chunk) => files.push(chunk.path));
    const line = (bytes: number): string => `2 123456789010 eni-1 10.0.0.1 10.0.2.6 1000 443 6 1 ${bytes} 1700000000 1700000060 ACCEPT OK`;
    const first = `${line(111)}\n${line(222)}\n`;
    const buffer = Buffer.from(first);
    const at = first.indexOf('\n') + 1;
    const src = 281470681743361;
    const dst = 281470849516038;
    writer.beginUnit(7);
    writer.rawRecord(DEFAULT_LOG_FORMAT, buffer, byteRecord(buffer, 0, at - 1, src, dst));
    // The same Buffer object now holds other lines of the same length.
    buffer.write(`${line(333)}\n${line(444)}\n`);
    writer.rawRecord(DEFAULT_LOG_FORMAT, buffer, byteRecord(buffer, 0, at - 1, src, dst));
    writer.rawRecord(DEFAULT_LOG_FORMAT, buffer, byteRecord(buffer, at, buffer.length - 1, src, -1));
    writer.seal();
    expect(files).toHaveLength(1);
    const rows = (await chunkRows(files)).map((r) => [r.bytes, r.src_num, r.dst_num, r.src_big, r.src_text, r.event_id, r.unit_id]);
    expect(rows).toEqual([
      [111, src, dst, null, null, null, 7],
      [333, src, dst, null, null, null, 7],
      [444, src, null, null, null, null, 7],
    ]);
  });

  it('keeps address numbers and unit ids exact through the chunk file (property)', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'flowlens-writer-'));
    const files: string[] = [];
    const writer = new UnitWriter(folder, (chunk) => files.push(chunk.path));
    const line = Buffer.from('2 123456789010 eni-1 - - 1000 443 6 1 2 1700000000 1700000060 ACCEPT OK');
    const cases: [number, number, number][] = [];
    fc.assert(
      fc.property(
        fc.oneof(fc.constantFrom(-1, 0, 9, 10, 99, 100, 99_999_999, 100_000_000, 2 ** 32 - 1), fc.nat()),
        fc.oneof(fc.constantFrom(-1, 281470681743360, 281474976710655, 2 ** 53 - 1), fc.integer({ min: 0, max: 2 ** 53 - 1 })),
        fc.oneof(fc.constantFrom(0, 1, 9, 10, 99, 100, 2 ** 31 - 1), fc.nat()),
        (src, dst, unit) => {
          writer.beginUnit(unit);
          writer.rawRecord(DEFAULT_LOG_FORMAT, line, byteRecord(line, 0, line.length, src, dst));
          cases.push([src, dst, unit]);
        },
      ),
      { numRuns: 2000 },
    );
    writer.seal();
    const text = (n: unknown): string => (n === null || (n as number) < 0 ? '-' : String(n));
    // Numbers beyond 15 digits travel as text (src_big, dst_big).
    const rows = (await chunkRows(files)).map((r) => `${r.account_id} ${r.srcport} ${r.action_code} ${text(r.src_num ?? r.src_big)} ${text(r.dst_num ?? r.dst_big)} ${r.unit_id}`);
    // Rows come sorted by source address; compare as sets of rows.
    expect(rows.sort()).toEqual(cases.map(([src, dst, unit]) => `123456789010 1000 1 ${text(src)} ${text(dst)} ${unit}`).sort());
  });
});

describe('ingest row order', () => {
  let dir: string;
  let store: Store;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'flowlens-order-'));
    store = await openTempStore();
  });
  afterEach(() => store.close());

  it('stores a unit clustered by source address (IPv4 in numeric order, then the rest in file order), every record once', async () => {
    // Sources interleaved line by line, IPv6 and a missing source among them.
    const sources = ['10.0.0.9', '192.168.1.1', '10.0.0.10', '9.9.9.9', '2001:db8::1', '-'];
    const lines = Array.from({ length: 600 }, (_, i) => {
      const src = sources[i % sources.length] as string;
      return `2 123456789010 eni-1 ${src} 10.0.2.6 ${1000 + i} 443 6 1 ${i} ${1700000000 + i} ${1700000060 + i} ACCEPT ${src === '-' ? 'NODATA' : 'OK'}`;
    });
    writeFileSync(join(dir, 'a.log'), `${HEADER}\n${lines.join('\n')}\n`);
    await ingestSources(store, [createLocalSource(dir)]);
    // The physical table in stored order; srcaddr as the flows view makes it from the stored columns.
    const srcaddr = storedValueSql('srcaddr', new Set(['src_ip', 'src_text']));
    const rows = (await store.query(`SELECT coalesce(${srcaddr}, '-') AS src, bytes FROM flow_records ORDER BY rowid`)).rows;
    expect(rows).toHaveLength(600);
    const runs = rows.slice(0, 400).map((r) => r.src).filter((src, i, all) => i === 0 || all[i - 1] !== src);
    expect(runs).toEqual(['9.9.9.9', '10.0.0.9', '10.0.0.10', '192.168.1.1']);
    const tail = rows.slice(400);
    expect(tail.map((r) => r.src)).toEqual(Array.from({ length: 200 }, (_, i) => (i % 2 === 0 ? '2001:db8::1' : '-')));
    expect(tail.map((r) => Number(r.bytes))).toEqual([...tail.map((r) => Number(r.bytes))].sort((a, b) => a - b));
    // Within an address, file order.
    const nines = rows.filter((r) => r.src === '10.0.0.9').map((r) => Number(r.bytes));
    expect(nines).toEqual([...nines].sort((a, b) => a - b));
    expect(new Set(rows.map((r) => Number(r.bytes))).size).toBe(600);
  });
  it('writes a row longer than the write buffer whole, in its place among the others', async () => {
    // About 1 MiB of interface id: its row is longer than the staging area a chunk is written through.
    const long = `eni-${'a'.repeat(1_048_500)}`;
    const line = (src: string, eni: string, bytes: number): string => `2 123456789010 ${eni} ${src} 10.0.2.6 1000 443 6 1 ${bytes} 1700000000 1700000060 ACCEPT OK`;
    const lines = [line('10.0.0.9', 'eni-1', 1), line('10.0.0.7', 'eni-2', 2), line('10.0.0.8', long, 3), line('10.0.0.9', 'eni-3', 4), line('10.0.0.10', 'eni-4', 5)];
    writeFileSync(join(dir, 'long.log'), `${HEADER}\n${lines.join('\n')}\n`);
    const summary = await ingestSources(store, [createLocalSource(dir)]);
    expect(summary.badLines).toBe(0);
    const rows = (await store.query('SELECT bytes, length(interface_id) AS eni FROM flow_records ORDER BY rowid')).rows;
    expect(rows.map((r) => [Number(r.bytes), Number(r.eni)])).toEqual([
      [2, 5],
      [3, long.length],
      [1, 5],
      [4, 5],
      [5, 5],
    ]);
  });
});
