import type { DelimitedPattern, FieldCondition, FieldItem, FilterPattern, TermsPattern } from './ast.js';
import { delimitedLayout, termSemantics } from './ast.js';
import { restOfLine, splitEventFields } from './event-fields.js';
import { compileJsonMatcher } from './json-matcher.js';
import { parseFilterPattern } from './parse.js';
import { toJsRegExp } from './regex.js';
import { compareNumbers, delimitedGlob, matchGlob, toNumber } from './values.js';

/** Values a matching event yields, keyed like TestMetricFilter's `extractedValues` (`$name`, or `$N` 1-based). */
export type ExtractedValues = Record<string, string>;

/** A filter pattern compiled to JavaScript, for raw event lines (any text, not only flow records). */
export interface LineMatcher {
  readonly pattern: FilterPattern;
  /** True when the event matches. */
  test(line: string): boolean;
  /**
   * The values a matching event yields, or null when it does not match: every field of the event for a
   * space-delimited pattern (named ones as `$name`, the others as `$N`), `{}` for the other forms.
   */
  match(line: string): ExtractedValues | null;
}

/** Compiles a filter pattern (text or parsed) to a matcher of raw log lines, once, for use on many lines. */
export function compileLineMatcher(pattern: FilterPattern | string): LineMatcher {
  const ast = typeof pattern === 'string' ? parseFilterPattern(pattern) : pattern;
  switch (ast.kind) {
    case 'all':
      return booleanMatcher(ast, () => true);
    case 'terms':
      return booleanMatcher(ast, compileTerms(ast));
    case 'regex': {
      const regex = toJsRegExp(ast.regex);
      return booleanMatcher(ast, (line) => regex.test(line));
    }
    case 'json':
      return booleanMatcher(ast, compileJsonMatcher(ast));
    case 'delimited':
      return compileDelimited(ast);
  }
}

function booleanMatcher(pattern: FilterPattern, test: (line: string) => boolean): LineMatcher {
  return { pattern, test, match: (line) => (test(line) ? {} : null) };
}

function compileTerms(pattern: TermsPattern): (line: string) => boolean {
  const { all, none, any } = termSemantics(pattern);
  // Terms match anywhere, not as whole words: ERROR matches "Exiting with ERRORCODE: -1" (FPS19).
  return (line) =>
    all.every((term) => line.includes(term)) &&
    !none.some((term) => line.includes(term)) &&
    (any.length === 0 || any.some((term) => line.includes(term)));
}

type ValueTest = (value: string) => boolean;

interface Binding {
  item: FieldItem;
  test: ValueTest;
}

function compileDelimited(pattern: DelimitedPattern): LineMatcher {
  const layout = delimitedLayout(pattern);
  const bind = (item: FieldItem): Binding => ({
    item,
    test: item.condition ? compileCondition(item.condition) : () => true,
  });
  const head = layout.head.map(bind);
  const tail = layout.tail.map(bind);
  const needed = head.length + tail.length;

  /** The value of each head and tail item for this event, or null when the event has too few fields. */
  const align = (
    line: string,
  ): { values: string[]; fieldCount: number; fields: ReturnType<typeof splitEventFields> } | null => {
    const fields = splitEventFields(line);
    const n = fields.length;
    if (n < needed) return null;
    const values = fields.slice(0, head.length).map((f) => f.value);
    if (layout.hasEllipsis) {
      for (const f of fields.slice(n - tail.length)) values.push(f.value);
    } else if (n > needed && needed > 0) {
      // More fields than items and no '...': the last item absorbs the rest of the line, as the documented
      // `[w1=ERROR, w2]` matching `ERROR 09/25/2014 12:00:02 Failed to process request` requires (FPS).
      values[needed - 1] = restOfLine(line, (fields[needed - 1] as { start: number }).start);
    }
    return { values, fieldCount: n, fields };
  };
  const bindings = [...head, ...tail];
  const test = (line: string): boolean => {
    const aligned = align(line);
    return aligned !== null && bindings.every((b, i) => b.test(aligned.values[i] as string));
  };
  const match = (line: string): ExtractedValues | null => {
    const aligned = align(line);
    if (!aligned || !bindings.every((b, i) => b.test(aligned.values[i] as string))) return null;
    const { values, fieldCount, fields } = aligned;
    const out: ExtractedValues = {};
    const key = (item: FieldItem, position: number): string =>
      item.name === undefined ? `$${position}` : `$${item.name}`;
    head.forEach((b, i) => (out[key(b.item, i + 1)] = values[i] as string));
    if (layout.hasEllipsis) {
      for (let p = head.length; p < fieldCount - tail.length; p++)
        out[`$${p + 1}`] = (fields[p] as { value: string }).value;
      tail.forEach(
        (b, i) => (out[key(b.item, fieldCount - tail.length + i + 1)] = values[head.length + i] as string),
      );
    }
    return out;
  };
  return { pattern, test, match };
}

function compileCondition(condition: FieldCondition): ValueTest {
  switch (condition.kind) {
    case 'and': {
      const items = condition.items.map(compileCondition);
      return (value) => items.every((t) => t(value));
    }
    case 'or': {
      const items = condition.items.map(compileCondition);
      return (value) => items.some((t) => t(value));
    }
    case 'compare': {
      const { operator, value: expected } = condition;
      const negate = operator === '!=';
      if (expected.kind === 'number') {
        return (value) => {
          const n = toNumber(value);
          return n !== undefined && compareNumbers(n, operator, expected.value);
        };
      }
      if (expected.kind === 'regex') {
        const regex = toJsRegExp(expected.regex);
        return (value) => regex.test(value) !== negate;
      }
      const glob = delimitedGlob(expected.value);
      return (value) => matchGlob(glob, value) !== negate;
    }
  }
}
