import type { Store } from '../../store/database.js';
import { readRollups } from '../../store/rollups.js';
import type { SqlDialect } from '../dialect.js';
import { DuckDbDialect, duckdbDialect } from './dialect.js';

/**
 * The DuckDB dialect for queries on a store: with the store's rollup tables when they hold exactly the stored
 * units (so reports, Insights `stats` and the graph can read them), else the plain dialect over `flows`.
 */
export async function dialectForStore(store: Store): Promise<SqlDialect> {
  const rollups = await readRollups(store);
  return rollups ? new DuckDbDialect(rollups) : duckdbDialect;
}
