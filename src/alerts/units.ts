const DURATION_UNITS: Record<string, number> = { ms: 0.001, s: 1, sec: 1, m: 60, min: 60, h: 3600, hr: 3600, d: 86400, w: 604800 };
const SIZE_UNITS: Record<string, number> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  tib: 1024 ** 4,
};

/** Parses a duration written as seconds (`300`) or with a unit (`500ms`, `90s`, `5m`, `1h`, `1d`); undefined when it is neither. */
export function parseDuration(value: number | string): number | undefined {
  return parseWithUnit(value, DURATION_UNITS);
}

/** Parses a byte size written as a number or with a unit (`500MB`, `1GiB`); undefined when it is neither. */
export function parseByteSize(value: number | string): number | undefined {
  return parseWithUnit(value, SIZE_UNITS);
}

/** Renders seconds compactly: 60 → `1m`, 3600 → `1h`, 90 → `90s`. */
export function formatDuration(seconds: number): string {
  if (seconds % 86400 === 0) return `${seconds / 86400}d`;
  if (seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}

/** An ISO 8601 UTC time without milliseconds for epoch seconds. */
export function isoTime(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toISOString().replace('.000Z', 'Z');
}

function parseWithUnit(value: number | string, units: Record<string, number>): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : undefined;
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(value);
  if (!match) return undefined;
  const unit = (match[2] ?? '').toLowerCase();
  const factor = unit === '' ? 1 : units[unit];
  return factor === undefined ? undefined : Number(match[1]) * factor;
}
