import { isIpAddress, MISSING_TOKEN } from '../records/index.js';
import type { FieldDefinition, FieldValue } from '../records/index.js';
import { IPV4_MAPPED_BASE as IPV4_MAPPED_BASE_BIGINT } from '../sql/index.js';
import type { LogFormat } from './format.js';
import type { ParseIssueCode } from './issues.js';

/** Why a tokenized line was refused: an issue code, the field at fault and a message. */
export interface FieldProblem {
  code: ParseIssueCode;
  field?: string;
  message: string;
}

/**
 * Parses a line's tokens into `out` (one value per format field); returns a problem or null on success.
 * `millisecondTimes` tells whether the last line read had a start or end in milliseconds (normalized to seconds).
 */
export interface TokenParser {
  (tokens: readonly string[], out: FieldValue[]): FieldProblem | null;
  millisecondTimes: boolean;
}

// start/end are Unix seconds; some writers put milliseconds there. As flowlogs-reader does, a time above
// 2^31-1 (past 2038 in seconds) is read as milliseconds, up to the same limit in milliseconds.
const MAX_SECONDS = 2147483647;
const MAX_MILLISECONDS = MAX_SECONDS * 1000;
const TIME_FIELDS: ReadonlySet<string> = new Set(['start', 'end']);
const MAX_COUNTER = 2n ** 64n - 1n;

// Value ranges from AWS's field descriptions: ports are 16-bit, protocol is an IANA protocol number.
const RANGES: Record<string, readonly [number, number]> = {
  srcport: [0, 65535],
  dstport: [0, 65535],
  protocol: [0, 255],
  'tcp-flags': [0, 255],
};

const ENUMS: Record<string, ReadonlySet<string>> = {
  action: new Set(['ACCEPT', 'REJECT']),
  'log-status': new Set(['OK', 'NODATA', 'SKIPDATA']),
};

/** Compiles a format into a parser that validates and converts each token by its field's kind. */
export function compileTokenParser(format: LogFormat): TokenParser {
  const state = { milliseconds: false };
  const converters = format.fields.map((field) => buildConverter(field, state));
  const count = converters.length;
  const parser = ((tokens: readonly string[], out: FieldValue[]): FieldProblem | null => {
    state.milliseconds = false;
    if (tokens.length !== count) {
      return {
        code: 'field-count',
        message: `expected ${count} fields (format: ${format.header}) but found ${tokens.length}`,
      };
    }
    for (let i = 0; i < count; i++) {
      const token = tokens[i] as string;
      if (token === MISSING_TOKEN) {
        out[i] = null;
        continue;
      }
      const converted = (converters[i] as Converter)(token);
      if (typeof converted === 'object' && converted !== null) return converted;
      out[i] = converted;
    }
    out.length = count;
    parser.millisecondTimes = state.milliseconds;
    return null;
  }) as TokenParser;
  parser.millisecondTimes = false;
  return parser;
}

/** Splits a record line into tokens; runs of whitespace count as one separator (AWS never writes empty fields). */
export function tokenizeLine(line: string): string[] {
  const tokens = line.split(' ');
  // Fast path: single spaces only, as AWS writes; fall back for doubled spaces or tabs.
  for (const token of tokens) if (token === '' || token.includes('\t')) return line.trim().split(/\s+/);
  return tokens;
}

type Converter = (token: string) => FieldValue | FieldProblem;

function buildConverter(field: FieldDefinition, state: { milliseconds: boolean }): Converter {
  const name = field.name;
  if (TIME_FIELDS.has(name)) {
    return (token) => {
      const value = parseNonNegativeInteger(token);
      if (value < 0) return { code: 'bad-integer', field: name, message: `${name} "${truncate(token)}" is not a number` };
      if (value > Number.MAX_SAFE_INTEGER) return { code: 'out-of-range', field: name, message: `${name} ${token} is outside 0..${Number.MAX_SAFE_INTEGER}` };
      if (value <= MAX_SECONDS || value > MAX_MILLISECONDS) return value;
      state.milliseconds = true;
      return Math.floor(value / 1000);
    };
  }
  if (field.kind === 'int64') {
    // Counters (bytes, packets, packets-lost-*) are 64-bit unsigned: beyond 2^53 they are read as exact bigints.
    return (token) => {
      const value = parseNonNegativeInteger(token);
      if (value >= 0 && value <= Number.MAX_SAFE_INTEGER) return value;
      if (token.length < 16 || token.length > 20 || !/^\d+$/.test(token)) {
        return { code: 'bad-integer', field: name, message: `${name} "${truncate(token)}" is not a number` };
      }
      const big = BigInt(token);
      if (big > MAX_COUNTER) return { code: 'out-of-range', field: name, message: `${name} ${token} is outside 0..${MAX_COUNTER}` };
      return big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
    };
  }
  if (field.kind === 'int32') {
    const [min, max] = RANGES[name] ?? [0, MAX_SECONDS];
    return (token) => {
      const value = parseNonNegativeInteger(token);
      if (value < 0) return { code: 'bad-integer', field: name, message: `${name} "${truncate(token)}" is not a number` };
      if (value < min || value > max) {
        return { code: 'out-of-range', field: name, message: `${name} ${token} is outside ${min}..${max}` };
      }
      return value;
    };
  }
  if (field.kind === 'address') {
    return (token) =>
      isIpAddress(token)
        ? token
        : { code: 'bad-address', field: name, message: `${name} "${truncate(token)}" is not an IPv4 or IPv6 address` };
  }
  const allowed = ENUMS[name];
  if (allowed) {
    return (token) =>
      allowed.has(token)
        ? token
        : { code: 'bad-value', field: name, message: `${name} "${truncate(token)}" is not one of ${[...allowed].join(', ')}` };
  }
  return (token) => token;
}

function parseNonNegativeInteger(token: string): number {
  if (token.length === 0 || token.length > 16) return -1;
  let value = 0;
  for (let i = 0; i < token.length; i++) {
    const c = token.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    value = value * 10 + c;
  }
  return value;
}

function truncate(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

// Building blocks of the fast line test: exact for AWS's single-spaced IPv4 records.
const OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const IPV4 = `${OCTET}\\.${OCTET}\\.${OCTET}\\.${OCTET}`;
const PORT = '(?:6553[0-5]|655[0-2]\\d|65[0-4]\\d\\d|6[0-4]\\d{3}|[1-5]\\d{4}|\\d{1,4})';
const BYTE = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|\\d{1,2})';

/**
 * A single regular expression accepting exactly the lines the token parser accepts without any
 * conversion doubt (single spaces, IPv4 only, integers short enough to be in range), or null when the
 * format has no typed field (a header line could then pass as a record). Lines it refuses go through
 * the token parser, which decides precisely; so this is an optimisation, never a change of meaning.
 */
export function compileFastLineTest(format: LogFormat): ((line: string) => boolean) | null {
  if (format.fields.every((f) => f.kind === 'string' && !ENUMS[f.name])) return null;
  const parts = format.fields.map((field) => {
    const name = field.name;
    if (RANGES[name]) return `(?:-|${name === 'srcport' || name === 'dstport' ? PORT : BYTE})`;
    // Times up to 1999999999: anything larger may be milliseconds, which the token parser converts.
    if (TIME_FIELDS.has(name)) return '(?:-|\\d{1,9}|1\\d{9})';
    if (field.kind === 'int32') return '(?:-|\\d{1,9})';
    if (field.kind === 'int64') return '(?:-|\\d{1,15})';
    if (field.kind === 'address') return `(?:-|${IPV4})`;
    const allowed = ENUMS[name];
    if (allowed) return `(?:-|${[...allowed].join('|')})`;
    return '[^ \\t]+';
  });
  const regex = new RegExp(`^${parts.join(' ')}$`);
  return (line) => regex.test(line);
}

/**
 * What the byte test found in a record it accepted: srcaddr and dstaddr as 128-bit numbers when IPv4 (mapped into
 * ::ffff:0:0/96, -1 when `-`), and for each field (by position) its value: an integer field's number, an enum
 * field's code (1-based, in the order enumValues gives), or for any other field the byte offset where its text
 * starts, with `ends` holding where it ends; -1 for `-`. srcaddr and dstaddr have no value there.
 */
export interface ByteRecord {
  src: number;
  dst: number;
  values: Float64Array;
  ends: Int32Array;
}

/** An empty ByteRecord for records of up to `fields` fields. */
export function newByteRecord(fields: number): ByteRecord {
  return { src: -1, dst: -1, values: new Float64Array(fields), ends: new Int32Array(fields) };
}

/** The values of an enum field (by its AWS name, e.g. `log-status`) in the order of the byte test's codes, or undefined. */
export function enumValues(field: string): readonly string[] | undefined {
  const values = ENUMS[field];
  return values ? [...values] : undefined;
}

/** Tests a line given as bytes `[start, end)`; on success fills `out` (see ByteRecord). */
export type ByteLineTest = (bytes: Uint8Array, start: number, end: number, out: ByteRecord) => boolean;

// ::ffff:0:0/96 as a number: the base plus any IPv4 address stays below 2^53.
const IPV4_MAPPED_BASE = Number(IPV4_MAPPED_BASE_BIGINT);

/**
 * The byte-level twin of compileFastLineTest, for ingest: accepts exactly the lines the token parser
 * accepts without any doubt — single spaces, printable ASCII, IPv4 addresses, integers short enough to
 * be in range, known enum values — without decoding the line to a string, and computes srcaddr/dstaddr
 * as numbers on the way. Returns null when the format has no typed field (a header would pass as a
 * record). Lines it refuses go through the string path, which decides precisely.
 */
export function compileByteLineTest(format: LogFormat): ByteLineTest | null {
  if (format.fields.every((f) => f.kind === 'string' && !ENUMS[f.name])) return null;
  const srcIndex = format.columns.indexOf('srcaddr');
  const dstIndex = format.columns.indexOf('dstaddr');
  // One straight-line function per layout: each field's check reads its bytes once, with its limits as constants.
  const steps = format.fields.map((field, i) => {
    const check = fieldCheckSource(field, i === srcIndex ? 'out.src' : i === dstIndex ? 'out.dst' : null, i);
    const separator = i === 0 ? '' : 'if (p >= end || b[p] !== 32) return false; p++;\n';
    // A token `-` is a missing value, whatever the field's kind.
    return `${separator}if (p < end && b[p] === 45 && (p + 1 === end || b[p + 1] === 32)) { p++; vals[${i}] = -1; } else {\n${check}\n}`;
  });
  const body = `out.src = -1; out.dst = -1; if (p >= end) return false; const vals = out.values, ends = out.ends; let c = 0, v = 0, k = 0, o = 0, s = 0;\n${steps.join('\n')}\nreturn p === end;`;
  // Built only from the format's field kinds, limits and enum values as byte codes: no text of the input reaches it.
  return new Function('b', 'p', 'end', 'out', body) as ByteLineTest;
}

// The source of one field's check: reads the token at `p` up to the next space (or the end), returns false when the
// byte path must not take it, and stores an address's number in `target` (srcaddr, dstaddr) or the field's value in
// `vals[index]` (see ByteRecord).
function fieldCheckSource(field: FieldDefinition, target: string | null, index: number): string {
  const range = RANGES[field.name];
  const allowed = ENUMS[field.name];
  if (field.kind === 'int32' || field.kind === 'int64') {
    // Times above 2^31-1 may be milliseconds: those go through the token parser, which converts them.
    const max = range ? range[1] : field.kind === 'int32' || TIME_FIELDS.has(field.name) ? MAX_SECONDS : Number.MAX_SAFE_INTEGER;
    const digits = range ? String(range[1]).length : max === MAX_SECONDS ? 10 : 15;
    return `k = p; v = 0; while (p < end) { c = b[p] - 48; if (c < 0 || c > 9) break; v = v * 10 + c; p++; }
if (p === k || p - k > ${digits} || v > ${max}) return false; vals[${index}] = v;`;
  }
  if (field.kind === 'address') {
    // Dotted-quad IPv4 as parseIPv4 reads it (1-3 digits per octet, each at most 255); an octet with a leading zero is
    // refused (as by compileFastLineTest): such a line takes the string path, which keeps the text as written.
    const octet = `k = p; o = 0; while (p < end) { c = b[p] - 48; if (c < 0 || c > 9) break; o = o * 10 + c; p++; }
if (p === k || p - k > 3 || o > 255 || (p - k > 1 && b[k] === 48)) return false; v = v * 256 + o;`;
    const dot = 'if (p >= end || b[p] !== 46) return false; p++;';
    const store = target === null ? `vals[${index}] = s; ends[${index}] = p;` : `${target} = ${IPV4_MAPPED_BASE} + v;`;
    return `s = p; v = 0; ${octet}\n${dot} ${octet}\n${dot} ${octet}\n${dot} ${octet}\n${store}`;
  }
  if (allowed) {
    const tests = [...allowed].map((value, code) => {
      const codes = [...Buffer.from(value, 'latin1')];
      const bytes = codes.map((byte, k) => `b[p + ${k}] === ${byte}`).join(' && ');
      return `if (p + ${codes.length} <= end && ${bytes} && (p + ${codes.length} === end || b[p + ${codes.length}] === 32)) { p += ${codes.length}; vals[${index}] = ${code + 1}; }`;
    });
    return `${tests.join(' else ')} else return false;`;
  }
  return `k = p; while (p < end) { c = b[p]; if (c === 32) break; if (c < 33 || c > 126) return false; p++; }
if (p === k) return false; vals[${index}] = k; ends[${index}] = p;`;
}
