import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../../src/store/index.js';

/** The header line of AWS's default (v2) format, as S3 objects start. */
export const V2_HEADER = 'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status';

/** Opens a new, empty file database in its own temporary folder. */
export async function openTempStore(): Promise<Store> {
  return Store.open(join(mkdtempSync(join(tmpdir(), 'flowlens-db-')), 'test.duckdb'));
}
