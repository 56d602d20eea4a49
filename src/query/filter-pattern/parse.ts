import type { FilterPattern, Term, TermsPattern } from './ast.js';
import { Cursor } from './cursor.js';
import { parseDelimited } from './parse-delimited.js';
import { parseJson } from './parse-json.js';

/** CloudWatch's limit on a filter pattern's length (API `FilterPattern`: 0–1024 characters). */
export const MAX_PATTERN_LENGTH = 1024;

// Unquoted terms may hold only letters, digits and '_' (FPS19, FPS: "terms that include characters other than
// alphanumeric or underscore must be placed inside double quotes"); anything else is a syntax error here
// rather than a guess at what CloudWatch would do with it.
const WORD_CHAR = /^[\p{L}\p{N}_]$/u;

/**
 * Parses a CloudWatch Logs filter pattern. The form is chosen by the first non-space character, as CloudWatch
 * does: `{` JSON, `[` space-delimited, `%` a whole-pattern regex, anything else a list of terms; an empty or
 * whitespace-only pattern matches every event. Throws FilterPatternSyntaxError (code `syntax`).
 */
export function parseFilterPattern(pattern: string): FilterPattern {
  const cursor = new Cursor(pattern);
  if (pattern.length > MAX_PATTERN_LENGTH) {
    throw cursor.error(`at most ${MAX_PATTERN_LENGTH} characters (CloudWatch's limit)`, {
      at: MAX_PATTERN_LENGTH,
      found: `${pattern.length} characters`,
    });
  }
  cursor.skipSpaces();
  if (cursor.done) return { kind: 'all' };
  switch (cursor.peek()) {
    case '{':
      return parseJson(cursor);
    case '[':
      return parseDelimited(cursor);
    case '%': {
      const regex = cursor.readRegex();
      cursor.skipSpaces();
      if (!cursor.done)
        throw cursor.error('the end of the pattern', {
          hint: 'a %regex% is a whole pattern, a field value ([f=%re%]) or a JSON value ({ $.f = %re% })',
        });
      return { kind: 'regex', regex };
    }
    default:
      return parseTerms(cursor);
  }
}

function parseTerms(cursor: Cursor): TermsPattern {
  const terms: Term[] = [];
  for (;;) {
    cursor.skipSpaces();
    if (cursor.done) return { kind: 'terms', terms };
    const position = cursor.position;
    const prefix = cursor.peek();
    const role = prefix === '?' ? 'optional' : prefix === '-' ? 'excluded' : 'required';
    if (role !== 'required') {
      cursor.position++;
      // FPS19 writes `"ERROR" - "Exiting"`: a space between the '-' and its term is accepted.
      cursor.skipSpaces();
      if (cursor.done || cursor.peek() === '?' || cursor.peek() === '-')
        throw cursor.error(`a term or "quoted phrase" after ${prefix}`);
    }
    terms.push({ role, ...readTerm(cursor), position });
  }
}

function readTerm(cursor: Cursor): { text: string; quoted: boolean } {
  const c = cursor.peek();
  if (c === '"') {
    const text = cursor.readQuoted();
    if (!cursor.done && !/\s/.test(cursor.peek())) throw cursor.error('a space after the closing quote');
    return { text, quoted: true };
  }
  if (c === '%') {
    throw cursor.error('a term or "quoted phrase"', {
      hint: 'a %regex% must be the whole pattern (or a field value in [...] or { ... })',
    });
  }
  const start = cursor.position;
  const text = cursor.readWhile((ch) => !/\s/.test(ch));
  for (let i = 0; i < text.length;) {
    const ch = String.fromCodePoint(text.codePointAt(i) as number);
    if (!WORD_CHAR.test(ch)) {
      throw cursor.error('a letter, digit or _', {
        at: start + i,
        found: JSON.stringify(ch),
        hint: `put terms with other characters in double quotes, e.g. "${text.replaceAll('"', '\\"')}"`,
      });
    }
    i += ch.length;
  }
  return { text, quoted: false };
}
