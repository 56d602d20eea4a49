import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalSource } from '../../src/sources/index.js';
import type { SourceUnit } from '../../src/sources/index.js';
import { ingestSources, Store } from '../../src/store/index.js';
import { flowLines } from './helpers/flow-data.js';

// A folder of links to delivered objects (or to other folders) is read like the objects themselves; a link back to
// a parent folder is walked once, and a dangling link is reported by name while the rest loads.
let root: string;
let folder: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'flowlens-links-'));
  const objects = join(root, 'objects');
  const nested = join(objects, 'nested');
  await mkdir(nested, { recursive: true });
  await writeFile(join(objects, 'a.log'), `${flowLines(3, { start: 1_704_189_600, seed: 1 }).join('\n')}\n`);
  await writeFile(join(nested, 'b.log'), `${flowLines(2, { start: 1_704_190_200, seed: 2 }).join('\n')}\n`);
  folder = join(root, 'links');
  await mkdir(folder);
  await symlink(join(objects, 'a.log'), join(folder, 'a.log'));
  await symlink(nested, join(folder, 'nested'));
  await symlink(folder, join(folder, 'loop'));
  await symlink(join(objects, 'gone.log'), join(folder, 'zz-dangling.log'));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function listKeys(): Promise<SourceUnit[]> {
  const units: SourceUnit[] = [];
  for await (const unit of createLocalSource(folder).units({})) units.push(unit);
  return units;
}

describe('symbolic links in a local folder', () => {
  it('lists linked files and linked folders once, and a dangling link as an unreadable unit', async () => {
    const units = await listKeys();
    expect(units.map((u) => u.key)).toEqual([join(folder, 'a.log'), join(folder, 'nested', 'b.log'), join(folder, 'zz-dangling.log')]);
    expect(units.slice(0, 2).map((u) => u.kind)).toEqual(['text', 'text']);
    await expect(units[2]?.open()).rejects.toThrow(/zz-dangling\.log: it is a symbolic link to a file or folder that does not exist/);
  });

  it('ingests the linked records and reports the dangling link without stopping', async () => {
    const store = await Store.memory();
    try {
      const failed: string[] = [];
      const summary = await ingestSources(store, [createLocalSource(folder)], { onUnitError: (unit) => failed.push(unit.key) });
      expect(summary.records).toBe(5);
      expect(summary.units).toBe(2);
      expect(failed).toEqual([join(folder, 'zz-dangling.log')]);
      expect(Number(await store.scalar('SELECT count(*) FROM flows'))).toBe(5);
    } finally {
      await store.close();
    }
  });
});
