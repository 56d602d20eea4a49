import { Store } from './database.js';
import type { OpenStoreOptions } from './database.js';

/** Opens the flowlens database at `path` (created with its schema when missing, unless read-only), or an in-memory one for `:memory:`. */
export function openStore(path = ':memory:', options: OpenStoreOptions = {}): Promise<Store> {
  return Store.open(path, options);
}
