import type { RegexLiteral } from './ast.js';
import { FilterPatternSyntaxError } from './errors.js';

// FPS (current "Filter pattern syntax" page), "Supported regular expressions (regex) syntax": letters, digits,
// the symbols _ # = @ / ; , - (':' appears in the doc's own examples), the operators ^ $ ? [ ] { } | \ * + . and
// the escapes \d \D \s \S \w \W \xhh. Parentheses, other symbols and multi-byte characters are rejected.
// A literal space is not listed, yet the doc's example %^shutting down% has one, so spaces are accepted.
const ALLOWED = /^[A-Za-z0-9_#=@/;,:\- ^$?[\]{}|\\*+.]$/;
const CLASS_ESCAPES = 'dDsSwW';

/**
 * Validates the text of a `%…%` regex (`raw`, starting at `position` in `pattern`) and returns it in the
 * syntax JavaScript and RE2 share: `{,n}` (either bound may be omitted, FPS) becomes `{0,n}`.
 */
export function parseRegexLiteral(pattern: string, raw: string, position: number): RegexLiteral {
  if (raw.length === 0)
    throw new FilterPatternSyntaxError(pattern, position, 'a regular expression between the % signs');
  let source = '';
  let inClass = false;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i] as string;
    const at = position + i;
    if (!ALLOWED.test(c)) {
      throw new FilterPatternSyntaxError(
        pattern,
        at,
        'a letter, digit, one of _ # = @ / ; , - : or a regex operator ^ $ ? [ ] { } | \\ * + .',
        {
          hint:
            c === '(' || c === ')'
              ? 'CloudWatch regexes have no groups: ( and ) are not supported'
              : 'CloudWatch rejects other characters in %regex%',
        },
      );
    }
    if (c === '\\') {
      source += escapeAt(pattern, raw, i, position);
      i += raw[i + 1] === 'x' ? 3 : 1;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      if (c === '[' && raw[i + 1] === ':')
        throw new FilterPatternSyntaxError(
          pattern,
          at,
          'a character (POSIX classes [:name:] are not supported)',
        );
      source += c;
      continue;
    }
    if (c === '[') {
      // POSIX and RE2 read a ']' right after '[' or '[^' as a literal; JavaScript reads '[]' as an empty class.
      inClass = true;
      const negated = raw[i + 1] === '^';
      source += negated ? '[^' : '[';
      if (negated) i++;
      if (raw[i + 1] === ']') {
        source += '\\]';
        i++;
      }
      continue;
    }
    if (c === '{') {
      const repeat = /^\{(\d*),?(\d*)\}/.exec(raw.slice(i));
      if (repeat && (Number(repeat[1] || 0) > 1000 || Number(repeat[2] || 0) > 1000)) {
        throw new FilterPatternSyntaxError(pattern, at, 'a repeat count of at most 1000');
      }
      // FPS: either bound of {m,n} may be omitted; JavaScript and RE2 need the lower one.
      source += raw[i + 1] === ',' ? '{0' : '{';
      continue;
    }
    source += c;
  }
  if (inClass)
    throw new FilterPatternSyntaxError(pattern, position + raw.length, '"]" closing the character class');
  try {
    new RegExp(source);
  } catch (error) {
    throw new FilterPatternSyntaxError(pattern, position, 'a valid regular expression', {
      found: JSON.stringify(raw),
      hint: (error as Error).message,
    });
  }
  return { raw, source, position };
}

function escapeAt(pattern: string, raw: string, i: number, position: number): string {
  const at = position + i;
  const next = raw[i + 1];
  if (next === undefined) throw new FilterPatternSyntaxError(pattern, at + 1, 'a character after \\');
  if (next === 'x') {
    const hex = raw.slice(i + 2, i + 4);
    if (!/^[0-9A-Fa-f]{2}$/.test(hex))
      throw new FilterPatternSyntaxError(pattern, at + 2, 'two hex digits after \\x');
    return `\\x${hex}`;
  }
  // RE2 refuses escaped letters, digits and '_' other than the class escapes; JavaScript would accept them.
  if (!CLASS_ESCAPES.includes(next) && /[A-Za-z0-9_]/.test(next)) {
    throw new FilterPatternSyntaxError(
      pattern,
      at,
      'an escape \\d \\D \\s \\S \\w \\W \\xhh, or \\ before a symbol',
    );
  }
  if (!ALLOWED.test(next))
    throw new FilterPatternSyntaxError(pattern, at + 1, 'an allowed character after \\');
  return `\\${next}`;
}

/** Compiles a validated regex for JavaScript: an unanchored, case-sensitive search. */
export function toJsRegExp(regex: RegexLiteral): RegExp {
  return new RegExp(regex.source);
}
