import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { SourceError } from '../records/index.js';
import type { ListOptions, Source, SourceUnit } from './types.js';

/** A local file or a folder walked recursively (sorted, hidden files skipped); `.parquet` files are read as Parquet. */
export function createLocalSource(path: string): Source {
  return {
    name: path,
    async *units(_options: ListOptions): AsyncGenerator<SourceUnit> {
      const absolute = resolve(path);
      let info;
      try {
        info = await stat(absolute);
      } catch (error) {
        throw new SourceError('not-found', `cannot read ${path}: no such file or folder`, {
          hint: 'give a file, a folder, -, s3://bucket/prefix or cwl://log-group',
          cause: error,
        });
      }
      if (info.isDirectory()) {
        yield* walk(absolute);
      } else {
        yield fileUnit(absolute, info.size, info.mtimeMs);
      }
    },
  };
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

function fileUnit(path: string, size: number, mtimeMs: number): SourceUnit {
  return {
    key: path,
    fingerprint: `${size}:${Math.trunc(mtimeMs)}`,
    kind: path.toLowerCase().endsWith('.parquet') ? 'parquet' : 'text',
    size,
    // A small file gets a read buffer of its own size: a 1 MiB buffer per small object is garbage to collect.
    open: async () => createReadStream(path, { highWaterMark: Math.min(1024 * 1024, Math.max(16 * 1024, size)) }),
  };
}

async function* walk(folder: string): AsyncGenerator<SourceUnit> {
  const entries = (await readdir(folder, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
  for (const entry of entries) {
    // Hidden files and DuckDB databases (the store itself may live in the folder) are not flow logs.
    if (entry.name.startsWith('.') || /\.duckdb(\.wal)?$/.test(entry.name)) continue;
    const path = join(folder, entry.name);
    if (entry.isDirectory()) yield* walk(path);
    else if (entry.isFile()) {
      const info = await stat(path);
      yield fileUnit(path, info.size, info.mtimeMs);
    }
  }
}
