import { convertValue } from './client.js';

// ClickHouse's TabSeparated escapes (https://clickhouse.com/docs/interfaces/formats/TabSeparated): a backslash
// before these letters stands for the control character; before anything else, for that character itself.
const ESCAPES: Readonly<Record<string, string>> = { b: '\b', f: '\f', r: '\r', n: '\n', t: '\t', '0': '\0', a: '\x07', v: '\v' };

/** The fields of one TabSeparated line as written (still escaped: see convertTsvValue); `\N` (NULL) becomes null. */
export function splitTsvLine(line: string): (string | null)[] {
  return line.split('\t').map((raw) => (raw === '\\N' ? null : raw));
}

/** A TabSeparated field's text with its escapes resolved. */
export function unescapeTsv(raw: string): string {
  return raw.includes('\\') ? raw.replace(/\\(.)/gs, (_, c: string) => ESCAPES[c] ?? c) : raw;
}

/** The base type under Nullable(…) and LowCardinality(…). */
function baseType(type: string): string {
  let base = type;
  for (;;) {
    const inner = /^(?:Nullable|LowCardinality)\((.*)\)$/.exec(base);
    if (!inner) return base;
    base = inner[1] as string;
  }
}

/**
 * A TabSeparated field (as written, see splitTsvLine) as the same JS value the JSON format gives (see convertValue):
 * integers as numbers (bigint beyond 2^53), floats as numbers, arrays and tuples as arrays, everything else as text.
 */
export function convertTsvValue(raw: string | null, type: string): unknown {
  if (raw === null) return null;
  // Arrays and tuples are written in their quoted form, whose strings carry their own escapes.
  if (/^(Array|Tuple)\(/.test(baseType(type))) return new CompoundReader(raw).read(type);
  return convertText(unescapeTsv(raw), type);
}

// An unescaped scalar's text as its JS value.
function convertText(text: string, type: string): unknown {
  const base = baseType(type);
  if (/^U?Int(8|16|32)$/.test(base)) return Number(text);
  if (/^U?Int(64|128|256)$/.test(base)) return convertValue(text, base);
  if (/^(Float|Decimal)/.test(base)) return parseFloatText(text);
  if (base === 'Bool') return text === 'true' || text === '1';
  return text;
}

function parseFloatText(text: string): number {
  if (text === 'nan' || text === '-nan') return Number.NaN;
  if (text === 'inf' || text === '+inf') return Number.POSITIVE_INFINITY;
  if (text === '-inf') return Number.NEGATIVE_INFINITY;
  return Number(text);
}

/** The element types of `Array(T)` or `Tuple(A, B, …)` (split at the top level). */
function innerTypes(type: string): string[] {
  const open = type.indexOf('(');
  const inside = type.slice(open + 1, -1);
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < inside.length; i++) {
    const c = inside[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(inside.slice(start, i).trim());
      start = i + 1;
    }
  }
  parts.push(inside.slice(start).trim());
  // A named tuple element is written `name Type`.
  return parts.map((part) => (/^\w+ [A-Z]/.test(part) ? part.slice(part.indexOf(' ') + 1) : part));
}

// Reads ClickHouse's text form of arrays and tuples: [1,2], ['a','b'], (1,'x'), NULL, nested.
class CompoundReader {
  private position = 0;
  constructor(private readonly text: string) {}

  read(type: string): unknown {
    const base = baseType(type);
    if (this.text.startsWith('NULL', this.position) && !/^(String|FixedString)/.test(base)) {
      this.position += 4;
      return null;
    }
    if (base.startsWith('Array(') || base.startsWith('Tuple(')) {
      const array = base.startsWith('Array(');
      const types = innerTypes(base);
      const values: unknown[] = [];
      this.position++; // [ or (
      const close = array ? ']' : ')';
      while (this.text[this.position] !== close && this.position < this.text.length) {
        values.push(this.read(array ? (types[0] as string) : (types[values.length] ?? 'String')));
        if (this.text[this.position] === ',') this.position++;
      }
      this.position++;
      return values;
    }
    if (this.text[this.position] === "'") return convertText(this.quoted(), base);
    const start = this.position;
    while (this.position < this.text.length && !',])'.includes(this.text[this.position] as string)) this.position++;
    return convertText(this.text.slice(start, this.position), base);
  }

  private quoted(): string {
    let value = '';
    this.position++;
    while (this.position < this.text.length) {
      const c = this.text[this.position++] as string;
      if (c === "'") break;
      if (c === '\\') {
        const next = this.text[this.position++] as string;
        value += ESCAPES[next] ?? next;
      } else value += c;
    }
    return value;
  }
}
