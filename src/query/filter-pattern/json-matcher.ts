import type { JsonComparison, JsonExpression, JsonPattern, JsonSelector } from './ast.js';
import { toJsRegExp } from './regex.js';
import { compareNumbers, jsonGlob, matchGlob } from './values.js';

type Json = unknown;
type JsonTest = (root: Json) => boolean;

/**
 * Compiles a JSON pattern to a predicate on event lines. An event that is not a JSON object or array never
 * matches. A selector that reaches an array or object never matches, with `=` or `!=` (FPS19); a missing
 * property matches only NOT EXISTS; a wildcard selector matches when any element it reaches does.
 */
export function compileJsonMatcher(pattern: JsonPattern): (line: string) => boolean {
  const test = compileExpression(pattern.expression);
  return (line) => {
    const text = line.trim();
    if (!text.startsWith('{') && !text.startsWith('[')) return false;
    let root: Json;
    try {
      root = JSON.parse(text);
    } catch {
      return false;
    }
    return test(root);
  };
}

function compileExpression(expression: JsonExpression): JsonTest {
  switch (expression.kind) {
    case 'and': {
      const items = expression.items.map(compileExpression);
      return (root) => items.every((t) => t(root));
    }
    case 'or': {
      const items = expression.items.map(compileExpression);
      return (root) => items.some((t) => t(root));
    }
    case 'test': {
      const { selector, test } = expression;
      if (test === 'not-exists') return (root) => select(root, selector).length === 0;
      const expected = test === 'null' ? null : test === 'true';
      return (root) => select(root, selector).some((v) => v === expected);
    }
    case 'compare': {
      const leaf = compileLeaf(expression);
      return (root) => select(root, expression.selector).some((v) => !isContainer(v) && leaf(v));
    }
  }
}

function compileLeaf(comparison: JsonComparison): (value: Json) => boolean {
  const { operator, value: expected } = comparison;
  const negate = operator === '!=';
  switch (expected.kind) {
    case 'exists':
      return () => true;
    case 'number':
      return (v) => typeof v === 'number' && compareNumbers(v, operator, expected.value);
    case 'regex': {
      const regex = toJsRegExp(expected.regex);
      return (v) => v !== null && regex.test(String(v)) !== negate;
    }
    case 'string': {
      const glob = jsonGlob(expected.value);
      return (v) => v !== null && matchGlob(glob, String(v)) !== negate;
    }
  }
}

/** Every value the selector reaches (none when a step is missing). */
function select(root: Json, selector: JsonSelector): Json[] {
  let current: Json[] = [root];
  for (const step of selector.steps) {
    const next: Json[] = [];
    for (const value of current) {
      if (step.kind === 'key') {
        if (isObject(value) && Object.hasOwn(value, step.key)) next.push(value[step.key]);
      } else if (step.kind === 'index') {
        if (Array.isArray(value) && step.index < value.length) next.push(value[step.index]);
      } else if (Array.isArray(value)) next.push(...value);
      else if (isObject(value)) next.push(...Object.values(value));
    }
    current = next;
  }
  return current;
}

function isObject(value: Json): value is Record<string, Json> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isContainer(value: Json): boolean {
  return typeof value === 'object' && value !== null;
}
