/** Athena's SQL price: $5.00 per TB scanned (us-east-1; most regions), billed per MB with a 10 MB minimum per query. */
export const ATHENA_PRICE_PER_TB = 5;
const MB = 1024 * 1024;
const TB = MB * MB;
/** The minimum billed per query (Athena pricing: "rounded up to the nearest megabyte, with a 10 MB minimum per query"). */
export const ATHENA_MIN_BILLED_BYTES = 10 * MB;

/** The cost of one query: bytes scanned, bytes billed and dollars. */
export interface AthenaCost {
  scannedBytes: number;
  billedBytes: number;
  dollars: number;
}

/** What a query costs: DDL statements are free; others are billed per MB rounded up, 10 MB at least. */
export function athenaCost(scannedBytes: number, statementType?: string): AthenaCost {
  if (statementType === 'DDL') return { scannedBytes, billedBytes: 0, dollars: 0 };
  const billedBytes = Math.max(ATHENA_MIN_BILLED_BYTES, Math.ceil(scannedBytes / MB) * MB);
  return { scannedBytes, billedBytes, dollars: (billedBytes / TB) * ATHENA_PRICE_PER_TB };
}

/** Renders a byte count with binary units (1.5 GB). */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(value >= 100 ? 0 : value >= 10 ? 1 : 2)} ${units[unit]}`;
}

/** One line for stderr: data scanned and what it costs. */
export function renderCostLine(cost: AthenaCost): string {
  const dollars = cost.dollars < 0.01 ? cost.dollars.toFixed(6) : cost.dollars.toFixed(4);
  return `data scanned: ${formatBytes(cost.scannedBytes)}, billed ${formatBytes(cost.billedBytes)}, cost $${dollars} (at $${ATHENA_PRICE_PER_TB}/TB, 10 MB minimum per query)`;
}
