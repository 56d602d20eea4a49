import type { ParseIssueCode } from '../issues.js';
import type { LogValue } from '../log-type/types.js';
import { S3_ACCESS_COLUMNS, S3_ACCESS_MIN_FIELDS, S3_ACCESS_RECORD_FIELDS } from './fields.js';

/** Why an S3 access log line was refused. */
export interface S3AccessLineProblem {
  code: ParseIssueCode;
  field?: string;
  message: string;
}

const MONTHS: Record<string, number> = { Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11 };
const TIME_PATTERN = /^(\d{2})\/([A-Z][a-z]{2})\/(\d{4}):(\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})$/;
const TIME_INDEX = 2;
const REQUEST_TIME_INDEX = S3_ACCESS_COLUMNS.findIndex((c) => c.name === 'request_time');

/**
 * Splits an S3 server access log line into its fields: space-separated tokens, the bracketed time
 * (`[06/Feb/2019:00:00:38 +0000]`, which contains a space) and double-quoted fields (Request-URI,
 * Referer, User-Agent) whose `\"` and `\\` escapes are undone. Returns null for an unterminated quote or bracket.
 */
export function tokenizeAccessLogLine(line: string): string[] | null {
  const tokens: string[] = [];
  const n = line.length;
  let i = 0;
  while (i < n) {
    const c = line.charCodeAt(i);
    if (c === 32 /* space */) {
      i++;
      continue;
    }
    if (c === 91 /* [ */) {
      const close = line.indexOf(']', i + 1);
      if (close < 0) return null;
      tokens.push(line.slice(i + 1, close));
      i = close + 1;
    } else if (c === 34 /* " */) {
      const end = readQuoted(line, i + 1);
      if (end === null) return null;
      tokens.push(end.value);
      i = end.next;
    } else {
      let j = line.indexOf(' ', i);
      if (j < 0) j = n;
      tokens.push(line.slice(i, j));
      i = j;
    }
  }
  return tokens;
}

/**
 * Parses one S3 server access log line into `values` (one per S3_ACCESS_COLUMNS entry): `-` becomes null,
 * numbers become numbers, fields missing at the end of older lines are null, and fields AWS may add later are
 * ignored (AWS: "make sure your code handles extra trailing fields"). Returns null when the line is good.
 */
export function parseS3AccessLine(line: string, values: LogValue[]): S3AccessLineProblem | null {
  const tokens = tokenizeAccessLogLine(line);
  if (tokens === null) return { code: 'bad-value', message: 'unterminated quoted or bracketed field' };
  if (tokens.length < S3_ACCESS_MIN_FIELDS) {
    return {
      code: 'field-count',
      message: `an S3 access log line has at least ${S3_ACCESS_MIN_FIELDS} fields (through user-agent), this one has ${tokens.length}`,
    };
  }
  for (let i = 0; i < S3_ACCESS_RECORD_FIELDS; i++) {
    const column = S3_ACCESS_COLUMNS[i] as (typeof S3_ACCESS_COLUMNS)[number];
    const token = tokens[i];
    if (token === undefined || token === '-' || token === '') {
      values[i] = null;
      continue;
    }
    if (column.kind === 'string') {
      values[i] = token;
      continue;
    }
    const number = parseCount(token);
    if (number === null) return { code: 'bad-integer', field: column.name, message: `${column.name} "${token}" is not a whole number or -` };
    if (column.kind === 'int32' && number > 2147483647) return { code: 'out-of-range', field: column.name, message: `${column.name} ${token} is out of range` };
    values[i] = number;
  }
  const time = tokens[TIME_INDEX] === '-' ? null : parseAccessLogTime(tokens[TIME_INDEX] as string);
  if (time === undefined) {
    return { code: 'bad-value', field: 'requestdatetime', message: `time "${tokens[TIME_INDEX]}" is not of the form [06/Feb/2019:00:00:38 +0000]` };
  }
  values[REQUEST_TIME_INDEX] = time;
  return null;
}

/** Parses S3's `%d/%b/%Y:%H:%M:%S %z` time into epoch milliseconds; undefined when malformed. */
export function parseAccessLogTime(text: string): number | undefined {
  const m = TIME_PATTERN.exec(text);
  if (!m) return undefined;
  const month = MONTHS[m[2] as string];
  if (month === undefined) return undefined;
  const [day, year, hour, minute, second, offH, offM] = [m[1], m[3], m[4], m[5], m[6], m[8], m[9]].map(Number) as number[];
  if (day! < 1 || day! > 31 || hour! > 23 || minute! > 59 || second! > 60) return undefined;
  const offset = (m[7] === '-' ? -1 : 1) * (offH! * 60 + offM!) * 60_000;
  return Date.UTC(year!, month, day!, hour!, minute!, second!) - offset;
}

function parseCount(token: string): number | null {
  if (!/^\d{1,16}$/.test(token)) return null;
  return Number(token);
}

function readQuoted(line: string, start: number): { value: string; next: number } | null {
  let value = '';
  let i = start;
  const n = line.length;
  while (i < n) {
    const c = line.charCodeAt(i);
    if (c === 92 /* \ */ && i + 1 < n) {
      const next = line[i + 1];
      if (next === '"' || next === '\\') {
        value += next;
        i += 2;
        continue;
      }
    }
    // A quote closes the field only when a space or the end follows; others are kept as text.
    if (c === 34 && (i + 1 === n || line.charCodeAt(i + 1) === 32)) return { value, next: i + 1 };
    value += line[i];
    i++;
  }
  return null;
}
