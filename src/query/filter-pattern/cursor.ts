import type { RegexLiteral } from './ast.js';
import { FilterPatternSyntaxError } from './errors.js';
import { parseRegexLiteral } from './regex.js';

/** A number as CloudWatch writes one: optional sign, digits with an optional fraction, optional exponent. */
export const NUMBER_TEXT = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/** A read position in the pattern text, with the small lexing helpers every form's parser shares. */
export class Cursor {
  position = 0;

  constructor(readonly text: string) {}

  get done(): boolean {
    return this.position >= this.text.length;
  }

  peek(offset = 0): string {
    return this.text[this.position + offset] ?? '';
  }

  startsWith(token: string): boolean {
    return this.text.startsWith(token, this.position);
  }

  skipSpaces(): void {
    while (!this.done && /\s/.test(this.peek())) this.position++;
  }

  /** Consumes `token` when it comes next (after spaces); returns whether it did. */
  accept(token: string): boolean {
    this.skipSpaces();
    if (!this.startsWith(token)) return false;
    this.position += token.length;
    return true;
  }

  /** Consumes `token` or fails with what was expected. */
  expect(token: string, expected = JSON.stringify(token)): void {
    if (!this.accept(token)) throw this.error(expected);
  }

  error(
    expected: string,
    options: { found?: string; hint?: string; at?: number } = {},
  ): FilterPatternSyntaxError {
    const { at, ...rest } = options;
    return new FilterPatternSyntaxError(this.text, at ?? this.position, expected, rest);
  }

  /** Reads `"…"` at the cursor (backslash escapes `\"` and `\\`), returning the unquoted text. */
  readQuoted(): string {
    const start = this.position;
    this.position++; // the opening quote
    let value = '';
    while (!this.done) {
      const c = this.peek();
      if (c === '"') {
        this.position++;
        return value;
      }
      if (c === '\\' && (this.peek(1) === '"' || this.peek(1) === '\\')) {
        value += this.peek(1);
        this.position += 2;
        continue;
      }
      value += c;
      this.position++;
    }
    throw this.error('a closing " for the quote opened at column ' + (start + 1));
  }

  /** Reads `%…%` at the cursor as a validated regex. */
  readRegex(): RegexLiteral {
    const start = this.position;
    const end = this.text.indexOf('%', start + 1);
    if (end < 0)
      throw this.error('a closing % for the regex opened at column ' + (start + 1), { at: this.text.length });
    this.position = end + 1;
    return parseRegexLiteral(this.text, this.text.slice(start + 1, end), start + 1);
  }

  /** Reads characters while `test` holds; returns them (possibly empty). */
  readWhile(test: (c: string) => boolean): string {
    const start = this.position;
    while (!this.done && test(this.peek())) this.position++;
    return this.text.slice(start, this.position);
  }
}
