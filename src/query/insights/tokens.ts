import { insightsError } from './errors.js';

/** Kinds of Insights tokens. */
export type TokenKind = 'ident' | 'string' | 'number' | 'period' | 'regex' | 'op' | 'eof';

/** One token: kind, text (unquoted for strings, regexes and backtick names), offset in the query. */
export interface Token {
  kind: TokenKind;
  text: string;
  pos: number;
  end: number;
  /** True for a `backtick` name, which is never a keyword. */
  quoted?: boolean;
}

const OPERATORS = ['!=', '<=', '>=', '=~', '|', ',', '(', ')', '[', ']', '=', '<', '>', '+', '-', '*', '/', '%', '^'];
// Time units of bin()/datefloor() periods (QSx operations-functions), longest first so `ms` wins over `m`.
const PERIOD = /^(\d+(?:\.\d+)?)(milliseconds?|msec|ms|seconds?|secs?|s|minutes?|mins?|m|hours?|hrs?|h|days?|d|weeks?|w|months?|mon|mo|quarters?|qtr|q|years?|yrs?|y)(?![A-Za-z0-9_@.])/;
const NUMBER = /^\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/;
const IDENT = /^[A-Za-z_@][A-Za-z0-9_@.]*/;

/** Splits an Insights query into tokens; `#` starts a comment to the end of the line. */
export function tokenize(query: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < query.length) {
    const c = query[i] ?? '';
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '#') {
      const end = query.indexOf('\n', i);
      i = end < 0 ? query.length : end;
      continue;
    }
    const rest = query.slice(i);
    if (c === '"' || c === "'") {
      const { text, end } = readQuoted(query, i, c, 'string');
      tokens.push({ kind: 'string', text, pos: i, end });
      i = end;
      continue;
    }
    if (c === '`') {
      const close = query.indexOf('`', i + 1);
      if (close < 0) throw insightsError('syntax', 'unterminated `name`: expected a closing backtick', query, i);
      tokens.push({ kind: 'ident', text: query.slice(i + 1, close), pos: i, end: close + 1, quoted: true });
      i = close + 1;
      continue;
    }
    if (c === '/' && regexAllowed(tokens)) {
      const { text, end } = readQuoted(query, i, '/', 'regex');
      tokens.push({ kind: 'regex', text, pos: i, end });
      i = end;
      continue;
    }
    const period = PERIOD.exec(rest);
    if (period) {
      tokens.push({ kind: 'period', text: period[0], pos: i, end: i + period[0].length });
      i += period[0].length;
      continue;
    }
    const number = NUMBER.exec(rest);
    if (number) {
      tokens.push({ kind: 'number', text: number[0], pos: i, end: i + number[0].length });
      i += number[0].length;
      continue;
    }
    const ident = IDENT.exec(rest);
    if (ident) {
      tokens.push({ kind: 'ident', text: ident[0], pos: i, end: i + ident[0].length });
      i += ident[0].length;
      continue;
    }
    const op = OPERATORS.find((o) => rest.startsWith(o));
    if (op) {
      tokens.push({ kind: 'op', text: op, pos: i, end: i + op.length });
      i += op.length;
      continue;
    }
    throw insightsError('syntax', `unexpected character "${c}"`, query, i, 'expected a command, field, value or operator');
  }
  tokens.push({ kind: 'eof', text: '', pos: query.length, end: query.length });
  return tokens;
}

/** A `/` starts a regex unless it follows a value (then it divides). */
function regexAllowed(tokens: readonly Token[]): boolean {
  const last = tokens[tokens.length - 1];
  if (!last) return true;
  if (last.kind === 'number' || last.kind === 'string' || last.kind === 'period' || last.kind === 'regex') return false;
  if (last.kind === 'op') return last.text !== ')' && last.text !== ']';
  // After a keyword that expects a pattern (`like`, `parse @message`) a `/` is a regex; after a field it divides.
  return ['like', 'and', 'or', 'not', 'filter', 'where', 'in', 'parse'].includes(last.text.toLowerCase()) || isParseTarget(tokens);
}

function isParseTarget(tokens: readonly Token[]): boolean {
  const prev = tokens[tokens.length - 2];
  return prev?.kind === 'ident' && prev.text.toLowerCase() === 'parse';
}

function readQuoted(query: string, start: number, quote: string, what: 'string' | 'regex'): { text: string; end: number } {
  let text = '';
  let i = start + 1;
  while (i < query.length) {
    const c = query[i] ?? '';
    if (c === '\\' && i + 1 < query.length) {
      const next = query[i + 1] ?? '';
      // Regexes keep their escapes (\d, \.); strings unescape \" \' \\ and keep other backslashes.
      if (what === 'regex') text += next === '/' ? '/' : c + next;
      else text += next === quote || next === '\\' ? next : c + next;
      i += 2;
      continue;
    }
    if (c === quote) return { text, end: i + 1 };
    text += c;
    i++;
  }
  throw insightsError('syntax', `unterminated ${what}: expected a closing ${quote}`, query, start);
}
