import { tmpdir } from 'node:os';
import { resolve } from 'node:path';
import { FlowlensError } from '../records/index.js';

/**
 * Turns an out-of-space error met while ingesting (Node's ENOSPC, or DuckDB's "No space left on device") into a
 * FlowlensError naming the path written and the setting that moves it: TMPDIR for the ingest's temporary files,
 * --db for the database (and DuckDB's `<db>.tmp` spill folder next to it). Other errors are returned unchanged.
 */
export function explainDiskError(error: unknown, dbPath: string): unknown {
  if (!(error instanceof Error) || error instanceof FlowlensError) return error;
  const code = (error as NodeJS.ErrnoException).code;
  if (code !== 'ENOSPC' && !/no space left on device/i.test(error.message)) return error;
  const path = (error as NodeJS.ErrnoException).path ?? /"([^"]+)"/.exec(error.message)?.[1] ?? /'([^']+)'/.exec(error.message)?.[1];
  const where = path === undefined ? 'a file' : path;
  const db = dbPath === ':memory:' ? undefined : resolve(dbPath);
  let hint: string;
  if (path !== undefined && db !== undefined && resolve(path).startsWith(db)) {
    hint = `free space on that disk, or give --db a path on a disk with more room (the database, its .wal and its .tmp spill folder live there)`;
  } else if (path !== undefined && resolve(path).startsWith(resolve(tmpdir()))) {
    hint = `free space there, or set TMPDIR to a folder on a disk with more room (ingest writes its temporary chunk files there)`;
  } else {
    hint = `free space, or set TMPDIR (temporary chunk files) and --db (the database) to folders on a disk with more room`;
  }
  return new FlowlensError('no-space', `no space left on the device while writing ${where}`, { hint, cause: error });
}
