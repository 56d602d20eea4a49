import { DuckDBTypeId, JSDuckDBValueConverter } from './duckdb-api.js';
import type { DuckDBConnection, DuckDBDataChunk, DuckDBResult } from '@duckdb/node-api';
import { normalizeValue } from './database.js';

/** Types whose DuckDB value already is the plain JS value (number, string, boolean, or null). */
const PLAIN = new Set<DuckDBTypeId>([
  DuckDBTypeId.BOOLEAN,
  DuckDBTypeId.TINYINT,
  DuckDBTypeId.SMALLINT,
  DuckDBTypeId.INTEGER,
  DuckDBTypeId.UTINYINT,
  DuckDBTypeId.USMALLINT,
  DuckDBTypeId.UINTEGER,
  DuckDBTypeId.FLOAT,
  DuckDBTypeId.DOUBLE,
  DuckDBTypeId.VARCHAR,
]);
/** Integer types read as bigint: numbers when exact, else bigint (normalizeValue). */
const WIDE = new Set<DuckDBTypeId>([DuckDBTypeId.BIGINT, DuckDBTypeId.UBIGINT, DuckDBTypeId.HUGEINT, DuckDBTypeId.UHUGEINT]);

/**
 * The rows of a DuckDB chunk as arrays in column order, holding the plain JS values Store.query gives (integers as
 * numbers, bigint beyond 2^53, timestamps as ISO text). Converted column by column with one conversion chosen per
 * column, and no object per row.
 */
export function chunkRows(chunk: DuckDBDataChunk): unknown[][] {
  const count = chunk.rowCount;
  const width = chunk.columnCount;
  const rows = new Array<unknown[]>(count);
  for (let i = 0; i < count; i++) rows[i] = new Array<unknown>(width);
  for (let j = 0; j < width; j++) {
    const vector = chunk.getColumnVector(j);
    const type = vector.type;
    if (PLAIN.has(type.typeId)) {
      for (let i = 0; i < count; i++) (rows[i] as unknown[])[j] = vector.getItem(i);
    } else if (WIDE.has(type.typeId)) {
      for (let i = 0; i < count; i++) {
        const value = vector.getItem(i) as bigint | null;
        (rows[i] as unknown[])[j] = value !== null && value <= MAX_EXACT && value >= MIN_EXACT ? Number(value) : value;
      }
    } else {
      for (let i = 0; i < count; i++) (rows[i] as unknown[])[j] = normalizeValue(JSDuckDBValueConverter(vector.getItem(i), type, JSDuckDBValueConverter));
    }
  }
  return rows;
}

/** The chunks of a streamed DuckDB result as chunkRows, until it ends; stopping the iteration leaves the rest unread. */
export async function* resultRows(result: DuckDBResult): AsyncGenerator<unknown[][]> {
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) return;
    yield chunkRows(chunk);
  }
}

const MAX_EXACT = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_EXACT = BigInt(Number.MIN_SAFE_INTEGER);

/** Whether an error is DuckDB refusing a statement because an earlier error aborted the transaction. */
export function isAbortedTransaction(error: unknown): boolean {
  return /transaction is aborted/i.test((error as Error).message);
}

/**
 * After a streamed result on `connection` ended inside a transaction: whether an error cut it short. DuckDB's Node
 * driver ends such a result like a complete one, but the error aborts the transaction, which the next statement shows.
 */
export async function streamWasCut(connection: DuckDBConnection): Promise<boolean> {
  try {
    await connection.run('SELECT 1');
    return false;
  } catch (error) {
    if (isAbortedTransaction(error)) return true;
    throw error;
  }
}
