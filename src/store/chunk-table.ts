import { enumValues } from '../parse/index.js';
import type { ByteRecord, LogFormat } from '../parse/index.js';
import type { FieldValue } from '../records/index.js';
import { duckdbTypeOf, NARROW_FORMS } from './schema.js';
import { DictionaryColumn, growTypedArray, Int32Column, Int64Column, StringColumn, writeParquetFile } from './parquet-file.js';
import type { ParquetColumn } from './parquet-file.js';

/** What a chunk row carries besides its fields: only the rows of the text paths have any of it. */
export interface RowExtra {
  /** srcaddr / dstaddr text when its number does not give it back (IPv6, an IPv4 with leading zeros). */
  srcText?: string | undefined;
  dstText?: string | undefined;
  /** The 128-bit number in decimal when it is beyond 2^53 (IPv6). */
  srcBig?: string | undefined;
  dstBig?: string | undefined;
  /** The CloudWatch Logs event id. */
  eventId?: string | undefined;
}

// How a field is kept: an integer (INTEGER or BIGINT/UBIGINT), an enum's stored code, text, or not at all (srcaddr
// and dstaddr live on as their numbers and side texts).
type SlotKind = 'int32' | 'int64' | 'uint64' | 'code' | 'text' | 'skip';

// One per field of the format, in its order.
interface Slot {
  kind: SlotKind;
  /** Its column name in the chunk file. */
  name: string;
  /** For an enum: the stored code (NarrowForm) of each byte-test code, and of each value's text. */
  codeOfByteCode?: Uint8Array;
  codeOfText?: Map<string, number>;
}

/**
 * The rows of one chunk, one format, kept by column in arrival order as ingest hands them over (numbers already
 * parsed by the byte test, text copied into one arena), and written sorted as a Parquet file of typed columns (see
 * writeParquetFile): DuckDB then loads a chunk without parsing any text. Fields a store keeps in a narrow form
 * arrive in that form: an enum as its code, an address only through its number (`src_num`, or `src_big` beyond
 * 2^53) and side text (`src_text`).
 */
export class ChunkTable {
  rows = 0;
  private capacity: number;
  private readonly slots: Slot[];
  /** Per slot: integers (-1 missing, NaN: a bigint in `bigs`), codes (0 missing), or text as its dictionary entry (-1 missing). */
  private numbers: Float64Array[];
  private codes: Uint8Array[];
  private texts: Int32Array[];
  private readonly dictionaries: (TextDictionary | null)[];
  private arena: Buffer;
  private arenaLength = 0;
  private keys: Float64Array;
  private src: Float64Array;
  private dst: Float64Array;
  private units: Int32Array;
  private readonly bigs = new Map<number, bigint>();
  private readonly extras = new Map<number, RowExtra>();
  private markRows = 0;
  private markArena = 0;
  private columns: ChunkFileColumns | undefined;

  /** An empty table for rows of `format`, sized for `capacity` rows (it grows beyond). */
  constructor(
    readonly format: LogFormat,
    capacity: number,
  ) {
    this.slots = planSlots(format);
    this.capacity = capacity;
    this.numbers = this.slots.map((s) => new Float64Array(isNumber(s.kind) ? capacity : 0));
    this.codes = this.slots.map((s) => new Uint8Array(s.kind === 'code' ? capacity : 0));
    this.texts = this.slots.map((s) => new Int32Array(s.kind === 'text' ? capacity : 0));
    this.dictionaries = this.slots.map((s) => (s.kind === 'text' ? new TextDictionary() : null));
    this.arena = Buffer.allocUnsafe(capacity * 32);
    this.keys = new Float64Array(capacity);
    this.src = new Float64Array(capacity);
    this.dst = new Float64Array(capacity);
    this.units = new Int32Array(capacity);
  }

  /** Empties the table for the next chunk of the same format, keeping its memory. */
  reset(): void {
    this.rows = 0;
    this.arenaLength = 0;
    this.bigs.clear();
    this.extras.clear();
    this.markRows = 0;
    this.markArena = 0;
    for (const dictionary of this.dictionaries) dictionary?.reset();
  }

  /** Remembers the current end: rollback() takes back what follows. */
  mark(): void {
    this.markRows = this.rows;
    this.markArena = this.arenaLength;
    for (const dictionary of this.dictionaries) dictionary?.mark();
  }

  /** Takes back the rows added since mark(). */
  rollback(): void {
    for (const key of this.bigs.keys()) if (Math.floor(key / this.slots.length) >= this.markRows) this.bigs.delete(key);
    for (const row of this.extras.keys()) if (row >= this.markRows) this.extras.delete(row);
    this.rows = this.markRows;
    this.arenaLength = this.markArena;
    for (const dictionary of this.dictionaries) dictionary?.rollback();
  }

  /** Rows added since mark(). */
  get rowsSinceMark(): number {
    return this.rows - this.markRows;
  }

  /**
   * Adds a record the byte test accepted: `record` holds its values and text offsets into `bytes`, and its address
   * numbers (-1 when missing). `key` orders the chunk (see sortedRowOrder).
   */
  addByteRecord(bytes: Uint8Array, record: ByteRecord, unitId: number, key: number): void {
    const row = this.begin(record.src, record.dst, unitId, key);
    const values = record.values;
    const slots = this.slots;
    for (let s = 0; s < slots.length; s++) {
      const slot = slots[s] as Slot;
      const value = values[s] as number;
      switch (slot.kind) {
        case 'int32':
        case 'int64':
        case 'uint64':
          (this.numbers[s] as Float64Array)[row] = value;
          break;
        case 'code':
          (this.codes[s] as Uint8Array)[row] = value < 0 ? 0 : ((slot.codeOfByteCode as Uint8Array)[value] as number);
          break;
        case 'text':
          (this.texts[s] as Int32Array)[row] = value < 0 ? -1 : this.addText(s, bytes, value, record.ends[s] as number);
          break;
      }
    }
  }

  /**
   * Adds a record given as values (numbers, bigints beyond 2^53, strings, null for missing), with its address numbers
   * (-1 when missing or beyond 2^53), what it carries besides, and its sort key.
   */
  addValues(values: readonly FieldValue[], src: number, dst: number, extra: RowExtra | undefined, unitId: number, key: number): void {
    const row = this.begin(src, dst, unitId, key);
    if (extra) this.extras.set(row, extra);
    const slots = this.slots;
    for (let s = 0; s < slots.length; s++) {
      const slot = slots[s] as Slot;
      const value = values[s] ?? null;
      switch (slot.kind) {
        case 'int32':
        case 'int64':
        case 'uint64': {
          const numbers = this.numbers[s] as Float64Array;
          if (value === null) numbers[row] = -1;
          else if (typeof value === 'bigint') {
            numbers[row] = Number.NaN;
            this.bigs.set(row * slots.length + s, value);
          } else numbers[row] = Number(value);
          break;
        }
        case 'code':
          (this.codes[s] as Uint8Array)[row] = value === null ? 0 : (slot.codeOfText?.get(String(value)) ?? 0);
          break;
        case 'text':
          if (value === null) (this.texts[s] as Int32Array)[row] = -1;
          else {
            const text = Buffer.from(String(value), 'utf8');
            (this.texts[s] as Int32Array)[row] = this.addText(s, text, 0, text.length);
          }
          break;
      }
    }
  }

  /** Writes the rows to `path` as Parquet, ordered by their keys (stable). */
  writeSorted(path: string, order: Uint32Array): void {
    this.columns ??= new ChunkFileColumns(this.slots, this.capacity);
    const c = this.columns;
    c.reset();
    const rows = this.rows;
    const slots = this.slots;
    for (let s = 0; s < slots.length; s++) {
      const slot = slots[s] as Slot;
      const column = c.fields[s] as ParquetColumn;
      if (slot.kind === 'int32') fillInt32(column as Int32Column, this.numbers[s] as Float64Array, order, rows);
      else if (slot.kind === 'int64' || slot.kind === 'uint64') this.fillInt64(column as Int64Column, s, order, rows);
      else if (slot.kind === 'code') fillCodes(column as Int32Column, this.codes[s] as Uint8Array, order, rows);
      else if (slot.kind === 'text') {
        const dictionary = this.dictionaries[s] as TextDictionary;
        const text = column as DictionaryColumn;
        text.setDictionary(this.arena, dictionary.starts, dictionary.lengths, dictionary.size);
        fillText(text, this.texts[s] as Int32Array, order, rows);
      }
    }
    for (let i = 0; i < rows; i++) {
      const row = order[i] as number;
      pushNumber(c.srcNum, this.src[row] as number);
      pushNumber(c.dstNum, this.dst[row] as number);
      c.unitId.push(this.units[row] as number);
    }
    if (this.extras.size === 0) for (const column of [c.srcBig, c.dstBig, c.srcText, c.dstText, c.eventId]) column.pushNulls(rows);
    else {
      for (let i = 0; i < rows; i++) {
        const extra = this.extras.get(order[i] as number);
        pushText(c.srcBig, extra?.srcBig);
        pushText(c.dstBig, extra?.dstBig);
        pushText(c.srcText, extra?.srcText);
        pushText(c.dstText, extra?.dstText);
        pushText(c.eventId, extra?.eventId);
      }
    }
    writeParquetFile(path, c.all);
  }

  /** The sort keys of the rows (see sortedRowOrder). */
  get sortKeys(): Float64Array {
    return this.keys;
  }

  private fillInt64(column: Int64Column, slot: number, order: Uint32Array, rows: number): void {
    const numbers = this.numbers[slot] as Float64Array;
    for (let i = 0; i < rows; i++) {
      const row = order[i] as number;
      const value = numbers[row] as number;
      if (value >= 0) column.pushSafe(value);
      else if (value === -1) column.pushNull();
      else column.pushBig(this.bigs.get(row * this.slots.length + slot) as bigint);
    }
  }

  private begin(src: number, dst: number, unitId: number, key: number): number {
    const row = this.rows++;
    if (row === this.capacity) this.grow();
    this.keys[row] = key;
    this.src[row] = src;
    this.dst[row] = dst;
    this.units[row] = unitId;
    return row;
  }

  // The dictionary entry of the text `bytes[start, end)` in the slot's dictionary, added (its bytes copied into the
  // arena) when new.
  private addText(slot: number, bytes: Uint8Array, start: number, end: number): number {
    const dictionary = this.dictionaries[slot] as TextDictionary;
    // Records in a row often repeat a text (the same interface, the same account): the last entry first.
    const last = dictionary.last;
    if (last >= 0 && dictionary.lengths[last] === end - start) {
      const at = dictionary.starts[last] as number;
      let same = true;
      for (let i = start; i < end && same; i++) same = this.arena[at + i - start] === bytes[i];
      if (same) return last;
    }
    let hash = 2166136261;
    for (let i = start; i < end; i++) hash = Math.imul(hash ^ (bytes[i] as number), 16777619);
    hash >>>= 0;
    const found = dictionary.find(hash, this.arena, bytes, start, end);
    if (found >= 0) return (dictionary.last = found);
    const size = end - start;
    if (this.arenaLength + size > this.arena.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.arena.length * 2, this.arenaLength + size));
      this.arena.copy(grown, 0, 0, this.arenaLength);
      this.arena = grown;
    }
    const arena = this.arena;
    const at = this.arenaLength;
    if (size <= 64) for (let i = start, o = at; i < end; i++) arena[o++] = bytes[i] as number;
    else arena.set(bytes.subarray(start, end), at);
    this.arenaLength = at + size;
    return (dictionary.last = dictionary.add(hash, at, size));
  }

  private grow(): void {
    const capacity = this.capacity * 2;
    // Arrays of the slots of other kinds stay empty.
    const grow = <T extends Float64Array | Uint8Array | Uint32Array | Int32Array>(a: T): T => (a.length === 0 ? a : growTypedArray(a, capacity));
    this.numbers = this.numbers.map(grow);
    this.codes = this.codes.map(grow);
    this.texts = this.texts.map(grow);
    this.keys = grow(this.keys);
    this.src = grow(this.src);
    this.dst = grow(this.dst);
    this.units = grow(this.units);
    this.capacity = capacity;
    this.columns = undefined;
  }
}

// The Parquet columns of a chunk file, reused from one chunk to the next.
class ChunkFileColumns {
  readonly fields: (ParquetColumn | null)[];
  readonly srcNum: Int64Column;
  readonly dstNum: Int64Column;
  readonly srcBig: StringColumn;
  readonly dstBig: StringColumn;
  readonly srcText: StringColumn;
  readonly dstText: StringColumn;
  readonly eventId: StringColumn;
  readonly unitId: Int32Column;
  readonly all: ParquetColumn[];

  constructor(slots: readonly Slot[], rows: number) {
    this.fields = slots.map((slot) => {
      switch (slot.kind) {
        case 'int32':
          return new Int32Column(slot.name, rows);
        case 'int64':
        case 'uint64':
          return new Int64Column(slot.name, rows, slot.kind);
        case 'code':
          return new Int32Column(slot.name, rows, 'uint8');
        case 'text':
          return new DictionaryColumn(slot.name, rows);
        default:
          return null;
      }
    });
    this.srcNum = new Int64Column('src_num', rows, 'uint64');
    this.dstNum = new Int64Column('dst_num', rows, 'uint64');
    this.srcBig = new StringColumn('src_big', 1);
    this.dstBig = new StringColumn('dst_big', 1);
    this.srcText = new StringColumn('src_text', 1);
    this.dstText = new StringColumn('dst_text', 1);
    this.eventId = new StringColumn('event_id', 1);
    this.unitId = new Int32Column('unit_id', rows);
    this.all = [
      ...this.fields.filter((c): c is ParquetColumn => c !== null),
      this.srcNum,
      this.dstNum,
      this.srcBig,
      this.dstBig,
      this.srcText,
      this.dstText,
      this.eventId,
      this.unitId,
    ];
  }

  reset(): void {
    for (const column of this.all) column.reset();
  }
}

function planSlots(format: LogFormat): Slot[] {
  return format.fields.map((field, i): Slot => {
    const name = format.columns[i] as string;
    const narrow = NARROW_FORMS.get(name);
    if (narrow?.codes) {
      const byteValues = enumValues(field.name) ?? [];
      const stored = narrow.codes;
      const codeOfByteCode = new Uint8Array(byteValues.length + 1);
      byteValues.forEach((value, k) => (codeOfByteCode[k + 1] = stored.indexOf(value) + 1));
      const codeOfText = new Map(stored.map((value, k) => [value, k + 1]));
      return { kind: 'code', name: narrow.columns[0]?.name as string, codeOfByteCode, codeOfText };
    }
    if (narrow) return { kind: 'skip', name };
    if (field.kind === 'int32') return { kind: 'int32', name };
    if (field.kind === 'int64') return { kind: duckdbTypeOf(field) === 'BIGINT' ? 'int64' : 'uint64', name };
    return { kind: 'text', name };
  });
}

function isNumber(kind: SlotKind): boolean {
  return kind === 'int32' || kind === 'int64' || kind === 'uint64';
}

function fillInt32(column: Int32Column, numbers: Float64Array, order: Uint32Array, rows: number): void {
  for (let i = 0; i < rows; i++) {
    const value = numbers[order[i] as number] as number;
    if (value < 0) column.pushNull();
    else column.push(value);
  }
}

function fillCodes(column: Int32Column, codes: Uint8Array, order: Uint32Array, rows: number): void {
  for (let i = 0; i < rows; i++) {
    const code = codes[order[i] as number] as number;
    if (code === 0) column.pushNull();
    else column.push(code);
  }
}

function fillText(column: DictionaryColumn, texts: Int32Array, order: Uint32Array, rows: number): void {
  for (let i = 0; i < rows; i++) {
    const entry = texts[order[i] as number] as number;
    if (entry < 0) column.pushNull();
    else column.pushIndex(entry);
  }
}

/**
 * The distinct texts of one column of a chunk: their offsets in the chunk's arena, found again by hash (open
 * addressing), so that a repeated value is stored once and written to the chunk file as a dictionary entry.
 */
class TextDictionary {
  size = 0;
  /** The entry found or added last (-1: none). */
  last = -1;
  starts = new Uint32Array(256);
  lengths = new Int32Array(256);
  private hashes = new Uint32Array(256);
  // Entry + 1 per hash bucket, 0 when empty; at most half full.
  private buckets = new Int32Array(512);
  private marked = 0;

  /** The entry whose hash and bytes are these (bytes compared in `arena`), or -1. */
  find(hash: number, arena: Uint8Array, bytes: Uint8Array, start: number, end: number): number {
    const mask = this.buckets.length - 1;
    const length = end - start;
    for (let b = hash & mask; ; b = (b + 1) & mask) {
      const slot = this.buckets[b] as number;
      if (slot === 0) return -1;
      const entry = slot - 1;
      if (this.hashes[entry] !== hash || this.lengths[entry] !== length) continue;
      const at = this.starts[entry] as number;
      let same = true;
      for (let i = 0; i < length && same; i++) same = arena[at + i] === bytes[start + i];
      if (same) return entry;
    }
  }

  /** Adds an entry (its bytes at `start` in the arena, not found before); returns its number. */
  add(hash: number, start: number, length: number): number {
    const entry = this.size++;
    if (entry === this.starts.length) {
      this.starts = growTypedArray(this.starts, 0);
      this.lengths = growTypedArray(this.lengths, 0);
      this.hashes = growTypedArray(this.hashes, 0);
    }
    this.starts[entry] = start;
    this.lengths[entry] = length;
    this.hashes[entry] = hash;
    if (this.size * 2 > this.buckets.length) this.rehash(this.buckets.length * 2);
    else this.place(entry);
    return entry;
  }

  reset(): void {
    this.size = 0;
    this.marked = 0;
    this.last = -1;
    this.buckets.fill(0);
  }

  mark(): void {
    this.marked = this.size;
  }

  /** Forgets the entries added since mark() (their bytes left the arena). */
  rollback(): void {
    if (this.size === this.marked) return;
    this.size = this.marked;
    this.last = -1;
    this.rehash(this.buckets.length);
  }

  private place(entry: number): void {
    const mask = this.buckets.length - 1;
    let b = (this.hashes[entry] as number) & mask;
    while (this.buckets[b] !== 0) b = (b + 1) & mask;
    this.buckets[b] = entry + 1;
  }

  private rehash(buckets: number): void {
    this.buckets = new Int32Array(buckets);
    for (let entry = 0; entry < this.size; entry++) this.place(entry);
  }
}

function pushNumber(column: Int64Column, value: number): void {
  if (value < 0) column.pushNull();
  else column.pushSafe(value);
}

function pushText(column: StringColumn, value: string | undefined): void {
  if (value === undefined) column.pushNull();
  else column.pushText(value);
}
