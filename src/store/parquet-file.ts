import { closeSync, openSync, writeSync } from 'node:fs';

/**
 * The smallest Parquet writer ingest needs to hand typed rows to DuckDB: one row group, one uncompressed data page
 * (v1) per column, PLAIN or with a dictionary page, every column OPTIONAL and flat. Values go in as typed arrays and
 * leave as their own bytes, so writing a column costs one copy, where general Parquet libraries encode value by value;
 * DuckDB reads such a file with no text parsing at all.
 */

/** The physical and logical type of a column: INTEGER, UTINYINT, BIGINT, UBIGINT or VARCHAR once DuckDB reads it. */
export type ParquetKind = 'int32' | 'uint8' | 'int64' | 'uint64' | 'string';

/** One column being filled row by row: push a value or a null for every row, in order. */
export abstract class ParquetColumn {
  /** Rows pushed so far (values and nulls). */
  rows = 0;
  /** Nulls among them. */
  nulls = 0;
  /** The rows that are null, in order (most columns have none, so a value costs no bookkeeping). */
  private nullRows: Uint32Array;

  constructor(
    readonly name: string,
    readonly kind: ParquetKind,
    rows: number,
  ) {
    this.nullRows = new Uint32Array(Math.max(Math.min(rows, 1024), 16));
  }

  /** Empties the column for the next file, keeping its memory. */
  reset(): void {
    this.rows = 0;
    this.nulls = 0;
    this.clearValues();
  }

  /** Adds a null. */
  pushNull(): void {
    if (this.nulls === this.nullRows.length) this.nullRows = growTypedArray(this.nullRows, this.nulls + 1);
    this.nullRows[this.nulls++] = this.rows++;
  }

  /** Adds `count` nulls. */
  pushNulls(count: number): void {
    if (this.nulls + count > this.nullRows.length) this.nullRows = growTypedArray(this.nullRows, this.nulls + count);
    for (let i = 0; i < count; i++) this.nullRows[this.nulls++] = this.rows++;
  }

  /** The bytes of the non-null values: PLAIN, or the RLE_DICTIONARY indices when dictionaryBytes() gives a dictionary. */
  abstract valueBytes(): Uint8Array;

  /** The PLAIN bytes and size of the column's dictionary, or null when its values are PLAIN. */
  dictionaryBytes(): { bytes: Uint8Array; values: number } | null {
    return null;
  }

  protected abstract clearValues(): void;

  /** The definition levels of the rows so far, RLE/bit-packed hybrid with its 4-byte length prefix. */
  levelBytes(): Uint8Array {
    if (this.nulls === 0) return withLength(Uint8Array.of(...varint(this.rows * 2), 1));
    // One bit-packed run: a bit per row, least significant first, set when the row has a value.
    const groups = Math.ceil(this.rows / 8);
    const header = varint(groups * 2 + 1);
    const out = new Uint8Array(header.length + groups).fill(255, header.length);
    out.set(header);
    for (let i = 0; i < this.nulls; i++) {
      const row = this.nullRows[i] as number;
      const at = header.length + (row >>> 3);
      out[at] = (out[at] as number) & ~(1 << (row & 7));
    }
    return withLength(out);
  }

  // Counts a row that has a value.
  protected mark(): void {
    this.rows++;
  }
}

// A column of fixed-width values kept in a typed array: its PLAIN bytes are the array's own first `count` values.
abstract class FixedWidthColumn extends ParquetColumn {
  protected count = 0;
  /** Bytes per value. */
  protected abstract readonly width: number;
  /** The typed array holding the values. */
  protected abstract get store(): ArrayBufferView;

  valueBytes(): Uint8Array {
    return new Uint8Array(this.store.buffer, this.store.byteOffset, this.count * this.width);
  }

  protected clearValues(): void {
    this.count = 0;
  }
}

/** A 32-bit integer column (INTEGER), or with `uint8` a UTINYINT one (values 0–255). */
export class Int32Column extends FixedWidthColumn {
  protected readonly width = 4;
  private values: Int32Array;

  /** A column named `name` sized for `rows` rows (it grows beyond). */
  constructor(name: string, rows: number, kind: 'int32' | 'uint8' = 'int32') {
    super(name, kind, rows);
    this.values = new Int32Array(Math.max(rows, 1));
  }

  protected get store(): ArrayBufferView {
    return this.values;
  }

  /** Adds a value. */
  push(value: number): void {
    this.mark();
    if (this.count === this.values.length) this.values = growTypedArray(this.values, this.count + 1);
    this.values[this.count++] = value;
  }
}

/** A 64-bit integer column: BIGINT, or UBIGINT with `uint64`. */
export class Int64Column extends FixedWidthColumn {
  protected readonly width = 8;
  // Little-endian halves: low 32 bits, then high 32 bits.
  private words: Uint32Array;

  /** A column named `name` sized for `rows` rows (it grows beyond). */
  constructor(name: string, rows: number, kind: 'int64' | 'uint64') {
    super(name, kind, rows);
    this.words = new Uint32Array(Math.max(rows, 1) * 2);
  }

  protected get store(): ArrayBufferView {
    return this.words;
  }

  /** Adds a non-negative integer below 2^53. */
  pushSafe(value: number): void {
    this.mark();
    if (this.count * 2 === this.words.length) this.words = growTypedArray(this.words, this.count * 2 + 2);
    const at = this.count * 2;
    if (value < 4294967296) {
      this.words[at] = value;
      this.words[at + 1] = 0;
    } else {
      const high = Math.floor(value / 4294967296);
      this.words[at] = value - high * 4294967296;
      this.words[at + 1] = high;
    }
    this.count++;
  }

  /** Adds any 64-bit value (two's complement for a negative one). */
  pushBig(value: bigint): void {
    this.mark();
    if (this.count * 2 === this.words.length) this.words = growTypedArray(this.words, this.count * 2 + 2);
    const bits = BigInt.asUintN(64, value);
    this.words[this.count * 2] = Number(bits & 0xffffffffn);
    this.words[this.count * 2 + 1] = Number(bits >> 32n);
    this.count++;
  }
}

/** A text column (VARCHAR): each value as its UTF-8 bytes. */
export class StringColumn extends ParquetColumn {
  private bytes: Buffer;
  private length = 0;

  /** A column named `name` sized for `rows` short values (it grows beyond). */
  constructor(name: string, rows: number) {
    super(name, 'string', rows);
    this.bytes = Buffer.allocUnsafe(Math.max(rows, 1) * 16);
  }

  /** Adds a string. */
  pushText(text: string): void {
    this.mark();
    const size = Buffer.byteLength(text, 'utf8');
    this.reserve(size + 4);
    this.bytes.writeUInt32LE(size, this.length);
    this.bytes.write(text, this.length + 4, 'utf8');
    this.length += size + 4;
  }

  valueBytes(): Uint8Array {
    return this.bytes.subarray(0, this.length);
  }

  protected clearValues(): void {
    this.length = 0;
  }

  private reserve(bytes: number): void {
    if (this.length + bytes <= this.bytes.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.bytes.length * 2, this.length + bytes));
    this.bytes.copy(grown, 0, 0, this.length);
    this.bytes = grown;
  }
}

/**
 * A text column (VARCHAR) written with a dictionary: each distinct value once (`setDictionary`), then each row's
 * index into it. DuckDB reads it as a dictionary vector, which it stores with much less work than the same values
 * one by one.
 */
export class DictionaryColumn extends ParquetColumn {
  private indices: Uint32Array;
  private count = 0;
  private dictionary: Uint8Array = new Uint8Array(0);
  private entries = 0;

  /** A column named `name` sized for `rows` rows (it grows beyond). */
  constructor(name: string, rows: number) {
    super(name, 'string', rows);
    this.indices = new Uint32Array(Math.max(rows, 1));
  }

  /** Sets the distinct values: entry i is `arena[starts[i], starts[i] + lengths[i])`. */
  setDictionary(arena: Uint8Array, starts: Uint32Array, lengths: Int32Array, entries: number): void {
    let size = 0;
    for (let i = 0; i < entries; i++) size += 4 + (lengths[i] as number);
    const out = Buffer.allocUnsafe(size);
    let at = 0;
    for (let i = 0; i < entries; i++) {
      const start = starts[i] as number;
      const length = lengths[i] as number;
      out.writeUInt32LE(length, at);
      out.set(arena.subarray(start, start + length), at + 4);
      at += 4 + length;
    }
    this.dictionary = out;
    this.entries = entries;
  }

  /** Adds a row whose value is dictionary entry `index`. */
  pushIndex(index: number): void {
    this.mark();
    if (this.count === this.indices.length) this.indices = growTypedArray(this.indices, this.count + 1);
    this.indices[this.count++] = index;
  }

  override dictionaryBytes(): { bytes: Uint8Array; values: number } {
    return { bytes: this.dictionary, values: this.entries };
  }

  valueBytes(): Uint8Array {
    // The bit width, then one bit-packed run of every index (groups of 8, least significant bits first). The width is
    // a whole number of bytes, so that each index is simply its own little-endian bytes.
    const bytes = this.entries <= 256 ? 1 : this.entries <= 65536 ? 2 : this.entries <= 16777216 ? 3 : 4;
    const groups = Math.ceil(this.count / 8);
    const header = varint(groups * 2 + 1);
    const out = new Uint8Array(1 + header.length + groups * 8 * bytes);
    out[0] = bytes * 8;
    out.set(header, 1);
    const indices = this.indices;
    const count = this.count;
    let o = 1 + header.length;
    if (bytes === 1) for (let i = 0; i < count; i++) out[o++] = indices[i] as number;
    else {
      for (let i = 0; i < count; i++) {
        const index = indices[i] as number;
        for (let b = 0; b < bytes; b++) out[o++] = (index >>> (8 * b)) & 255;
      }
    }
    return out;
  }

  protected clearValues(): void {
    this.count = 0;
    this.entries = 0;
    this.dictionary = new Uint8Array(0);
  }
}

/** Writes the columns (all of the same row count) to `path` as a Parquet file. */
export function writeParquetFile(path: string, columns: readonly ParquetColumn[]): void {
  const rows = columns[0]?.rows ?? 0;
  const fd = openSync(path, 'w');
  try {
    let offset = 0;
    const write = (bytes: Uint8Array): void => {
      let done = 0;
      while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done);
      offset += bytes.length;
    };
    write(MAGIC);
    const chunks: ColumnChunkInfo[] = [];
    for (const column of columns) {
      if (column.rows !== rows) throw new Error(`parquet column ${column.name} has ${column.rows} rows, expected ${rows}`);
      const start = offset;
      const dictionary = column.dictionaryBytes();
      if (dictionary) {
        write(pageHeader(DICTIONARY_PAGE, dictionary.bytes.length, 7, dictionary.values, PLAIN));
        write(dictionary.bytes);
      }
      const dataStart = offset;
      const levels = column.levelBytes();
      const values = column.valueBytes();
      write(pageHeader(DATA_PAGE, levels.length + values.length, 5, rows, dictionary ? RLE_DICTIONARY : PLAIN));
      write(levels);
      write(values);
      chunks.push({ column, offset: start, dataOffset: dataStart, dictionary: dictionary !== null, size: offset - start });
    }
    const footer = fileMetadata(columns, rows, chunks);
    write(footer);
    const length = new Uint8Array(4);
    new DataView(length.buffer).setUint32(0, footer.length, true);
    write(length);
    write(MAGIC);
  } finally {
    closeSync(fd);
  }
}

const MAGIC = Uint8Array.from([0x50, 0x41, 0x52, 0x31]);

interface ColumnChunkInfo {
  column: ParquetColumn;
  /** Where the column chunk starts (its dictionary page, if any), and where its data page starts. */
  offset: number;
  dataOffset: number;
  dictionary: boolean;
  size: number;
}

// Parquet's enums (parquet.thrift).
const TYPE: Record<ParquetKind, number> = { int32: 1, uint8: 1, int64: 2, uint64: 2, string: 6 };
const CONVERTED_TYPE: Partial<Record<ParquetKind, number>> = { uint8: 11, uint64: 14, string: 0 };
const OPTIONAL = 1;
const PLAIN = 0;
const RLE = 3;
const RLE_DICTIONARY = 8;
const DATA_PAGE = 0;
const DICTIONARY_PAGE = 2;
const UNCOMPRESSED = 0;

// A page header (PageHeader): its type, its size (uncompressed, so both sizes), and its own header struct (field
// `field`: 5 for a data page, 7 for a dictionary page) with the values count, the encoding and, for a data page, the
// level encodings.
function pageHeader(type: number, size: number, field: number, values: number, encoding: number): Uint8Array {
  const t = new ThriftWriter();
  t.i32(1, type);
  t.i32(2, size);
  t.i32(3, size);
  t.beginStruct(field);
  t.i32(1, values);
  t.i32(2, encoding);
  if (type === DATA_PAGE) {
    t.i32(3, RLE);
    t.i32(4, RLE);
  }
  t.endStruct();
  t.stop();
  return t.bytes();
}

function fileMetadata(columns: readonly ParquetColumn[], rows: number, chunks: readonly ColumnChunkInfo[]): Uint8Array {
  const t = new ThriftWriter();
  t.i32(1, 1);
  t.beginList(2, STRUCT, columns.length + 1);
  t.beginElement();
  t.string(4, 'schema');
  t.i32(5, columns.length);
  t.endElement();
  for (const column of columns) {
    t.beginElement();
    t.i32(1, TYPE[column.kind]);
    t.i32(3, OPTIONAL);
    t.string(4, column.name);
    const converted = CONVERTED_TYPE[column.kind];
    if (converted !== undefined) t.i32(6, converted);
    t.endElement();
  }
  t.i64(3, rows);
  t.beginList(4, STRUCT, 1);
  t.beginElement();
  t.beginList(1, STRUCT, chunks.length);
  for (const chunk of chunks) {
    t.beginElement();
    t.i64(2, chunk.offset);
    t.beginStruct(3);
    t.i32(1, TYPE[chunk.column.kind]);
    t.beginList(2, I32, chunk.dictionary ? 3 : 2);
    t.listI32(PLAIN);
    t.listI32(RLE);
    if (chunk.dictionary) t.listI32(RLE_DICTIONARY);
    t.beginList(3, BINARY, 1);
    t.listString(chunk.column.name);
    t.i32(4, UNCOMPRESSED);
    t.i64(5, rows);
    t.i64(6, chunk.size);
    t.i64(7, chunk.size);
    t.i64(9, chunk.dataOffset);
    if (chunk.dictionary) t.i64(11, chunk.offset);
    t.endStruct();
    t.endElement();
  }
  t.i64(2, chunks.reduce((sum, c) => sum + c.size, 0));
  t.i64(3, rows);
  t.endElement();
  t.string(6, 'flowlens');
  t.stop();
  return t.bytes();
}

// Thrift compact protocol element types.
const I32 = 5;
const I64 = 6;
const BINARY = 8;
const LIST = 9;
const STRUCT = 12;

/** Thrift's compact protocol, only what Parquet's page header and footer use. */
class ThriftWriter {
  private out: number[] = [];
  private last = 0;
  private stack: number[] = [];

  bytes(): Uint8Array {
    return Uint8Array.from(this.out);
  }

  i32(field: number, value: number): void {
    this.header(field, I32);
    this.zigzag(value);
  }

  i64(field: number, value: number): void {
    this.header(field, I64);
    this.zigzag(value);
  }

  string(field: number, value: string): void {
    this.header(field, BINARY);
    this.raw(value);
  }

  beginStruct(field: number): void {
    this.header(field, STRUCT);
    this.stack.push(this.last);
    this.last = 0;
  }

  endStruct(): void {
    this.out.push(0);
    this.last = this.stack.pop() ?? 0;
  }

  beginList(field: number, type: number, size: number): void {
    this.header(field, LIST);
    if (size < 15) this.out.push((size << 4) | type);
    else {
      this.out.push(0xf0 | type);
      this.out.push(...varint(size));
    }
  }

  /** A struct element of a list. */
  beginElement(): void {
    this.stack.push(this.last);
    this.last = 0;
  }

  endElement(): void {
    this.endStruct();
  }

  listI32(value: number): void {
    this.zigzag(value);
  }

  listString(value: string): void {
    this.raw(value);
  }

  stop(): void {
    this.out.push(0);
  }

  private raw(value: string): void {
    const bytes = Buffer.from(value, 'utf8');
    this.out.push(...varint(bytes.length), ...bytes);
  }

  private header(field: number, type: number): void {
    const delta = field - this.last;
    if (delta > 0 && delta <= 15) this.out.push((delta << 4) | type);
    else {
      this.out.push(type);
      this.zigzag(field);
    }
    this.last = field;
  }

  private zigzag(value: number): void {
    // Zigzag of a value that may exceed 32 bits (file offsets, row counts): arithmetic, not bit operators.
    this.out.push(...varint(value >= 0 ? value * 2 : -value * 2 - 1));
  }
}

// An unsigned varint (LEB128) of a non-negative integer below 2^53.
function varint(value: number): number[] {
  const out: number[] = [];
  let v = value;
  while (v >= 128) {
    out.push((v % 128) | 128);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}

function withLength(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length + 4);
  new DataView(out.buffer).setUint32(0, bytes.length, true);
  out.set(bytes, 4);
  return out;
}

/** A copy of a typed array with room for at least `atLeast` values (at least twice as many as before). */
export function growTypedArray<T extends Uint8Array | Int32Array | Uint32Array | Float64Array>(array: T, atLeast: number): T {
  const grown = new (array.constructor as new (length: number) => T)(Math.max(array.length * 2, atLeast));
  grown.set(array);
  return grown;
}
