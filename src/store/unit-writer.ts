import { closeSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { addressToBigInt, parseIPv4 } from '../records/index.js';
import type { FieldValue } from '../records/index.js';
import { IPV4_MAPPED_BASE as IPV4_MAPPED_BASE_BIGINT } from '../sql/ipv4-mapped.js';
import type { LogFormat, RowMeta } from '../parse/index.js';

// ::ffff:0:0/96 as a number: the base plus any IPv4 address stays below 2^53.
const IPV4_MAPPED_BASE = Number(IPV4_MAPPED_BASE_BIGINT);
// Rows per chunk file: each chunk's buffer and sort arrays are held while it fills, so the chunk size bounds the JS side
// of ingest's memory (with DuckDB's own limit, the process stays under 512 MB on a store of 100M records).
const CHUNK_ROWS = 100_000;
const BUFFER_BYTES = 8 * 1024 * 1024;
// The start of every chunk buffer is the staging area of its sorted write: rows move there with copyWithin, which
// copies inside one buffer without the view object per call that Buffer#copy between two buffers makes.
const OUTPUT_BYTES = 1024 * 1024;
// After it, the input window: the decoder's bytes are copied there a block at a time, and each record moves on from
// there with copyWithin too.
const WINDOW_BYTES = 256 * 1024;
const ROWS_START = OUTPUT_BYTES + WINDOW_BYTES;
// Source part of the sort key of a row whose srcaddr is not IPv4 (IPv6, missing): after every IPv4 source.
const TAIL_KEY = 0x1_0000_0000;
// The sort key is the source part times DST_KEYS plus the destination's low 20 bits (DST_KEYS - 1 when the
// destination is not IPv4): below 2^53, so exact in a double.
const DST_KEYS = 0x10_0000;
// Room for the appended columns: two 128-bit decimal numbers, the two side texts `-`, the event id `-`, the unit id,
// separators, newline.
const SUFFIX_BYTES = 128;

/** A finished chunk file: rows of one format (of one or more units), ready for DuckDB's read_csv (see loadChunksSql). */
export interface ChunkFile {
  readonly format: LogFormat;
  readonly path: string;
  readonly rows: number;
}

/** Receives chunk files as they fill up; the ingest queue loads them, several at a time. */
export type ChunkReceiver = (chunk: ChunkFile) => void;

interface OpenChunk {
  format: LogFormat;
  path: string;
  /**
   * OUTPUT_BYTES of staging area, WINDOW_BYTES of input window, then the chunk's lines so far, as bytes (written out
   * sorted when the chunk is finished).
   */
  buffer: Buffer;
  length: number;
  rows: number;
  /** Byte offset where each row's line starts. */
  starts: Uint32Array;
  /** Each row's sort key (sortKey): its source address, then its destination's low bits. */
  keys: Float64Array;
  srcIndex: number;
  dstIndex: number;
  /** Rows and bytes the chunk held when the current unit began (its rows follow them). */
  markRows: number;
  markLength: number;
  /** The input held in the window: the writer's generation of its bytes (see endBytes) and its range in them. */
  window: number;
  windowFrom: number;
  windowTo: number;
}

/**
 * Writes the validated rows of an ingest's units, one unit after the other, to temporary chunk files, one
 * open chunk per format shared by consecutive units (so a small object costs no file of its own): each row
 * is the record's own bytes (or its normalized values), then srcaddr and dstaddr as 128-bit numbers, the
 * event id and the unit id — built in a byte buffer with no intermediate strings on the fast path. A chunk's
 * rows are written ordered by source address (stable: arrival order within an address), so one address's
 * records sit together in the store: findip reads a few blocks instead of every one, and the columns
 * compress to about half. Full or sealed chunks go to the receiver, which loads them with DuckDB's
 * `read_csv`: no per-value N-API call is made.
 */
export class UnitWriter {
  private readonly chunks = new Map<string, OpenChunk>();
  private unitSuffix = Buffer.alloc(0);
  private chunkCount = 0;
  private spilled = false;
  private generation = 0;
  /** The unit being written. */
  unitId = -1;
  /** Rows written for the current unit. */
  rows = 0;

  /** Writes chunk files into `folder` (an ingest's temporary folder) and hands full ones to `receive`. */
  constructor(
    private readonly folder: string,
    private readonly receive: ChunkReceiver,
  ) {}

  /** Starts the rows of a unit: those that follow are tagged with its id, and discardUnit() can take them back. */
  beginUnit(unitId: number): void {
    this.unitId = unitId;
    // Side texts, event id and unit id of a record the byte test accepted (its addresses are canonical IPv4 or missing).
    this.unitSuffix = Buffer.from(` - - - ${unitId}\n`, 'latin1');
    this.rows = 0;
    this.spilled = false;
    this.generation++;
    for (const chunk of this.chunks.values()) {
      chunk.markRows = chunk.rows;
      chunk.markLength = chunk.length;
    }
  }

  /**
   * Appends a record the decoder's byte test accepted (addresses canonical IPv4 or missing), as its bytes `[start, end)`,
   * with its address numbers (-1 when missing). `bytes` must stay unchanged until the next endBytes().
   */
  rawRecord(format: LogFormat, bytes: Buffer, start: number, end: number, src: number, dst: number): void {
    const chunk = this.chunks.get(format.header) ?? this.openChunk(format);
    const length = end - start;
    this.reserve(chunk, length + SUFFIX_BYTES);
    this.begin(chunk, sortKey(ipv4OfMapped(src), ipv4OfMapped(dst)));
    const b = chunk.buffer;
    let p = chunk.length;
    if ((chunk.window === this.generation && start >= chunk.windowFrom && end <= chunk.windowTo) || this.loadWindow(chunk, bytes, start, end)) {
      const from = OUTPUT_BYTES + start - chunk.windowFrom;
      b.copyWithin(p, from, from + length);
      p += length;
    } else p += bytes.copy(b, p, start, end);
    b[p++] = 32;
    p = writeAddressNumber(b, p, src);
    b[p++] = 32;
    p = writeAddressNumber(b, p, dst);
    b.set(this.unitSuffix, p);
    chunk.length = p + this.unitSuffix.length;
    this.count(chunk);
  }

  /** Tells that the bytes given to rawRecord so far may change: later records are copied from their new bytes. */
  endBytes(): void {
    this.generation++;
  }

  /** Appends a line the decoder's string fast test accepted (valid, single-spaced, IPv4 only) as it is. */
  rawLine(format: LogFormat, line: string): void {
    const chunk = this.chunks.get(format.header) ?? this.openChunk(format);
    const tokens = line.split(' ');
    const v4 = (index: number): number => (index < 0 ? -1 : parseIPv4(tokens[index] ?? '-'));
    const address = (value: number): string => numberText(value < 0 ? -1 : IPV4_MAPPED_BASE + value);
    const side = (index: number): string => sideText(index < 0 ? null : tokens[index] ?? null);
    const src = v4(chunk.srcIndex);
    const dst = v4(chunk.dstIndex);
    this.appendText(chunk, `${line} ${address(src)} ${address(dst)} ${side(chunk.srcIndex)} ${side(chunk.dstIndex)} - ${this.unitId}\n`, sortKey(src, dst));
  }

  /** Appends one decoded row. */
  row(format: LogFormat, values: readonly FieldValue[], meta: RowMeta): void {
    const chunk = this.chunks.get(format.header) ?? this.openChunk(format);
    const text = meta.text;
    // Normalized text: AWS's own single-spaced line when it is one, else rebuilt from the values.
    let line = isSingleSpaced(text) && meta.eventId === undefined && meta.line > 0 && meta.rewritten !== true ? text : joinValues(values);
    const srcValue = chunk.srcIndex < 0 ? null : values[chunk.srcIndex] ?? null;
    const dstValue = chunk.dstIndex < 0 ? null : values[chunk.dstIndex] ?? null;
    line += ` ${addressNumber(srcValue)} ${addressNumber(dstValue)} ${sideText(srcValue as string | null)} ${sideText(dstValue as string | null)}`;
    line += ` ${meta.eventId === undefined ? '-' : meta.eventId} ${this.unitId}\n`;
    const v4 = (value: FieldValue | null): number => (typeof value === 'string' ? parseIPv4(value) : -1);
    this.appendText(chunk, line, sortKey(v4(srcValue), v4(dstValue)));
  }

  /** Hands every open chunk to the receiver (before a commit, or when the current unit's rows must be in the store). */
  seal(): void {
    for (const chunk of this.chunks.values()) {
      if (chunk.rows > chunk.markRows) this.spilled = true;
      this.finish(chunk);
    }
    this.chunks.clear();
  }

  /**
   * Takes back the current unit's rows still in open chunks (the unit failed or is a copy). Returns true when
   * some of its rows had already gone to the receiver: the caller must then delete them from the store.
   */
  discardUnit(): boolean {
    for (const chunk of this.chunks.values()) {
      chunk.rows = chunk.markRows;
      chunk.length = chunk.markLength;
    }
    this.rows = 0;
    return this.spilled;
  }

  /** Drops every open chunk without handing it on (the ingest ends with an error). */
  discardAll(): void {
    for (const chunk of this.chunks.values()) releaseBuffer(chunk.buffer);
    this.chunks.clear();
  }

  // Copies the input from `start` on (a window of it) into the chunk's input window; false when the record is longer.
  private loadWindow(chunk: OpenChunk, bytes: Buffer, start: number, end: number): boolean {
    if (end - start > WINDOW_BYTES) return false;
    const to = Math.min(bytes.length, start + WINDOW_BYTES);
    bytes.copy(chunk.buffer, OUTPUT_BYTES, start, to);
    chunk.window = this.generation;
    chunk.windowFrom = start;
    chunk.windowTo = to;
    return true;
  }

  private appendText(chunk: OpenChunk, line: string, key: number): void {
    this.reserve(chunk, line.length * 3);
    this.begin(chunk, key);
    chunk.length += chunk.buffer.write(line, chunk.length, 'utf8');
    this.count(chunk);
  }

  // Records where the next row starts and its sort key.
  private begin(chunk: OpenChunk, key: number): void {
    if (chunk.rows === chunk.starts.length) {
      const starts = new Uint32Array(chunk.starts.length * 2);
      starts.set(chunk.starts);
      chunk.starts = starts;
      const keys = new Float64Array(chunk.keys.length * 2);
      keys.set(chunk.keys);
      chunk.keys = keys;
    }
    chunk.starts[chunk.rows] = chunk.length;
    chunk.keys[chunk.rows] = key;
  }

  // Makes room for `bytes` more bytes: the chunk's buffer grows (it holds the whole chunk until it is sorted).
  private reserve(chunk: OpenChunk, bytes: number): void {
    if (chunk.length + bytes <= chunk.buffer.length) return;
    const grown = takeBuffer(Math.max(chunk.buffer.length * 2, chunk.length + bytes));
    chunk.buffer.copy(grown, 0, 0, chunk.length);
    chunk.buffer = grown;
  }

  private count(chunk: OpenChunk): void {
    chunk.rows++;
    this.rows++;
    if (chunk.rows >= CHUNK_ROWS) {
      this.spilled = true;
      this.finish(chunk);
      this.chunks.delete(chunk.format.header);
    }
  }

  private finish(chunk: OpenChunk): void {
    if (chunk.rows > 0) {
      writeSorted(chunk);
      this.receive({ format: chunk.format, path: chunk.path, rows: chunk.rows });
    }
    releaseBuffer(chunk.buffer);
  }

  private openChunk(format: LogFormat): OpenChunk {
    const chunk: OpenChunk = {
      format,
      path: join(this.folder, `chunk-${this.chunkCount++}.txt`),
      buffer: takeBuffer(BUFFER_BYTES),
      length: ROWS_START,
      rows: 0,
      starts: new Uint32Array(65_536),
      keys: new Float64Array(65_536),
      srcIndex: format.columns.indexOf('srcaddr'),
      dstIndex: format.columns.indexOf('dstaddr'),
      markRows: 0,
      markLength: ROWS_START,
      window: -1,
      windowFrom: 0,
      windowTo: 0,
    };
    this.chunks.set(format.header, chunk);
    return chunk;
  }
}

/** Row order of a chunk: by key (integers below 2^53), equal keys in arrival order (a stable LSD radix sort). */
export function sortedRowOrder(keys: Float64Array, rows: number): Uint32Array {
  let order = new Uint32Array(rows);
  let next = new Uint32Array(rows);
  for (let i = 0; i < rows; i++) order[i] = i;
  // Four passes of 14 bits cover keys up to 2^56.
  const counts = new Uint32Array(1 << 14);
  for (let shift = 0; shift < 56; shift += 14) {
    counts.fill(0);
    const divisor = 2 ** shift;
    for (let i = 0; i < rows; i++) {
      const digit = Math.floor((keys[i] as number) / divisor) & 16383;
      counts[digit] = (counts[digit] as number) + 1;
    }
    let sum = 0;
    for (let d = 0; d < counts.length; d++) {
      const c = counts[d] as number;
      counts[d] = sum;
      sum += c;
    }
    for (let i = 0; i < rows; i++) {
      const row = order[i] as number;
      const digit = Math.floor((keys[row] as number) / divisor) & 16383;
      const at = counts[digit] as number;
      counts[digit] = at + 1;
      next[at] = row;
    }
    [order, next] = [next, order];
  }
  return order;
}

// Writes the chunk's rows to its file in sortedRowOrder, through one reused output buffer.
function writeSorted(chunk: OpenChunk): void {
  try {
    writeSortedRows(chunk);
  } catch (error) {
    // writeSync's errors (ENOSPC) carry no path: name the chunk file, so the message can say where.
    if (error instanceof Error && (error as NodeJS.ErrnoException).path === undefined) (error as NodeJS.ErrnoException).path = chunk.path;
    throw error;
  }
}

function writeSortedRows(chunk: OpenChunk): void {
  const order = sortedRowOrder(chunk.keys, chunk.rows);
  const fd = openSync(chunk.path, 'w');
  try {
    const b = chunk.buffer;
    let p = 0;
    for (let i = 0; i < chunk.rows; i++) {
      const row = order[i] as number;
      const start = chunk.starts[row] as number;
      const end = row + 1 < chunk.rows ? (chunk.starts[row + 1] as number) : chunk.length;
      if (p + end - start > OUTPUT_BYTES) {
        writeAll(fd, b, 0, p);
        p = 0;
        if (end - start > OUTPUT_BYTES) {
          writeAll(fd, b, start, end - start);
          continue;
        }
      }
      b.copyWithin(p, start, end);
      p += end - start;
    }
    writeAll(fd, b, 0, p);
  } finally {
    closeSync(fd);
  }
}

// Chunk buffers of finished chunks, reused by the next ones: fresh memory costs a page fault per 4 KiB on first touch.
const spareBuffers: Buffer[] = [];
const MAX_SPARE_BUFFERS = 1;

// A buffer of at least `bytes` bytes: the largest spare one when it is big enough, else a new one.
function takeBuffer(bytes: number): Buffer {
  const largest = spareBuffers[0];
  if (largest && largest.length >= bytes) return spareBuffers.shift() as Buffer;
  return Buffer.allocUnsafe(bytes);
}

// Keeps a finished chunk's buffer for the next chunk: only the largest MAX_SPARE_BUFFERS, largest first.
function releaseBuffer(buffer: Buffer): void {
  spareBuffers.push(buffer);
  spareBuffers.sort((a, b) => b.length - a.length);
  spareBuffers.length = Math.min(spareBuffers.length, MAX_SPARE_BUFFERS);
}

// The 32-bit IPv4 number of an IPv4-mapped address number (-1 stays -1: missing).
function ipv4OfMapped(mapped: number): number {
  return mapped < 0 ? -1 : mapped - IPV4_MAPPED_BASE;
}

// The sort key of a row from its source and destination (32-bit IPv4 numbers, -1 when missing or not IPv4): rows
// ordered by source address, and a source's rows by destination (apart from destinations equal in their low 20
// bits), so that DuckDB stores both address columns in runs.
function sortKey(src: number, dst: number): number {
  return (src < 0 ? TAIL_KEY : src) * DST_KEYS + (dst < 0 ? DST_KEYS - 1 : dst % DST_KEYS);
}

function writeAll(fd: number, buffer: Buffer, offset: number, length: number): void {
  let written = 0;
  while (written < length) written += writeSync(fd, buffer, offset + written, length - written);
}

// Writes a non-negative integer below 2^53 in decimal (or `-` for -1) without making a string.
function writeAddressNumber(b: Buffer, offset: number, value: number): number {
  if (value < 0) {
    b[offset] = 45;
    return offset + 1;
  }
  const high = Math.floor(value / 1e8);
  let low = value - high * 1e8;
  if (high === 0) return writeInteger(b, offset, low);
  const p = writeInteger(b, offset, high);
  for (let i = p + 7; i >= p; i--) {
    const q = (low / 10) | 0;
    b[i] = 48 + low - q * 10;
    low = q;
  }
  return p + 8;
}

// Writes an integer in [0, 2^31) in decimal.
function writeInteger(b: Buffer, offset: number, value: number): number {
  let digits = 1;
  for (let v = value; v >= 10; v = (v / 10) | 0) digits++;
  let v = value;
  for (let i = offset + digits - 1; i >= offset; i--) {
    const q = (v / 10) | 0;
    b[i] = 48 + v - q * 10;
    v = q;
  }
  return offset + digits;
}

// The side text of an address (the src_text/dst_text column): `-` when its number gives the text back (canonical
// dotted-quad IPv4, or missing), else the text as written (IPv6, an IPv4 with leading zeros).
function sideText(text: string | null): string {
  if (text === null || text === '-') return '-';
  return parseIPv4(text) >= 0 && !/(?:^|\.)0\d/.test(text) ? '-' : text;
}

function numberText(value: number): string {
  return value < 0 ? '-' : String(value);
}

function isSingleSpaced(text: string): boolean {
  return text.indexOf('  ') < 0 && text.indexOf('\t') < 0 && text.charCodeAt(0) !== 32 && text.charCodeAt(text.length - 1) !== 32;
}

function joinValues(values: readonly FieldValue[]): string {
  let line = '';
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    line += i === 0 ? (value === null || value === undefined ? '-' : String(value)) : ` ${value === null || value === undefined ? '-' : String(value)}`;
  }
  return line;
}

function addressNumber(value: FieldValue): string {
  if (value === null) return '-';
  const v4 = parseIPv4(value as string);
  if (v4 >= 0) return String(IPV4_MAPPED_BASE + v4);
  const v6 = addressToBigInt(value as string);
  return v6 === null ? '-' : v6.toString();
}
