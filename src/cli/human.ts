/** How a table column's numbers read for people: sizes in binary units, counts grouped, epoch seconds as UTC times. */
export type HumanKind = 'bytes' | 'count' | 'time' | undefined;

const BYTES = /bytes/i;
const TIME = /(^|[_@.])(start|end|time|timestamp)$|^(first|last)_(start|end|seen)/i;
const COUNT = /count|packets|flows|records|rows|lines|peers|total|sum|events|requests|hits|objects|units|duplicates|^n$/i;
/** Epoch seconds read as times only within 2000-01-01 … 2100-01-01, so a small number is never shown as 1970. */
const EPOCH_MIN = 946_684_800;
const EPOCH_MAX = 4_102_444_800;
const UNITS = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];

/** The human kind of a column, from its name (`bytes`, `totalbytes` → bytes; `first_start` → time; `flows` → count). */
export function humanKindOf(column: string): HumanKind {
  if (BYTES.test(column)) return 'bytes';
  if (TIME.test(column)) return 'time';
  if (COUNT.test(column)) return 'count';
  return undefined;
}

/** The table text of a number in a column of the given kind, or undefined to print the value as it is. */
export function formatHuman(kind: HumanKind, value: unknown): string | undefined {
  if (kind === undefined || (typeof value !== 'number' && typeof value !== 'bigint')) return undefined;
  if (typeof value === 'number' && !Number.isFinite(value)) return undefined;
  switch (kind) {
    case 'bytes':
      return formatBytes(Number(value));
    case 'time': {
      const seconds = Number(value);
      if (!Number.isInteger(seconds) || seconds < EPOCH_MIN || seconds >= EPOCH_MAX) return undefined;
      return isoSeconds(seconds);
    }
    default:
      return typeof value === 'bigint' || Number.isInteger(value) ? groupDigits(String(value)) : undefined;
  }
}

/** A byte count in binary units: `512 B`, `1.5 KiB`, `7.4 GiB` (one decimal below 100, none above). */
export function formatBytes(bytes: number): string {
  if (Math.abs(bytes) < 1024) return `${bytes} B`;
  let value = bytes;
  let unit = 'B';
  for (const next of UNITS) {
    if (Math.abs(value) < 1024) break;
    value /= 1024;
    unit = next;
  }
  return `${Math.abs(value) < 100 ? value.toFixed(1) : Math.round(value)} ${unit}`;
}

/** Digits grouped by thousands with commas: `7904608673` → `7,904,608,673`. */
export function groupDigits(digits: string): string {
  return digits.length < 4 ? digits : digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

const TWO_DIGITS = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));
let cachedDay = Number.NaN;
let cachedDayPrefix = '';

/**
 * Epoch seconds as an ISO 8601 UTC time to the second (`2026-11-03T00:10:21Z`), as `Date#toISOString` writes it; the
 * date part is kept for the last day seen, since a table's rows mostly share a day.
 */
export function isoSeconds(seconds: number): string {
  const day = Math.floor(seconds / 86_400);
  if (day !== cachedDay) {
    cachedDay = day;
    cachedDayPrefix = new Date(day * 86_400_000).toISOString().slice(0, 11);
  }
  const inDay = seconds - day * 86_400;
  const hours = Math.floor(inDay / 3600);
  const minutes = Math.floor((inDay % 3600) / 60);
  return `${cachedDayPrefix}${TWO_DIGITS[hours]}:${TWO_DIGITS[minutes]}:${TWO_DIGITS[inDay % 60]}Z`;
}
