import { existsSync } from 'node:fs';
import type { LogFormat } from '../parse/index.js';
import { detectLogType, parseFlowLogText, readLineBatches } from '../parse/index.js';
import type { Source } from '../sources/index.js';
import type { Store } from './database.js';

/** The table plain-text SOURCEs load into: one row per non-empty line. */
export const TEXT_EVENTS_TABLE = 'events';

// Lines looked at to tell flow logs from other text, and rows per INSERT.
const SNIFF_LINES = 5;
const INSERT_ROWS = 500;
// An ISO-8601 date and time at the start of a line (how most application logs start) gives the event's @timestamp.
const LEADING_TIME = /^\[?(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?)/;

/**
 * True when local SOURCEs hold neither flow logs nor S3 access / CloudTrail logs: the first non-empty lines of the
 * first file are not flow records (or a flow-log header) in the given format. Only plain paths are looked at
 * (stdin and remote sources are read once, as flow logs unless --log-type text says otherwise).
 */
export async function looksLikeText(uris: readonly string[], sources: readonly Source[], format: LogFormat | undefined): Promise<boolean> {
  if (uris.length === 0 || !uris.every((uri) => existsSync(uri))) return false;
  const lines = await firstLines(sources);
  if (lines.length === 0) return false;
  if (detectLogType(lines.join('\n')) !== 'vpc') return false;
  const parsed = parseFlowLogText(lines.join('\n'), format ? { format } : {});
  return parsed.records.length === 0 && parsed.issues.length > 0;
}

/**
 * Reads every line of the SOURCEs into the events table (`timestamp` epoch ms, `message`): the line as @message,
 * the time at its start as @timestamp (null when none); a CloudWatch event line `{"timestamp": …, "message": …}`
 * gives both. Returns the number of events.
 */
export async function loadTextEvents(store: Store, sources: readonly Source[]): Promise<number> {
  await store.run(`CREATE TABLE ${TEXT_EVENTS_TABLE} (timestamp BIGINT, message VARCHAR)`);
  let pending: (string | number | null)[] = [];
  let count = 0;
  const flush = async (): Promise<void> => {
    if (pending.length === 0) return;
    const rows = pending.length / 2;
    await store.run(`INSERT INTO ${TEXT_EVENTS_TABLE} VALUES ${Array.from({ length: rows }, () => '(?, ?)').join(', ')}`, pending);
    pending = [];
  };
  for (const source of sources) {
    for await (const unit of source.units({})) {
      if (unit.kind !== 'text') continue;
      for await (const batch of readLineBatches(await unit.open(), { name: unit.key })) {
        for (const line of batch.lines) {
          if (line.trim() === '') continue;
          const event = toEvent(line);
          pending.push(event.timestamp, event.message);
          count++;
          if (pending.length >= INSERT_ROWS * 2) await flush();
        }
      }
    }
  }
  await flush();
  return count;
}

/** The event of one line: a CloudWatch event's own fields, else the line and its leading time. */
function toEvent(line: string): { timestamp: number | null; message: string } {
  if (line.startsWith('{') && line.includes('"message"')) {
    try {
      const value = JSON.parse(line) as { timestamp?: unknown; message?: unknown };
      if (typeof value.message === 'string' && typeof value.timestamp === 'number') return { timestamp: value.timestamp, message: value.message };
    } catch {
      // Not JSON after all: the line is the message.
    }
  }
  const time = LEADING_TIME.exec(line)?.[1];
  // A time without a zone is taken as UTC, as flow-log times are.
  const iso = time?.replace(' ', 'T').replace(',', '.');
  const ms = iso === undefined ? NaN : Date.parse(/(Z|[+-]\d{2}:?\d{2})$/.test(iso) ? iso : `${iso}Z`);
  return { timestamp: Number.isNaN(ms) ? null : ms, message: line };
}

/** Up to SNIFF_LINES non-empty lines from the start of the first text unit. */
async function firstLines(sources: readonly Source[]): Promise<string[]> {
  for (const source of sources) {
    for await (const unit of source.units({})) {
      if (unit.kind !== 'text') return [];
      const stream = await unit.open();
      const lines: string[] = [];
      try {
        for await (const batch of readLineBatches(stream, { name: unit.key })) {
          lines.push(...batch.lines.filter((l) => l.trim() !== '').slice(0, SNIFF_LINES - lines.length));
          if (lines.length >= SNIFF_LINES) break;
        }
      } finally {
        stream.destroy();
      }
      return lines;
    }
  }
  return [];
}
