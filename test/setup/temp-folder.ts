import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Gives the test run a TMPDIR of its own, inherited by the test workers and every process they start, and removes it
 * at the end with whatever the tests left in it (stores, generated logs, folders of killed ingests).
 */
export default function setup(): () => void {
  const folder = mkdtempSync(join(tmpdir(), 'flowlens-test-run-'));
  // Tests that run the CLI as another user (test/cli/ingest-faults.test.ts) pass through it, as through /tmp.
  chmodSync(folder, 0o755);
  const previous = process.env.TMPDIR;
  process.env.TMPDIR = folder;
  return () => {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    rmSync(folder, { recursive: true, force: true });
  };
}
