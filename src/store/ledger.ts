import type { Store } from './database.js';

/** One ingested unit as the ledger (ingest_units) records it. */
export interface LedgerEntry {
  unitId: number;
  key: string;
  fingerprint: string;
  contentHash: string | null;
}

/**
 * The ingest_units ledger held in memory during an ingest, read once at its start and kept up to date
 * as units finish, so the checks made for every unit (already ingested? a copy of another?) never wait
 * for the store while it is loading.
 */
export class LedgerCache {
  private readonly byKey = new Map<string, LedgerEntry[]>();
  private readonly byHash = new Map<string, LedgerEntry[]>();

  /** Reads the ledger of a store. */
  static async load(store: Store): Promise<LedgerCache> {
    const cache = new LedgerCache();
    const result = await store.query('SELECT unit_id, unit_key, fingerprint, content_hash FROM ingest_units ORDER BY unit_id');
    for (const row of result.rows) {
      cache.add({
        unitId: Number(row.unit_id),
        key: String(row.unit_key),
        fingerprint: String(row.fingerprint),
        contentHash: row.content_hash === null ? null : String(row.content_hash),
      });
    }
    return cache;
  }

  /** The stored versions of a unit key. */
  versions(key: string): readonly LedgerEntry[] {
    return this.byKey.get(key) ?? [];
  }

  /** True when this key was ingested with this fingerprint. */
  isIngested(key: string, fingerprint: string): boolean {
    return this.versions(key).some((entry) => entry.fingerprint === fingerprint);
  }

  /** A stored unit with this content, other than the given unit ids (a unit's own earlier version is no twin). */
  twin(contentHash: string, except: readonly number[]): LedgerEntry | undefined {
    return this.byHash.get(contentHash)?.find((entry) => !except.includes(entry.unitId));
  }

  add(entry: LedgerEntry): void {
    push(this.byKey, entry.key, entry);
    if (entry.contentHash !== null) push(this.byHash, entry.contentHash, entry);
  }

  remove(entry: LedgerEntry): void {
    pull(this.byKey, entry.key, entry);
    if (entry.contentHash !== null) pull(this.byHash, entry.contentHash, entry);
  }
}

function push(map: Map<string, LedgerEntry[]>, key: string, entry: LedgerEntry): void {
  const list = map.get(key);
  if (list) list.push(entry);
  else map.set(key, [entry]);
}

function pull(map: Map<string, LedgerEntry[]>, key: string, entry: LedgerEntry): void {
  const list = map.get(key)?.filter((e) => e !== entry) ?? [];
  if (list.length > 0) map.set(key, list);
  else map.delete(key);
}
