import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addressToBigInt, parseIPv4 } from '../records/index.js';
import type { FieldValue } from '../records/index.js';
import type { LogFormat, RowMeta } from '../parse/index.js';
import type { Store } from './database.js';
import { ensureFlowColumns } from './flow-columns.js';
import { duckdbTypeOf, FLOW_RECORDS_TABLE } from './schema.js';
import { quoteIdentifier, sqlLiteral } from './sql-text.js';

const IPV4_MAPPED_BASE = 281470681743360; // 0xffff00000000 (::ffff:0:0/96); + any IPv4 stays below 2^53
const CHUNK_ROWS = 400_000;
const WRITE_BYTES = 4 * 1024 * 1024;

interface Chunk {
  format: LogFormat;
  /** Raw AWS lines only (addresses converted in SQL), or lines with numeric addresses and event id appended. */
  raw: boolean;
  path: string;
  fd: number;
  parts: string[];
  pendingBytes: number;
  rows: number;
  srcIndex: number;
  dstIndex: number;
}

/**
 * Writes one unit's validated rows into the flow table. Rows are written as normalized space-separated
 * lines (plus numeric addresses and the event id) to a temporary chunk file per format; each full chunk
 * is loaded with DuckDB's parallel `read_csv` while JavaScript goes on parsing the next one, so parsing
 * and loading overlap on two cores and no per-value N-API call is made.
 */
export class UnitWriter {
  private readonly folder: string;
  private readonly chunks = new Map<LogFormat, Chunk>();
  private readonly rawChunks = new Map<LogFormat, Chunk>();
  private full: Chunk[] = [];
  private loading: Promise<void> | null = null;
  private loadError: unknown = null;
  private storedColumns: Set<string> | undefined;
  private chunkCount = 0;
  rows = 0;

  constructor(
    private readonly store: Store,
    private readonly unitId: number,
  ) {
    this.folder = mkdtempSync(join(tmpdir(), 'flowlens-ingest-'));
  }

  /** Appends a line the decoder's fast test accepted (valid, single-spaced, IPv4 only) as it is. */
  rawLine(format: LogFormat, line: string): void {
    const chunk = this.rawChunks.get(format) ?? this.openChunk(format, true);
    this.append(chunk, `${line}\n`);
  }

  /** Appends one decoded row; call settle() between batches and close() at the end. */
  row(format: LogFormat, values: readonly FieldValue[], meta: RowMeta): void {
    const chunk = this.chunks.get(format) ?? this.openChunk(format, false);
    const text = meta.text;
    // Normalized text: AWS's own single-spaced line when it is one, else rebuilt from the values.
    let line = isSingleSpaced(text) && meta.eventId === undefined && meta.line > 0 ? text : joinValues(values);
    line += ` ${addressNumber(chunk.srcIndex < 0 ? null : values[chunk.srcIndex] ?? null)} ${addressNumber(chunk.dstIndex < 0 ? null : values[chunk.dstIndex] ?? null)} ${meta.eventId === undefined ? '-' : meta.eventId}\n`;
    this.append(chunk, line);
  }

  private append(chunk: Chunk, line: string): void {
    chunk.parts.push(line);
    chunk.pendingBytes += line.length;
    chunk.rows++;
    this.rows++;
    if (chunk.pendingBytes >= WRITE_BYTES) this.writeParts(chunk);
    if (chunk.rows >= CHUNK_ROWS) {
      this.writeParts(chunk);
      closeSync(chunk.fd);
      (chunk.raw ? this.rawChunks : this.chunks).delete(chunk.format);
      this.full.push(chunk);
    }
  }

  /** Starts loading full chunks (one load in flight; parsing goes on meanwhile). */
  async settle(): Promise<void> {
    if (this.loadError) throw this.loadError;
    if (this.full.length === 0) return;
    if (this.loading) await this.loading;
    const batch = this.full;
    this.full = [];
    this.loading = this.loadChunks(batch).catch((error: unknown) => {
      this.loadError = error;
    });
  }

  /** Loads every remaining row and removes the temporary files. */
  async close(): Promise<void> {
    try {
      for (const chunk of [...this.chunks.values(), ...this.rawChunks.values()]) {
        this.writeParts(chunk);
        closeSync(chunk.fd);
        this.full.push(chunk);
      }
      this.chunks.clear();
      this.rawChunks.clear();
      if (this.loading) await this.loading;
      if (this.loadError) throw this.loadError;
      const rest = this.full;
      this.full = [];
      await this.loadChunks(rest);
    } finally {
      this.discard();
    }
  }

  /** Waits for a load in flight, then removes the temporary files (after a failure; the caller rolls back). */
  async abort(): Promise<void> {
    if (this.loading) await this.loading;
    this.discard();
  }

  /** Removes temporary files without loading. */
  discard(): void {
    for (const chunk of [...this.chunks.values(), ...this.rawChunks.values()]) {
      try {
        closeSync(chunk.fd);
      } catch {
        // already closed
      }
    }
    this.chunks.clear();
    this.rawChunks.clear();
    rmSync(this.folder, { recursive: true, force: true });
  }

  private openChunk(format: LogFormat, raw: boolean): Chunk {
    const path = join(this.folder, `chunk-${this.chunkCount++}.txt`);
    const chunk: Chunk = {
      format,
      raw,
      path,
      fd: openSync(path, 'w'),
      parts: [],
      pendingBytes: 0,
      rows: 0,
      srcIndex: format.columns.indexOf('srcaddr'),
      dstIndex: format.columns.indexOf('dstaddr'),
    };
    (raw ? this.rawChunks : this.chunks).set(format, chunk);
    return chunk;
  }

  private writeParts(chunk: Chunk): void {
    if (chunk.parts.length === 0) return;
    writeSync(chunk.fd, chunk.parts.join(''));
    chunk.parts = [];
    chunk.pendingBytes = 0;
  }

  private async loadChunks(chunks: readonly Chunk[]): Promise<void> {
    for (const chunk of chunks) {
      if (chunk.rows === 0) continue;
      this.storedColumns = await ensureFlowColumns(this.store, chunk.format.columns, this.storedColumns);
      await this.store.run(loadSql(chunk, this.unitId));
      rmSync(chunk.path, { force: true });
    }
  }
}

function loadSql(chunk: Chunk, unitId: number): string {
  const format = chunk.format;
  const columns: string[] = format.fields.map((field, i) => `${sqlLiteral(format.columns[i] as string)}: ${sqlLiteral(duckdbTypeOf(field))}`);
  const targets = [...format.columns, 'src_ip', 'dst_ip', 'event_id'].map(quoteIdentifier);
  let selects: string;
  if (chunk.raw) {
    // Raw chunks hold AWS lines with IPv4 addresses only: convert them here, vectorized.
    const has = (name: string): boolean => format.columns.includes(name);
    selects = `*, ${has('srcaddr') ? ipv4Number('srcaddr') : 'NULL'}, ${has('dstaddr') ? ipv4Number('dstaddr') : 'NULL'}, NULL`;
  } else {
    columns.push("'src_ip': 'UHUGEINT'", "'dst_ip': 'UHUGEINT'", "'event_id': 'VARCHAR'");
    selects = '*';
  }
  const reader = `read_csv(${sqlLiteral(chunk.path)}, delim = ' ', header = false, quote = '', escape = '', nullstr = '-', auto_detect = false, columns = {${columns.join(', ')}})`;
  return `INSERT INTO ${FLOW_RECORDS_TABLE} (${targets.join(', ')}, unit_id) SELECT ${selects}, ${unitId} FROM ${reader}`;
}

function ipv4Number(column: string): string {
  const c = quoteIdentifier(column);
  const octet = (i: number, shift: number): string => `(CAST(split_part(${c}, '.', ${i}) AS UBIGINT) << ${shift})`;
  return `${IPV4_MAPPED_BASE}::UHUGEINT + (${octet(1, 24)} + ${octet(2, 16)} + ${octet(3, 8)} + ${octet(4, 0)})`;
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
