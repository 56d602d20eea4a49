/** Column types of 128-bit address numbers (src_ip, dst_ip, ip_to_number): JSON carries them as decimal strings, always. */
const ADDRESS_NUMBER_TYPES = new Set(['UHUGEINT', 'UINT128']);

/**
 * A value as exact JSON carries it: 128-bit address numbers (a UHUGEINT column such as `src_ip`) and any integer past
 * 2^53 as decimal strings, blobs as hex, timestamps as ISO text, non-finite numbers as text; nested values too.
 * `type` is the value's column type when known (DuckDB's name), so an address-number column is text in every row.
 */
export function toJsonValue(value: unknown, type?: string): unknown {
  if (type !== undefined && ADDRESS_NUMBER_TYPES.has(type.toUpperCase()) && (typeof value === 'bigint' || typeof value === 'number')) return BigInt(value).toString();
  if (typeof value === 'bigint') return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(value) : value.toString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('hex');
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map((item) => toJsonValue(item));
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toJsonValue(v)]));
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  return value;
}

/** A result row (keyed by column) as exact JSON values, the columns' types telling which are 128-bit integers. */
export function toJsonRow(row: Readonly<Record<string, unknown>>, columns: readonly string[], types: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(columns.map((column, i) => [column, toJsonValue(row[column], types[i])]));
}
