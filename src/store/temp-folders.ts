import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const live = new Set<string>();

// A run's folder `flowlens-<kind>-<pid>-XXXXXX` in `parent`, made after removing those of runs whose process is gone.
function createRunFolder(kind: 'ingest' | 'aggregate', parent: string): string {
  removeStaleIngestFolders(parent);
  const folder = mkdtempSync(join(parent, `flowlens-${kind}-${process.pid}-`));
  live.add(folder);
  return folder;
}

/**
 * Creates an ingest's temporary folder in TMPDIR, named with this process id (`flowlens-ingest-<pid>-XXXXXX`),
 * after removing the folders of earlier ingests whose process is gone (killed runs leave theirs behind).
 */
export function createIngestFolder(parent: string = tmpdir()): string {
  return createRunFolder('ingest', parent);
}

/**
 * Creates a folder for an aggregate's passes in `parent` (`flowlens-aggregate-<pid>-XXXXXX`), after removing those of
 * earlier runs whose process is gone, as createIngestFolder does; remove it with removeIngestFolder.
 */
export function createAggregateFolder(parent: string = tmpdir()): string {
  return createRunFolder('aggregate', parent);
}

/** Removes an ingest folder made by createIngestFolder (or an aggregate's, made by createAggregateFolder). */
export function removeIngestFolder(folder: string): void {
  live.delete(folder);
  rmSync(folder, { recursive: true, force: true });
}

/** Removes this process's ingest folders now (on SIGINT/SIGTERM, before the process ends). */
export function removeLiveIngestFolders(): void {
  for (const folder of [...live]) removeIngestFolder(folder);
}

/** Removes `flowlens-ingest-<pid>-*` and `flowlens-aggregate-<pid>-*` folders in `parent` whose process no longer runs; returns their paths. */
export function removeStaleIngestFolders(parent: string = tmpdir()): string[] {
  let names: string[];
  try {
    names = readdirSync(parent);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const match = /^flowlens-(?:ingest|aggregate)-(\d+)-/.exec(name);
    if (!match || isRunning(Number(match[1]))) continue;
    const path = join(parent, name);
    try {
      if (!statSync(path).isDirectory()) continue;
      rmSync(path, { recursive: true, force: true });
      removed.push(path);
    } catch {
      // another user's folder, or removed meanwhile: not ours to report
    }
  }
  return removed;
}

/**
 * Removes the files DuckDB spilled into a database's temporary folder (`<db>.tmp`, its default temp_directory)
 * during a run that was killed. Call only while holding the database open for writing: DuckDB's lock then
 * guarantees no other process uses them.
 */
export function removeSpillFiles(dbPath: string): void {
  if (dbPath === ':memory:') return;
  const folder = `${dbPath}.tmp`;
  let names: string[];
  try {
    names = readdirSync(folder);
  } catch {
    return;
  }
  for (const name of names) rmSync(join(folder, name), { recursive: true, force: true });
}

function isRunning(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
