import { randomUUID } from 'node:crypto';
import { readFileSync, realpathSync, statSync } from 'node:fs';
import { open, readdir, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { SourceError } from '../records/index.js';
import { withReadAhead } from './prefetch.js';
import type { ListOptions, Source, SourceTotal, SourceUnit } from './types.js';

// Small files are read whole, this many ahead of the one being ingested: a folder of thousands of small
// objects then costs no wait for the disk per object. Tiny ones are read synchronously: four thread-pool
// round trips (open, stat, read, close) cost more than the read.
const READ_AHEAD = 16;
const SMALL_FILE_BYTES = 1024 * 1024;
const TINY_FILE_BYTES = 64 * 1024;

/**
 * A local file or a folder walked recursively (sorted, hidden files skipped); `.parquet` files are read as Parquet.
 * A file or subfolder that cannot be read becomes a unit whose open() fails with a SourceError naming it, so
 * ingest reports it and loads the others.
 */
export function createLocalSource(path: string): Source {
  return {
    name: path,
    async *units(list: ListOptions): AsyncGenerator<SourceUnit> {
      const absolute = resolve(path);
      let info;
      try {
        info = await stat(absolute);
      } catch (error) {
        if (isAccessError(error)) throw readError(path, error);
        throw new SourceError('not-found', `cannot read ${path}: no such file or folder`, {
          hint: 'give a file, a folder, -, s3://bucket/prefix or cwl://log-group',
          cause: error,
        });
      }
      if (!info.isDirectory()) {
        yield new LocalFileUnit(absolute, info.size, info.mtimeMs);
        return;
      }
      yield* withReadAhead(
        walk(absolute),
        READ_AHEAD,
        async (unit) => {
          // Files ingest already has are skipped there: reading them ahead would be wasted.
          if (unit instanceof LocalFileUnit && !(await list.isIngested?.(unit.key, unit.fingerprint))) unit.prefetch();
        },
        (unit) => {
          if (unit instanceof LocalFileUnit) unit.cancel();
        },
      );
    },
    async total(): Promise<SourceTotal> {
      const total: SourceTotal = { units: 0, bytes: 0 };
      for await (const unit of listUnits(resolve(path))) {
        total.units++;
        total.bytes += unit.size ?? 0;
      }
      return total;
    },
  };
}

async function* listUnits(absolute: string): AsyncGenerator<SourceUnit> {
  let info;
  try {
    info = await stat(absolute);
  } catch {
    return;
  }
  if (info.isDirectory()) yield* walk(absolute);
  else yield new LocalFileUnit(absolute, info.size, info.mtimeMs);
}

/** Standard input as one unit (ingest identifies it by content hash). */
export function createStdinSource(stdin: Readable): Source {
  return {
    name: '<stdin>',
    async *units(): AsyncGenerator<SourceUnit> {
      // Each read of stdin is new data: a unique key (never "replaces" an earlier stdin), deduplicated by content hash.
      const key = `stdin:${new Date().toISOString()}:${randomUUID().slice(0, 8)}`;
      yield { key, fingerprint: key, kind: 'text', open: async () => stdin };
    },
  };
}

/** The SourceError for a local path that cannot be read: permission denied, gone since it was listed, or an I/O error. */
export function readError(path: string, error: unknown): SourceError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'EACCES' || code === 'EPERM') {
    return new SourceError('access-denied', `cannot read ${path}: permission denied`, {
      hint: 'give the user running flowlens read access (chmod/chown), or leave the path out; a later run loads what was skipped',
      cause: error,
    });
  }
  if (code === 'ENOENT') {
    return new SourceError('not-found', `cannot read ${path}: it was removed after the folder was listed`, { hint: 'run the ingest again', cause: error });
  }
  return new SourceError('read-failed', `cannot read ${path}: ${(error as Error).message}`, {
    hint: 'check the disk and the path; a later run reads it again',
    cause: error,
  });
}

class LocalFileUnit implements SourceUnit {
  readonly fingerprint: string;
  readonly kind: 'text' | 'parquet';
  private content: Promise<Buffer> | undefined;

  constructor(
    readonly key: string,
    readonly size: number,
    mtimeMs: number,
  ) {
    this.fingerprint = `${size}:${Math.trunc(mtimeMs)}`;
    this.kind = key.toLowerCase().endsWith('.parquet') ? 'parquet' : 'text';
  }

  /** Starts reading a small file whole. */
  prefetch(): void {
    if (this.size > SMALL_FILE_BYTES || this.kind === 'parquet') return;
    this.content ??= this.size <= TINY_FILE_BYTES ? readTiny(this.key) : readFile(this.key);
    // Its error is raised by open(); until then it must not count as unhandled.
    this.content.catch(() => undefined);
  }

  /** Drops a file read ahead that will not be ingested. */
  cancel(): void {
    this.content = undefined;
  }

  async readWhole(): Promise<Buffer | undefined> {
    const content = this.content;
    if (!content) return undefined;
    this.content = undefined;
    try {
      return await content;
    } catch (error) {
      throw readError(this.key, error);
    }
  }

  async open(): Promise<Readable> {
    const content = this.content;
    this.content = undefined;
    if (content) {
      try {
        return Readable.from([await content], { objectMode: false });
      } catch (error) {
        throw readError(this.key, error);
      }
    }
    // Opened first so that a permission error is a SourceError naming the file, not a stream error.
    let handle;
    try {
      handle = await open(this.key, 'r');
    } catch (error) {
      throw readError(this.key, error);
    }
    // A small file gets a read buffer of its own size: a 1 MiB buffer per small object is garbage to collect.
    const input = handle.createReadStream({ highWaterMark: Math.min(1024 * 1024, Math.max(16 * 1024, this.size)) });
    const output = new PassThrough({ highWaterMark: 1024 * 1024 });
    input.on('error', (error) => output.destroy(readError(this.key, error)));
    return input.pipe(output);
  }
}

// The error of a symbolic link whose target is missing (readError would say the file was removed after listing).
function danglingLink(path: string, error: unknown): unknown {
  if ((error as NodeJS.ErrnoException | undefined)?.code !== 'ENOENT') return error;
  return new SourceError('not-found', `cannot read ${path}: it is a symbolic link to a file or folder that does not exist`, {
    hint: 'fix or remove the link; the other files are loaded',
    cause: error,
  });
}

/** A path that could not be listed or examined: ingest reports it through open()'s error. */
function unreadable(path: string, error: unknown): SourceUnit {
  return {
    key: path,
    fingerprint: 'unreadable',
    kind: 'text',
    open: async () => {
      throw error instanceof SourceError ? error : readError(path, error);
    },
  };
}

// Symbolic links are followed (a folder of links to delivered objects is common); `visited` holds the real path of
// every folder walked so a link back to a parent folder is not walked again.
async function* walk(folder: string, visited: Set<string> = new Set()): AsyncGenerator<SourceUnit> {
  let entries;
  try {
    const real = realpathSync(folder);
    if (visited.has(real)) return;
    visited.add(real);
    entries = (await readdir(folder, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
  } catch (error) {
    yield unreadable(folder, error);
    return;
  }
  for (const entry of entries) {
    // Hidden files and DuckDB databases (the store itself may live in the folder) are not flow logs.
    if (entry.name.startsWith('.') || /\.(duckdb|db)(\.wal|\.tmp)?$/.test(entry.name)) continue;
    const path = join(folder, entry.name);
    if (entry.isDirectory()) yield* walk(path, visited);
    else if (entry.isFile() || entry.isSymbolicLink()) {
      // A synchronous stat: the listing runs in the consumer's path, and a thread-pool round trip per file of a
      // folder of thousands of small objects costs more than the call.
      let info;
      try {
        info = statSync(path);
      } catch (error) {
        yield unreadable(path, entry.isSymbolicLink() ? danglingLink(path, error) : error);
        continue;
      }
      if (info.isDirectory()) yield* walk(path, visited);
      else if (info.isFile()) yield new LocalFileUnit(path, info.size, info.mtimeMs);
    }
  }
}

async function readTiny(path: string): Promise<Buffer> {
  return readFileSync(path);
}

function isAccessError(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'EACCES' || code === 'EPERM';
}
