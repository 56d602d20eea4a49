import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import type { LogFormat } from '../parse/index.js';
import { inspectHeader, tokenizeLine } from '../parse/index.js';
import { VPC_FIELDS } from '../records/index.js';
import { createLocalSource } from './local.js';

/** Files of one layout and compression, read by one DuckDB `read_csv`. */
export interface InPlaceGroup {
  readonly format: LogFormat;
  readonly compression: 'gzip' | 'none';
  readonly files: readonly string[];
}

/** SOURCE files DuckDB can read where they are: every file's layout declared by its header line, grouped by layout. */
export interface InPlacePlan {
  readonly groups: readonly InPlaceGroup[];
  /** Every file in listing order (their positions are the rows' unit_id). */
  readonly files: readonly string[];
}

// Enough of a file's start to hold its header line (AWS's longest header is under 1 KB).
const HEAD_BYTES = 16 * 1024;
const VPC_FIELD_NAMES: ReadonlySet<string> = new Set(VPC_FIELDS.map((f) => f.name));

/**
 * Plans reading SOURCEs in place: local files and folders only, each file plain or gzip text whose first line is
 * an AWS header of VPC flow-log fields. Returns undefined when any file is not such (stdin, remote sources, Parquet,
 * JSON/CloudWatch exports, header-less or Transit Gateway files): those are read through ingest instead.
 */
export async function planInPlace(sources: readonly string[]): Promise<InPlacePlan | undefined> {
  if (sources.length === 0 || sources.some((uri) => uri === '-' || uri.includes('://'))) return undefined;
  const files: string[] = [];
  const sizes = new Map<string, number>();
  const seen = new Set<string>();
  const groups = new Map<string, { format: LogFormat; compression: 'gzip' | 'none'; files: string[] }>();
  for (const uri of sources) {
    try {
      for await (const unit of createLocalSource(uri).units({})) {
        if (seen.has(unit.key)) continue;
        seen.add(unit.key);
        if (unit.kind !== 'text' || unit.fingerprint === 'unreadable') return undefined;
        const head = await readHead(unit.key);
        if (head === undefined) return undefined;
        if (head.firstLine === '') continue;
        const format = headerFormat(head.firstLine);
        if (format === undefined) return undefined;
        const id = `${head.compression} ${format.header}`;
        let group = groups.get(id);
        if (!group) groups.set(id, (group = { format, compression: head.compression, files: [] }));
        group.files.push(unit.key);
        files.push(unit.key);
        sizes.set(unit.key, unit.size ?? -1);
      }
    } catch {
      // A missing or unreadable SOURCE: ingest reports it as it always has.
      return undefined;
    }
  }
  if (files.length === 0) return undefined;
  // Ingest reads a file with the same bytes as an earlier one once (an object delivered twice): so does this plan.
  const twins = await laterTwins(files, sizes);
  if (twins.size === 0) return { groups: [...groups.values()], files };
  const keep = (file: string): boolean => !twins.has(file);
  return {
    groups: [...groups.values()].map((group) => ({ ...group, files: group.files.filter(keep) })).filter((group) => group.files.length > 0),
    files: files.filter(keep),
  };
}

// The files whose bytes equal an earlier file's (only files of equal size are compared).
async function laterTwins(files: readonly string[], sizes: ReadonlyMap<string, number>): Promise<Set<string>> {
  const bySize = new Map<number, string[]>();
  for (const file of files) {
    const size = sizes.get(file) ?? -1;
    bySize.set(size, [...(bySize.get(size) ?? []), file]);
  }
  const twins = new Set<string>();
  for (const same of bySize.values()) {
    if (same.length < 2) continue;
    const seen = new Set<string>();
    for (const file of same) {
      const digest = await hashFile(file);
      if (seen.has(digest)) twins.add(file);
      seen.add(digest);
    }
  }
  return twins;
}

async function hashFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

/** The format a line declares when it is an AWS header line of VPC fields written as AWS writes it (single spaces). */
function headerFormat(line: string): LogFormat | undefined {
  const tokens = tokenizeLine(line);
  if (tokens.join(' ') !== line) return undefined;
  const header = inspectHeader(tokens);
  if (header === null || !('fields' in header)) return undefined;
  return header.fields.every((f) => VPC_FIELD_NAMES.has(f.name)) ? header : undefined;
}

/** The compression and the first line of a file (empty for an empty file), or undefined when it cannot be told. */
async function readHead(path: string): Promise<{ compression: 'gzip' | 'none'; firstLine: string } | undefined> {
  const handle = await open(path, 'r');
  let bytes: Buffer;
  try {
    const buffer = Buffer.alloc(HEAD_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, HEAD_BYTES, 0);
    bytes = buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    const text = await gunzipStart(bytes);
    const line = text && firstLineOf(text.data, text.complete);
    return line === undefined ? undefined : { compression: 'gzip', firstLine: line };
  }
  const line = firstLineOf(bytes, bytes.length < HEAD_BYTES);
  return line === undefined ? undefined : { compression: 'none', firstLine: line };
}

// The first line without its newline (CR LF allowed); undefined when no newline was seen in a partial read.
function firstLineOf(bytes: Buffer, whole: boolean): string | undefined {
  const end = bytes.indexOf(10);
  if (end < 0 && !whole) return undefined;
  let stop = end < 0 ? bytes.length : end;
  if (stop > 0 && bytes[stop - 1] === 13) stop--;
  return bytes.toString('utf8', 0, stop);
}

// Decompresses the start of a gzip file: as much as the first bytes give (a truncated stream is expected here).
function gunzipStart(bytes: Buffer): Promise<{ data: Buffer; complete: boolean } | undefined> {
  return new Promise((resolve) => {
    const gunzip = createGunzip();
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (complete: boolean): void => resolve(size > 0 || complete ? { data: Buffer.concat(chunks), complete } : undefined);
    gunzip.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= HEAD_BYTES) {
        gunzip.removeAllListeners();
        gunzip.on('error', () => undefined);
        gunzip.destroy();
        done(false);
      }
    });
    gunzip.on('error', () => done(false));
    gunzip.on('end', () => done(true));
    gunzip.end(bytes);
  });
}
