import { UsageError } from '../records/index.js';

/** Parses a time given on the command line — epoch seconds, epoch milliseconds, ISO 8601 — or a relative `-15m`/`-2h`/`-7d`, to epoch seconds. */
export function parseTimeOption(text: string, option: string, now: number = Date.now()): number {
  const trimmed = text.trim();
  if (/^\d{9,10}$/.test(trimmed)) return Number(trimmed);
  if (/^\d{12,13}$/.test(trimmed)) return Math.floor(Number(trimmed) / 1000);
  const relative = /^-(\d+)([smhdw])$/.exec(trimmed);
  if (relative) {
    const unit = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 }[relative[2] as 's' | 'm' | 'h' | 'd' | 'w'];
    return Math.floor(now / 1000) - Number(relative[1]) * unit;
  }
  if (trimmed === 'now') return Math.floor(now / 1000);
  // A date or date-time without zone is read as UTC, like AWS console times.
  const iso = /^\d{4}-\d{2}-\d{2}$/.test(trimmed)
    ? `${trimmed}T00:00:00Z`
    : /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(trimmed)
      ? `${trimmed.replace(' ', 'T')}Z`
      : trimmed;
  const ms = Date.parse(iso);
  if (!/^\d{4}-\d{2}-\d{2}/.test(trimmed) || Number.isNaN(ms)) {
    throw new UsageError(`${option} "${text}" is not a time`, {
      hint: 'use ISO 8601 (2024-05-01T12:00:00Z or 2024-05-01), epoch seconds (1714564800) or a relative time (-2h)',
    });
  }
  return Math.floor(ms / 1000);
}
