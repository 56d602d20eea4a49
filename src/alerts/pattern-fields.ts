import { DEFAULT_LOG_FORMAT } from '../parse/index.js';
import { delimitedLayout, parseFilterPattern } from '../query/filter-pattern/index.js';
import { findField, toColumnName } from '../records/index.js';

/**
 * The flow columns a space-delimited filter pattern's names stand for. CloudWatch binds `[a, b, ..., z]`
 * to the fields of each message by position; flow-log messages in CloudWatch Logs are written in the
 * flow log's format, which flowlens (like its filter-pattern SQL) takes to be the default v2 format: the
 * items before `...` bind from the first field, those after it from the last. Other patterns bind nothing.
 */
export function patternFieldBindings(pattern: string): Map<string, string> {
  const bindings = new Map<string, string>();
  if (pattern.trim() === '') return bindings;
  const ast = parseFilterPattern(pattern);
  if (ast.kind !== 'delimited') return bindings;
  const { head, tail } = delimitedLayout(ast);
  const columns = DEFAULT_LOG_FORMAT.columns;
  const bind = (name: string | undefined, column: string | undefined): void => {
    if (name && column && !bindings.has(name)) bindings.set(name, column);
  };
  head.forEach((item, i) => bind(item.name, columns[i]));
  tail.forEach((item, j) => bind(item.name, columns[columns.length - tail.length + j]));
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
