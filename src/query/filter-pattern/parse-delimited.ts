import type {
  ComparisonOperator,
  DelimitedItem,
  DelimitedPattern,
  FieldComparison,
  FieldCondition,
  FieldValue,
} from './ast.js';
import type { Cursor } from './cursor.js';
import { NUMBER_TEXT } from './cursor.js';

/** CloudWatch allows at most 2 regular expressions in a delimited or JSON pattern (FPS quotas). */
export const MAX_REGEXES = 2;

const NAME_START = /^[\p{L}_]$/u;
const NAME_CHAR = /^[\p{L}\p{N}_-]$/u;
const OPERATORS: readonly ComparisonOperator[] = ['!=', '<=', '>=', '=', '<', '>'];

/**
 * Parses `[item, item, ...]` (cursor on the `[`). An item is `...`, a field name with optional conditions, or
 * empty (an unnamed field). Conditions on one item all name that item's field, joined by `&&` (binds tighter)
 * and `||`: the console rejects conditions mixing two fields (awsdocs issue #21).
 */
export function parseDelimited(cursor: Cursor): DelimitedPattern {
  cursor.expect('[');
  const items: DelimitedItem[] = [];
  const state = { regexes: 0 };
  let ellipsis: number | undefined;
  for (;;) {
    cursor.skipSpaces();
    const position = cursor.position;
    if (cursor.startsWith('...')) {
      if (ellipsis !== undefined)
        throw cursor.error('a field name (one "..." per pattern: two would make field positions ambiguous)');
      ellipsis = position;
      cursor.position += 3;
      items.push({ kind: 'ellipsis', position });
    } else if (cursor.peek() === ',' || cursor.peek() === ']') {
      if (items.length === 0 && cursor.peek() === ']') throw cursor.error('a field name or "..."');
      items.push({ kind: 'field', name: undefined, condition: undefined, position });
    } else {
      const name = readName(cursor, 'a field name, "..." or ","');
      cursor.skipSpaces();
      const condition =
        cursor.peek() === ',' || cursor.peek() === ']' ? undefined : parseOr(cursor, name, state);
      items.push({ kind: 'field', name, condition, position });
    }
    cursor.skipSpaces();
    if (cursor.accept(']')) break;
    if (cursor.done) throw cursor.error('"," or "]"');
    cursor.expect(',', '"," or "]"');
  }
  cursor.skipSpaces();
  if (!cursor.done) throw cursor.error('the end of the pattern after "]"');
  return { kind: 'delimited', items };
}

function parseOr(cursor: Cursor, name: string, state: { regexes: number }): FieldCondition {
  const items = [parseAnd(cursor, name, state, true)];
  while (cursor.accept('||')) items.push(parseAnd(cursor, name, state, false));
  return items.length === 1 ? (items[0] as FieldCondition) : { kind: 'or', items };
}

function parseAnd(cursor: Cursor, name: string, state: { regexes: number }, first: boolean): FieldCondition {
  const items: FieldCondition[] = [parseComparison(cursor, name, state, first)];
  while (cursor.accept('&&')) items.push(parseComparison(cursor, name, state, false));
  return items.length === 1 ? (items[0] as FieldCondition) : { kind: 'and', items };
}

function parseComparison(
  cursor: Cursor,
  name: string,
  state: { regexes: number },
  nameRead: boolean,
): FieldComparison {
  cursor.skipSpaces();
  if (!nameRead) {
    const at = cursor.position;
    const other = readName(cursor, `the field name ${name}`);
    if (other !== name) {
      throw cursor.error(`the field name ${name}`, {
        at,
        found: JSON.stringify(other),
        hint: `conditions joined by && or || in one item must all test that item's field (${name})`,
      });
    }
  }
  cursor.skipSpaces();
  const position = cursor.position;
  const operator = OPERATORS.find((op) => cursor.startsWith(op));
  if (!operator) throw cursor.error('a comparison = != < <= > >=, "," or "]"');
  cursor.position += operator.length;
  cursor.skipSpaces();
  const valueAt = cursor.position;
  const value = readValue(cursor);
  if (value.kind === 'regex' && ++state.regexes > MAX_REGEXES) {
    throw cursor.error(`at most ${MAX_REGEXES} regular expressions in one pattern (CloudWatch quota)`, {
      at: valueAt,
    });
  }
  if (value.kind !== 'number' && operator !== '=' && operator !== '!=') {
    throw cursor.error(`a number after ${operator}`, {
      at: valueAt,
      hint: 'text and %regex% values compare with = and != only',
    });
  }
  return { kind: 'compare', operator, value, position };
}

function readValue(cursor: Cursor): FieldValue {
  const c = cursor.peek();
  if (c === '"') {
    const value = cursor.readQuoted();
    expectValueEnd(cursor);
    return { kind: 'string', value, quoted: true };
  }
  if (c === '%') {
    const regex = cursor.readRegex();
    expectValueEnd(cursor);
    return { kind: 'regex', regex };
  }
  const start = cursor.position;
  while (
    !cursor.done &&
    !/[\s,\]]/.test(cursor.peek()) &&
    !cursor.startsWith('&&') &&
    !cursor.startsWith('||')
  )
    cursor.position++;
  const text = cursor.text.slice(start, cursor.position);
  if (text.length === 0)
    throw cursor.error('a value: a number, a "quoted string", a word (with * wildcards) or a %regex%');
  if (!NUMBER_TEXT.test(text)) return { kind: 'string', value: text, quoted: false };
  const value = Number(text);
  if (!Number.isFinite(value)) throw cursor.error('a number a double can hold', { at: start });
  return { kind: 'number', value, text };
}

function expectValueEnd(cursor: Cursor): void {
  const save = cursor.position;
  cursor.skipSpaces();
  const ok =
    cursor.done ||
    cursor.peek() === ',' ||
    cursor.peek() === ']' ||
    cursor.startsWith('&&') ||
    cursor.startsWith('||');
  if (!ok) throw cursor.error('"," "]" "&&" or "||" after the value');
  cursor.position = save;
}

function readName(cursor: Cursor, expected: string): string {
  if (!NAME_START.test(cursor.peek())) throw cursor.error(expected);
  return cursor.readWhile((c) => NAME_CHAR.test(c));
}
