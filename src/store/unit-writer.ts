import { join } from 'node:path';
import { addressToBigInt, parseIPv4 } from '../records/index.js';
import type { FieldValue } from '../records/index.js';
import { IPV4_MAPPED_BASE as IPV4_MAPPED_BASE_BIGINT } from '../sql/ipv4-mapped.js';
import type { ByteRecord, LogFormat, RowMeta } from '../parse/index.js';
import { ChunkTable } from './chunk-table.js';
import type { RowExtra } from './chunk-table.js';

// ::ffff:0:0/96 as a number: the base plus any IPv4 address stays below 2^53.
const IPV4_MAPPED_BASE = Number(IPV4_MAPPED_BASE_BIGINT);
// Rows per chunk file: each chunk's columns and sort arrays are held while it fills, so the chunk size bounds the JS
// side of ingest's memory (with DuckDB's own limit, the process stays under 512 MB on a store of 100M records).
const CHUNK_ROWS = 100_000;
// Source part of the sort key of a row whose srcaddr is not IPv4 (IPv6, missing): after every IPv4 source.
const TAIL_KEY = 0x1_0000_0000;
// The sort key is the source part times DST_KEYS plus the destination's low 20 bits (DST_KEYS - 1 when the
// destination is not IPv4): below 2^53, so exact in a double.
const DST_KEYS = 0x10_0000;

/** A finished chunk file: rows of one format (of one or more units), a Parquet file of ChunkTable (see loadChunksSql). */
export interface ChunkFile {
  readonly format: LogFormat;
  readonly path: string;
  readonly rows: number;
}

/** Receives chunk files as they fill up; the ingest queue loads them, several at a time. */
export type ChunkReceiver = (chunk: ChunkFile) => void;

interface OpenChunk {
  table: ChunkTable;
  path: string;
  srcIndex: number;
  dstIndex: number;
}

/**
 * Writes the validated rows of an ingest's units, one unit after the other, to temporary chunk files, one
 * open chunk per format shared by consecutive units (so a small object costs no file of its own). A chunk
 * keeps its rows by column (ChunkTable): the byte path's numbers as the decoder's byte test parsed them and its
 * text fields as bytes, with no intermediate strings, and srcaddr and dstaddr as 128-bit numbers, the event id
 * and the unit id beside them. A chunk's rows are written ordered by source address (stable: arrival order
 * within an address), so one address's records sit together in the store: findip reads a few blocks instead of
 * every one, and the columns compress to about half. A finished chunk becomes a Parquet file of typed columns,
 * which the receiver loads with DuckDB's `read_parquet`: DuckDB parses no text, and no per-value N-API call is
 * made.
 */
export class UnitWriter {
  private readonly chunks = new Map<string, OpenChunk>();
  private chunkCount = 0;
  private spilled = false;
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
    this.rows = 0;
    this.spilled = false;
    for (const chunk of this.chunks.values()) chunk.table.mark();
  }

  /**
   * Appends a record the decoder's byte test accepted (addresses canonical IPv4 or missing), with what the test found
   * in it; its text fields are copied at once, so `bytes` may change after the call.
   */
  rawRecord(format: LogFormat, bytes: Buffer, record: ByteRecord): void {
    const chunk = this.chunks.get(format.header) ?? this.openChunk(format);
    chunk.table.addByteRecord(bytes, record, this.unitId, sortKey(ipv4OfMapped(record.src), ipv4OfMapped(record.dst)));
    this.count(chunk);
  }

  /** Appends a line the decoder's string fast test accepted (valid, single-spaced, IPv4 only) as it is. */
  rawLine(format: LogFormat, line: string): void {
    const tokens = line.split(' ');
    const values = format.fields.map((field, i): FieldValue => {
      const token = tokens[i] ?? '-';
      if (token === '-') return null;
      return field.kind === 'int32' || field.kind === 'int64' ? Number(token) : token;
    });
    this.addValues(format, values, undefined);
  }

  /** Appends one decoded row. */
  row(format: LogFormat, values: readonly FieldValue[], meta: RowMeta): void {
    this.addValues(format, values, meta.eventId);
  }

  /** Hands every open chunk to the receiver (before a commit, or when the current unit's rows must be in the store). */
  seal(): void {
    for (const chunk of this.chunks.values()) {
      if (chunk.table.rowsSinceMark > 0) this.spilled = true;
      this.finish(chunk);
    }
    this.chunks.clear();
  }

  /**
   * Takes back the current unit's rows still in open chunks (the unit failed or is a copy). Returns true when
   * some of its rows had already gone to the receiver: the caller must then delete them from the store.
   */
  discardUnit(): boolean {
    for (const chunk of this.chunks.values()) chunk.table.rollback();
    this.rows = 0;
    return this.spilled;
  }

  /** Drops every open chunk without handing it on (the ingest ends with an error). */
  discardAll(): void {
    for (const chunk of this.chunks.values()) releaseTable(chunk.table);
    this.chunks.clear();
  }

  // Appends a row of the text paths: its values, with its address numbers and side texts made from them.
  private addValues(format: LogFormat, values: readonly FieldValue[], eventId: string | undefined): void {
    const chunk = this.chunks.get(format.header) ?? this.openChunk(format);
    const address = (index: number): string | null => {
      const value = index < 0 ? null : values[index] ?? null;
      return typeof value === 'string' ? value : null;
    };
    const srcText = address(chunk.srcIndex);
    const dstText = address(chunk.dstIndex);
    const src = addressValue(srcText);
    const dst = addressValue(dstText);
    const extra: RowExtra = { srcText: sideText(srcText), dstText: sideText(dstText), srcBig: src.big, dstBig: dst.big, eventId };
    const some = extra.srcText !== undefined || extra.dstText !== undefined || extra.srcBig !== undefined || extra.dstBig !== undefined || eventId !== undefined;
    chunk.table.addValues(values, src.number, dst.number, some ? extra : undefined, this.unitId, sortKey(src.v4, dst.v4));
    this.count(chunk);
  }

  private count(chunk: OpenChunk): void {
    this.rows++;
    if (chunk.table.rows >= CHUNK_ROWS) {
      this.spilled = true;
      this.finish(chunk);
      this.chunks.delete(chunk.table.format.header);
    }
  }

  private finish(chunk: OpenChunk): void {
    const table = chunk.table;
    if (table.rows > 0) {
      writeSorted(chunk);
      this.receive({ format: table.format, path: chunk.path, rows: table.rows });
    }
    releaseTable(table);
  }

  private openChunk(format: LogFormat): OpenChunk {
    const table = takeTable(format);
    table.mark();
    const chunk: OpenChunk = {
      table,
      path: join(this.folder, `chunk-${this.chunkCount++}.parquet`),
      srcIndex: format.columns.indexOf('srcaddr'),
      dstIndex: format.columns.indexOf('dstaddr'),
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


// Writes the chunk's rows to its file in sortedRowOrder.
function writeSorted(chunk: OpenChunk): void {
  try {
    chunk.table.writeSorted(chunk.path, sortedRowOrder(chunk.table.sortKeys, chunk.table.rows));
  } catch (error) {
    // writeSync's errors (ENOSPC) carry no path: name the chunk file, so the message can say where.
    if (error instanceof Error && (error as NodeJS.ErrnoException).path === undefined) (error as NodeJS.ErrnoException).path = chunk.path;
    throw error;
  }
}

// Tables of finished chunks, reused by the next chunk of the same format (fresh memory costs a page fault per 4 KiB
// on first touch): at most MAX_SPARE_TABLES, the most recent ones.
const spareTables: ChunkTable[] = [];
const MAX_SPARE_TABLES = 2;

function takeTable(format: LogFormat): ChunkTable {
  const at = spareTables.findIndex((t) => t.format.header === format.header);
  if (at < 0) return new ChunkTable(format, CHUNK_ROWS);
  const [table] = spareTables.splice(at, 1) as [ChunkTable];
  table.reset();
  return table;
}

function releaseTable(table: ChunkTable): void {
  spareTables.unshift(table);
  spareTables.length = Math.min(spareTables.length, MAX_SPARE_TABLES);
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

// The side text of an address (the src_text/dst_text column): none when its number gives the text back (canonical
// dotted-quad IPv4, or missing), else the text as written (IPv6, an IPv4 with leading zeros).
function sideText(text: string | null): string | undefined {
  if (text === null || text === '-') return undefined;
  return parseIPv4(text) >= 0 && !/(?:^|\.)0\d/.test(text) ? undefined : text;
}

// An address text's 32-bit IPv4 number (-1 when not IPv4), its 128-bit number when below 2^53 (else -1), and its
// number in decimal when beyond.
function addressValue(text: string | null): { v4: number; number: number; big: string | undefined } {
  if (text === null || text === '-') return { v4: -1, number: -1, big: undefined };
  const v4 = parseIPv4(text);
  if (v4 >= 0) return { v4, number: IPV4_MAPPED_BASE + v4, big: undefined };
  const v6 = addressToBigInt(text);
  if (v6 === null) return { v4: -1, number: -1, big: undefined };
  return v6 <= MAX_SAFE ? { v4: -1, number: Number(v6), big: undefined } : { v4: -1, number: -1, big: v6.toString() };
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
