import { createReadStream } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import type { Readable } from 'node:stream';
import { detectHeader } from '../parse/index.js';
import { SourceError } from '../records/index.js';
import type { ListOptions, Source, SourceUnit } from '../sources/index.js';
import type { Store } from '../store/index.js';

/** How far each file has been read: its inode and the byte offset after the last complete line taken. */
export interface FileOffset {
  ino: number;
  offset: number;
}

/** What has been read of followed files, by absolute path: offsets of text files, fingerprints of files taken whole. */
export interface FollowState {
  offsets: Map<string, FileOffset>;
  /** `size:mtime` of files ingested whole (gzip, Parquet, or stored by `flowlens ingest`). */
  whole: Map<string, string>;
}

// A unit key for bytes [start, end) of a file: `<path>#<inode>:<start>-<end>`.
const SEGMENT_KEY = /^(.*)#(\d+):(\d+)-(\d+)$/;

/**
 * Rebuilds the offsets of followed files from the ingest ledger: the furthest segment ingested per file,
 * or, for a file `flowlens ingest` stored whole, the size recorded in its fingerprint (`size:mtime`).
 */
export async function loadFollowState(store: Store): Promise<FollowState> {
  const offsets = new Map<string, FileOffset>();
  const whole = new Map<string, string>();
  const result = await store.query('SELECT unit_key, fingerprint FROM ingest_units ORDER BY unit_id');
  for (const row of result.rows) {
    const key = String(row.unit_key);
    const segment = SEGMENT_KEY.exec(key);
    if (segment) {
      const [, path, ino, , end] = segment;
      const previous = offsets.get(path as string);
      if (!previous || previous.ino !== Number(ino) || previous.offset < Number(end)) offsets.set(path as string, { ino: Number(ino), offset: Number(end) });
      continue;
    }
    const sized = /^(\d+):\d+$/.exec(String(row.fingerprint));
    if (!sized || !key.startsWith('/')) continue;
    whole.set(key, String(row.fingerprint));
    if (!offsets.has(key)) offsets.set(key, { ino: -1, offset: Number(sized[1]) });
  }
  return { offsets, whole };
}

/**
 * A local file or folder followed like `tail -F`: each listing yields, per text file, one unit with the
 * complete lines appended since the last listing (a file that shrank or changed inode is read again from
 * the start); the file's header line, if any, is put in front so the format is known. Gzip and Parquet
 * files are yielded whole (write them atomically). A file's offset advances when its unit is committed.
 */
export function createTailSource(path: string, state: FollowState): Source {
  const absolute = resolve(path);
  const { offsets, whole } = state;
  return {
    name: path,
    async *units(_options: ListOptions): AsyncGenerator<SourceUnit> {
      for (const file of await listFiles(absolute)) {
        // A file taken whole and unchanged since is not offered again.
        const unit = await nextUnit(file, offsets.get(file), whole.get(file), (next) => offsets.set(file, next), (fingerprint) => whole.set(file, fingerprint));
        if (unit) yield unit;
      }
    },
  };
}

async function nextUnit(
  file: string,
  known: FileOffset | undefined,
  takenWhole: string | undefined,
  advance: (next: FileOffset) => void,
  takeWhole: (fingerprint: string) => void,
): Promise<SourceUnit | undefined> {
  let info;
  try {
    info = await stat(file);
  } catch {
    return undefined; // removed between listing and reading
  }
  const fingerprint = `${info.size}:${Math.trunc(info.mtimeMs)}`;
  if (takenWhole === fingerprint) return undefined;
  const sameFile = known !== undefined && (known.ino === info.ino || known.ino === -1) && known.offset <= info.size;
  const start = sameFile ? known.offset : 0;
  if (info.size <= start) return undefined;
  const kind = file.toLowerCase().endsWith('.parquet') ? 'parquet' : 'text';
  const head = await readHead(file);
  if (kind === 'parquet' || (head[0] === 0x1f && head[1] === 0x8b)) {
    // Whole-file units: the ledger (key = path, fingerprint = size:mtime) decides whether they are new.
    return { key: file, fingerprint, kind, size: info.size, open: async () => createReadStream(file), committed: async () => takeWhole(fingerprint) };
  }
  const end = await lastLineEnd(file, start, info.size);
  if (end <= start) return undefined; // only a partial line so far
  const header = start > 0 ? headerLine(head) : undefined;
  return {
    key: `${file}#${info.ino}:${start}-${end}`,
    fingerprint: `${info.ino}:${start}-${end}`,
    kind: 'text',
    size: end - start,
    open: async () => withPrefix(header, createReadStream(file, { start, end: end - 1 })),
    committed: async () => advance({ ino: info.ino, offset: end }),
  };
}

async function listFiles(path: string): Promise<string[]> {
  let info;
  try {
    info = await stat(path);
  } catch (error) {
    throw new SourceError('not-found', `cannot read ${path}: no such file or folder`, { hint: 'watch a file or a folder that exists', cause: error });
  }
  if (!info.isDirectory()) return [path];
  const out: string[] = [];
  const entries = (await readdir(path, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const child = join(path, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(child)));
    else if (entry.isFile()) out.push(child);
  }
  return out;
}

const HEAD_BYTES = 64 * 1024;

async function readHead(file: string): Promise<Buffer> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(HEAD_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, HEAD_BYTES, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

// The offset just after the last newline in [start, size): only complete lines are taken.
async function lastLineEnd(file: string, start: number, size: number): Promise<number> {
  const handle = await open(file, 'r');
  try {
    const chunk = Buffer.alloc(HEAD_BYTES);
    for (let to = size; to > start; to -= HEAD_BYTES) {
      const from = Math.max(start, to - HEAD_BYTES);
      const { bytesRead } = await handle.read(chunk, 0, to - from, from);
      const index = chunk.subarray(0, bytesRead).lastIndexOf(0x0a);
      if (index >= 0) return from + index + 1;
    }
    return start;
  } finally {
    await handle.close();
  }
}

function headerLine(head: Buffer): string | undefined {
  const newline = head.indexOf(0x0a);
  if (newline < 0) return undefined;
  const line = head.subarray(0, newline).toString('utf8').replace(/\r$/, '');
  return detectHeader(line.trim().split(/\s+/)) ? line : undefined;
}

function withPrefix(prefix: string | undefined, stream: Readable): Readable {
  if (prefix === undefined) return stream;
  const out = new PassThrough();
  out.write(`${prefix}\n`);
  stream.on('error', (error) => out.destroy(error));
  stream.pipe(out);
  return out;
}
