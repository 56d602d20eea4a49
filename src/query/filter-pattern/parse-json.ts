import type {
  ComparisonOperator,
  JsonExpression,
  JsonPattern,
  JsonSelector,
  JsonStep,
  JsonValue,
} from './ast.js';
import type { Cursor } from './cursor.js';
import { NUMBER_TEXT } from './cursor.js';
import { MAX_REGEXES } from './parse-delimited.js';

// FPS: at most one wildcard per selector and three per compound pattern.
const MAX_WILDCARDS = 3;
const KEY_CHAR = /^[\p{L}\p{N}_\-@]$/u;
const OPERATORS: readonly ComparisonOperator[] = ['!=', '<=', '>=', '=', '<', '>'];
const TESTS = /^(?:IS\s+(NULL|TRUE|FALSE)|NOT\s+EXISTS)(?![\p{L}\p{N}_])/iu;

interface JsonState {
  wildcards: number;
  regexes: number;
}

/**
 * Parses `{ expression }` (cursor on the `{`): comparisons `$.sel op value`, `IS NULL|TRUE|FALSE`, `NOT EXISTS`,
 * combined with `&&`, `||` and parentheses (precedence `()` > `&&` > `||`, FPS22 "JSON Compound Conditions").
 */
export function parseJson(cursor: Cursor): JsonPattern {
  cursor.expect('{');
  const expression = parseOr(cursor, { wildcards: 0, regexes: 0 });
  cursor.expect('}', '"&&", "||" or "}"');
  cursor.skipSpaces();
  if (!cursor.done) throw cursor.error('the end of the pattern after "}"');
  return { kind: 'json', expression };
}

function parseOr(cursor: Cursor, state: JsonState): JsonExpression {
  const items = [parseAnd(cursor, state)];
  while (cursor.accept('||')) items.push(parseAnd(cursor, state));
  return items.length === 1 ? (items[0] as JsonExpression) : { kind: 'or', items };
}

function parseAnd(cursor: Cursor, state: JsonState): JsonExpression {
  const items = [parsePrimary(cursor, state)];
  while (cursor.accept('&&')) items.push(parsePrimary(cursor, state));
  return items.length === 1 ? (items[0] as JsonExpression) : { kind: 'and', items };
}

function parsePrimary(cursor: Cursor, state: JsonState): JsonExpression {
  if (cursor.accept('(')) {
    const inner = parseOr(cursor, state);
    cursor.expect(')', '"&&", "||" or ")"');
    return inner;
  }
  cursor.skipSpaces();
  const position = cursor.position;
  const selector = parseSelector(cursor, state);
  cursor.skipSpaces();
  const test = TESTS.exec(cursor.text.slice(cursor.position));
  if (test) {
    cursor.position += test[0].length;
    const kind = test[1] === undefined ? 'not-exists' : (test[1].toLowerCase() as 'null' | 'true' | 'false');
    return { kind: 'test', selector, test: kind, position };
  }
  const operator = OPERATORS.find((op) => cursor.startsWith(op));
  if (!operator) throw cursor.error('a comparison = != < <= > >=, IS NULL, IS TRUE, IS FALSE or NOT EXISTS');
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
      hint: 'text, * and %regex% values compare with = and != only',
    });
  }
  if (value.kind === 'exists' && operator !== '=')
    throw cursor.error('a value other than * after != (use NOT EXISTS)', { at: valueAt });
  return { kind: 'compare', selector, operator, value, position };
}

function parseSelector(cursor: Cursor, state: JsonState): JsonSelector {
  const start = cursor.position;
  if (cursor.peek() !== '$') throw cursor.error('a selector starting with $ (e.g. $.eventType) or "("');
  cursor.position++;
  const steps: JsonStep[] = [];
  let wildcards = 0;
  for (;;) {
    const at = cursor.position;
    if (cursor.startsWith('.[') || cursor.peek() === '[') {
      cursor.position += cursor.peek() === '.' ? 2 : 1;
      steps.push(readBracket(cursor));
    } else if (cursor.peek() === '.') {
      cursor.position++;
      if (cursor.peek() === '*') {
        cursor.position++;
        steps.push({ kind: 'wildcard' });
      } else {
        const key = cursor.readWhile((c) => KEY_CHAR.test(c));
        if (key.length === 0) throw cursor.error('a property name, * or [ after "."');
        steps.push({ kind: 'key', key });
      }
    } else break;
    if (steps.at(-1)?.kind === 'wildcard') {
      if (++wildcards > 1) throw cursor.error('at most one wildcard per selector', { at });
      if (++state.wildcards > MAX_WILDCARDS)
        throw cursor.error(`at most ${MAX_WILDCARDS} wildcards in one pattern`, { at });
    }
  }
  if (steps.length === 0) throw cursor.error('"." or "[" after $');
  return { text: cursor.text.slice(start, cursor.position), steps };
}

function readBracket(cursor: Cursor): JsonStep {
  let step: JsonStep;
  const c = cursor.peek();
  if (c === '*') {
    cursor.position++;
    step = { kind: 'wildcard' };
  } else if (c === "'" || c === '"') {
    const end = cursor.text.indexOf(c, cursor.position + 1);
    if (end < 0) throw cursor.error(`a closing ${c}`, { at: cursor.text.length });
    step = { kind: 'key', key: cursor.text.slice(cursor.position + 1, end) };
    cursor.position = end + 1;
  } else {
    const digits = cursor.readWhile((ch) => /\d/.test(ch));
    if (digits.length === 0) throw cursor.error("an array index, * or a 'quoted key' inside [ ]");
    step = { kind: 'index', index: Number(digits) };
  }
  if (cursor.peek() !== ']') throw cursor.error('"]"');
  cursor.position++;
  return step;
}

function readValue(cursor: Cursor): JsonValue {
  const c = cursor.peek();
  if (c === '"') return { kind: 'string', value: cursor.readQuoted(), quoted: true };
  if (c === '%') return { kind: 'regex', regex: cursor.readRegex() };
  const start = cursor.position;
  while (
    !cursor.done &&
    !/[\s)}]/.test(cursor.peek()) &&
    !cursor.startsWith('&&') &&
    !cursor.startsWith('||')
  )
    cursor.position++;
  const text = cursor.text.slice(start, cursor.position);
  if (text.length === 0)
    throw cursor.error('a value: a number, a "quoted string", a word (with * wildcards), * or a %regex%');
  if (text === '*') return { kind: 'exists' };
  if (!NUMBER_TEXT.test(text)) return { kind: 'string', value: text, quoted: false };
  const value = Number(text);
  if (!Number.isFinite(value)) throw cursor.error('a number a double can hold', { at: start });
  return { kind: 'number', value, text };
}
