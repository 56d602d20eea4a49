import { closeSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { addressToBigInt, parseIPv4 } from '../records/index.js';
import type { FieldValue } from '../records/index.js';
import type { LogFormat, RowMeta } from '../parse/index.js';

const IPV4_MAPPED_BASE = 281470681743360; // 0xffff00000000 (::ffff:0:0/96); + any IPv4 stays below 2^53
const CHUNK_ROWS = 400_000;
const BUFFER_BYTES = 8 * 1024 * 1024;
// Room for the appended columns: two 128-bit decimal numbers, the event id `-`, the unit id, separators, newline.
const SUFFIX_BYTES = 128;

/** A finished chunk file: rows of one unit in one format, ready for DuckDB's read_csv (see loadChunksSql). */
export interface ChunkFile {
  readonly format: LogFormat;
  readonly path: string;
  readonly rows: number;
  readonly unitId: number;
}

/** Receives chunk files as they fill up; the ingest queue loads them, several at a time. */
export type ChunkReceiver = (chunk: ChunkFile) => void;

interface OpenChunk {
  format: LogFormat;
  path: string;
  fd: number;
  /** Lines not yet written to the file, as bytes. */
  buffer: Buffer;
  length: number;
  rows: number;
  srcIndex: number;
  dstIndex: number;
}

/**
 * Writes one unit's validated rows to temporary chunk files, one per format: each row is the record's
 * own bytes (or its normalized values), then srcaddr and dstaddr as 128-bit numbers, the event id and
 * the unit id — built in a byte buffer with no intermediate strings on the fast path. Full chunks go to
 * the receiver, which loads them with DuckDB's parallel `read_csv`: no per-value N-API call is made.
 */
export class UnitWriter {
  private readonly chunks = new Map<LogFormat, OpenChunk>();
  private readonly unitSuffix: Buffer;
  private chunkCount = 0;
  rows = 0;

  /** Writes chunk files into `folder` (an ingest's temporary folder) and hands full ones to `receive`. */
  constructor(
    readonly unitId: number,
    private readonly folder: string,
    private readonly receive: ChunkReceiver,
  ) {
    this.unitSuffix = Buffer.from(` - ${unitId}\n`, 'latin1');
  }

  /** Appends a record the decoder's byte test accepted, as its bytes `[start, end)`, with its address numbers (-1 when missing). */
  rawRecord(format: LogFormat, bytes: Buffer, start: number, end: number, src: number, dst: number): void {
    const chunk = this.chunks.get(format) ?? this.openChunk(format);
    const length = end - start;
    this.reserve(chunk, length + SUFFIX_BYTES);
    const b = chunk.buffer;
    // A byte loop: Buffer#copy makes a Uint8Array view per call, which costs more than copying a record.
    let p = chunk.length;
    for (let i = start; i < end; i++) b[p++] = bytes[i] as number;
    b[p++] = 32;
    p = writeAddressNumber(b, p, src);
    b[p++] = 32;
    p = writeAddressNumber(b, p, dst);
    b.set(this.unitSuffix, p);
    chunk.length = p + this.unitSuffix.length;
    this.count(chunk);
  }

  /** Appends a line the decoder's string fast test accepted (valid, single-spaced, IPv4 only) as it is. */
  rawLine(format: LogFormat, line: string): void {
    const chunk = this.chunks.get(format) ?? this.openChunk(format);
    const tokens = line.split(' ');
    const address = (index: number): number => {
      const value = index < 0 ? -1 : parseIPv4(tokens[index] ?? '-');
      return value < 0 ? -1 : IPV4_MAPPED_BASE + value;
    };
    this.appendText(chunk, `${line} ${numberText(address(chunk.srcIndex))} ${numberText(address(chunk.dstIndex))} - ${this.unitId}\n`);
  }

  /** Appends one decoded row. */
  row(format: LogFormat, values: readonly FieldValue[], meta: RowMeta): void {
    const chunk = this.chunks.get(format) ?? this.openChunk(format);
    const text = meta.text;
    // Normalized text: AWS's own single-spaced line when it is one, else rebuilt from the values.
    let line = isSingleSpaced(text) && meta.eventId === undefined && meta.line > 0 ? text : joinValues(values);
    line += ` ${addressNumber(chunk.srcIndex < 0 ? null : values[chunk.srcIndex] ?? null)} ${addressNumber(chunk.dstIndex < 0 ? null : values[chunk.dstIndex] ?? null)}`;
    line += ` ${meta.eventId === undefined ? '-' : meta.eventId} ${this.unitId}\n`;
    this.appendText(chunk, line);
  }

  /** Hands every open chunk to the receiver; call once at the end of the unit. */
  close(): void {
    for (const chunk of this.chunks.values()) this.finish(chunk);
    this.chunks.clear();
  }

  /** Removes the unit's open chunk files without handing them on (the unit failed or is a copy). */
  discard(): void {
    for (const chunk of this.chunks.values()) {
      try {
        closeSync(chunk.fd);
      } catch {
        // already closed
      }
      rmSync(chunk.path, { force: true });
    }
    this.chunks.clear();
  }

  private appendText(chunk: OpenChunk, line: string): void {
    this.reserve(chunk, line.length * 3);
    chunk.length += chunk.buffer.write(line, chunk.length, 'utf8');
    this.count(chunk);
  }

  // Makes room for `bytes` more bytes: writes the buffer out, and grows it for an exceptionally long line.
  private reserve(chunk: OpenChunk, bytes: number): void {
    if (chunk.length + bytes <= chunk.buffer.length) return;
    this.writeOut(chunk);
    if (bytes > chunk.buffer.length) chunk.buffer = Buffer.allocUnsafe(bytes);
  }

  private count(chunk: OpenChunk): void {
    chunk.rows++;
    this.rows++;
    if (chunk.rows >= CHUNK_ROWS) {
      this.finish(chunk);
      this.chunks.delete(chunk.format);
    }
  }

  private finish(chunk: OpenChunk): void {
    this.writeOut(chunk);
    closeSync(chunk.fd);
    if (chunk.rows === 0) rmSync(chunk.path, { force: true });
    else this.receive({ format: chunk.format, path: chunk.path, rows: chunk.rows, unitId: this.unitId });
  }

  private openChunk(format: LogFormat): OpenChunk {
    const path = join(this.folder, `unit-${this.unitId}-${this.chunkCount++}.txt`);
    const chunk: OpenChunk = {
      format,
      path,
      fd: openSync(path, 'w'),
      buffer: Buffer.allocUnsafe(BUFFER_BYTES),
      length: 0,
      rows: 0,
      srcIndex: format.columns.indexOf('srcaddr'),
      dstIndex: format.columns.indexOf('dstaddr'),
    };
    this.chunks.set(format, chunk);
    return chunk;
  }

  private writeOut(chunk: OpenChunk): void {
    let written = 0;
    while (written < chunk.length) written += writeSync(chunk.fd, chunk.buffer, written, chunk.length - written);
    chunk.length = 0;
  }
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
