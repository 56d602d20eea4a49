import { NUMBER_TEXT } from './cursor.js';

/**
 * A `*` pattern as literal segments: the text must start with the first, end with the last, and hold the
 * others in order in between. A single segment means an exact comparison.
 */
export type Glob = readonly string[];

/**
 * The glob of a space-delimited string value: every `*` is a wildcard over the whole field value
 * (FPS19: `4*` starts with 4, `*.html*` contains .html).
 */
export function delimitedGlob(value: string): Glob {
  return value.split('*');
}

/**
 * The glob of a JSON string value: a `*` at the start or end is a wildcard, one in the middle is literal
 * (FPS19: `*Event` matches PutEvent, `Event*` EventId, `Ev*ent` only the string "Ev*ent").
 */
export function jsonGlob(value: string): Glob {
  const leading = value.startsWith('*');
  const trailing = value.length > 1 && value.endsWith('*');
  const core = value.slice(leading ? 1 : 0, trailing ? -1 : undefined);
  return [...(leading ? [''] : []), core, ...(trailing ? [''] : [])];
}

/** True when the text matches the glob. */
export function matchGlob(glob: Glob, text: string): boolean {
  if (glob.length === 1) return text === glob[0];
  const first = glob[0] as string;
  const last = glob[glob.length - 1] as string;
  if (text.length < first.length + last.length || !text.startsWith(first) || !text.endsWith(last))
    return false;
  let at = first.length;
  const end = text.length - last.length;
  for (let i = 1; i < glob.length - 1; i++) {
    const part = glob[i] as string;
    const found = text.indexOf(part, at);
    if (found < 0 || found + part.length > end) return false;
    at = found + part.length;
  }
  return true;
}

/** The anchored regular expression (JavaScript and RE2 syntax) equivalent to a glob. */
export function globToRegexSource(glob: Glob): string {
  return `^${glob.map(escapeRegex).join('.*')}$`;
}

/** Escapes text so a regular expression matches it literally. */
export function escapeRegex(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
}

/**
 * The number a field's text holds, or undefined when it is not a plain decimal number. Numeric conditions on
 * text that is not a number (the `-` of NODATA records, an address) do not match, with any operator.
 */
export function toNumber(text: string): number | undefined {
  if (!NUMBER_TEXT.test(text)) return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}

/** Applies a comparison operator to two numbers. */
export function compareNumbers(left: number, operator: string, right: number): boolean {
  switch (operator) {
    case '=':
      return left === right;
    case '!=':
      return left !== right;
    case '<':
      return left < right;
    case '<=':
      return left <= right;
    case '>':
      return left > right;
    default:
      return left >= right;
  }
}
