import { DEFAULT_LOG_FORMAT } from '../parse/index.js';
import { findField, toColumnName } from '../records/index.js';

/**
 * The flow columns a space-delimited filter pattern's names stand for. CloudWatch binds `[a, b, ..., z]`
 * to the fields of each message by position (`...` = any number of fields); flow-log messages in
 * CloudWatch Logs are written in the flow log's format, which flowlens takes to be the default v2 format
 * (the 14 fields of AWS's own example pattern). Names before the first `...` bind from the start, names
 * after a single `...` from the end. Term and JSON patterns bind no names.
 */
export function patternFieldBindings(pattern: string): Map<string, string> {
  const bindings = new Map<string, string>();
  const items = splitDelimitedPattern(pattern);
  if (!items) return bindings;
  const columns = DEFAULT_LOG_FORMAT.columns;
  const ellipsis = items.indexOf('...');
  const head = ellipsis < 0 ? items : items.slice(0, ellipsis);
  head.forEach((item, i) => bind(bindings, item, columns[i]));
  if (ellipsis >= 0 && items.indexOf('...', ellipsis + 1) < 0) {
    const tail = items.slice(ellipsis + 1);
    tail.forEach((item, j) => bind(bindings, item, columns[columns.length - tail.length + j]));
  }
  return bindings;
}

/** A metric value or dimension source resolved to SQL: a number literal, or a flow column. */
export type ValueSource = { kind: 'literal'; value: number } | { kind: 'column'; column: string };

/**
 * Resolves a metricValue / dimension value (`1`, `$bytes`, `$10`, `$source`) against a pattern:
 * `$name` is a name the pattern binds, else (a flowlens extension for term patterns) a flow field name
 * in either spelling; `$N` is the N-th field (1-based) of the default format. Throws Error with the reason.
 */
export function resolveValueSource(text: string, pattern: string, allowLiteral: boolean): ValueSource {
  const trimmed = text.trim();
  if (allowLiteral && /^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/.test(trimmed)) return { kind: 'literal', value: Number(trimmed) };
  if (trimmed.startsWith('$.')) throw new Error(`"${text}" is a JSON selector, but flow-log messages are not JSON`);
  const positional = /^\$(\d+)$/.exec(trimmed);
  if (positional) {
    const column = DEFAULT_LOG_FORMAT.columns[Number(positional[1]) - 1];
    if (!column) throw new Error(`"${text}" is beyond the ${DEFAULT_LOG_FORMAT.columns.length} fields of the default format`);
    return { kind: 'column', column };
  }
  const named = /^\$([A-Za-z_][\w-]*)$/.exec(trimmed);
  if (!named?.[1]) {
    throw new Error(allowLiteral ? `"${text}" is neither a number nor a $field` : `"${text}" is not a $field`);
  }
  const bound = patternFieldBindings(pattern).get(named[1]);
  if (bound) return { kind: 'column', column: bound };
  const field = findField(named[1]);
  if (field) return { kind: 'column', column: toColumnName(field.name) };
  const names = [...patternFieldBindings(pattern).keys()];
  throw new Error(`"${text}" names no field${names.length ? ` of the pattern (it names ${names.join(', ')})` : ''} and no flow-log field`);
}

/** Splits `[a, b="x", ..., c]` into trimmed items, respecting quotes and %regex%; null for other pattern kinds. */
export function splitDelimitedPattern(pattern: string): string[] | null {
  const text = pattern.trim();
  if (!text.startsWith('[') || !text.endsWith(']')) return null;
  const items: string[] = [];
  let current = '';
  let quote: string | null = null;
  for (const char of text.slice(1, -1)) {
    if (quote) {
      if (char === quote) quote = null;
      current += char;
    } else if (char === '"' || char === '%') {
      quote = char;
      current += char;
    } else if (char === ',') {
      items.push(current.trim());
      current = '';
    } else current += char;
  }
  items.push(current.trim());
  // An empty item (`[a,,b]`, a trailing comma) is still a field, extracted as $N.
  return items.length === 1 && items[0] === '' ? [] : items;
}

function bind(bindings: Map<string, string>, item: string, column: string | undefined): void {
  const name = /^([A-Za-z_][\w-]*)/.exec(item)?.[1];
  if (name && column && !bindings.has(name)) bindings.set(name, column);
}
