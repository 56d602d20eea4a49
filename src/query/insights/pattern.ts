import type { SqlDialect } from '../../engines/index.js';

// A variable token is marked START + type name + END while the rules run, then numbered: START and END are control
// characters, which log text does not contain.
const START = '\u0001';
const END = '\u0002';

/**
 * The variable tokens `pattern` recognizes, in the order they are replaced (an earlier rule's token is not looked
 * at again), each with the type name it shows as. AWS infers type names with machine learning; these rules are
 * flowlens' deterministic stand-in (docs/queries.md). A number right after `key:` or `key=` is named by its key,
 * capitalized (`time: 327` → `<Time-1>`); `\\1`/`\\2` refer to the rule's groups.
 */
const RULES: readonly { pattern: string; replacement: string }[] = [
  { pattern: '\\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\\b', replacement: mark('UUID') },
  { pattern: '\\b\\d{4}-\\d{2}-\\d{2}(?:[T ]\\d{2}:\\d{2}(?::\\d{2}(?:[.,]\\d+)?)?(?:Z|[+-]\\d{2}:?\\d{2})?)?', replacement: mark('Timestamp') },
  { pattern: '\\b\\d{2}/[A-Z][a-z]{2}/\\d{4}:\\d{2}:\\d{2}:\\d{2}(?: [+-]\\d{4})?', replacement: mark('Timestamp') },
  { pattern: '\\b\\d{1,2}:\\d{2}:\\d{2}(?:[.,]\\d+)?\\b', replacement: mark('Time') },
  { pattern: '\\barn:[A-Za-z0-9-]+:[^\\s"\',;]*', replacement: mark('ARN') },
  { pattern: '\\b[0-9a-fA-F]{2}(?::[0-9a-fA-F]{2}){5}\\b', replacement: mark('MAC') },
  { pattern: '\\b\\d{1,3}(?:\\.\\d{1,3}){3}(?:/\\d{1,2})?\\b', replacement: mark('IP') },
  { pattern: '\\b[0-9a-fA-F]{1,4}(?::[0-9a-fA-F]{0,4}){1,6}:[0-9a-fA-F]{1,4}\\b(?:/\\d{1,3})?', replacement: mark('IP') },
  { pattern: '\\b[a-z]{1,12}-[0-9a-f]{8,17}\\b', replacement: mark('ID') },
  { pattern: '([A-Za-z][A-Za-z0-9_]*)("?\\s*[:=]\\s*)(\\d+(?:\\.\\d+)?)\\b', replacement: `\\1\\2${mark('\\1')}` },
  { pattern: '\\b\\d+(?:\\.\\d+)?\\b', replacement: mark('Number') },
  { pattern: '\\b0x[0-9a-fA-F]+\\b|\\b[0-9a-f]{8,}\\b|\\b[0-9A-F]{8,}\\b', replacement: mark('Hex') },
];

// Log levels by the label AWS shows (Error, Warning, Info, Debug); the first level word of the pattern decides.
const LEVELS: readonly [string, readonly string[]][] = [
  ['Error', ['fatal', 'critical', 'crit', 'emerg', 'alert', 'severe', 'error', 'err']],
  ['Warning', ['warning', 'warn']],
  ['Info', ['info', 'notice']],
  ['Debug', ['debug', 'trace']],
];

/** SQL for the text with every variable token replaced by a marked type name (the value `pattern` groups by). */
export function markVariableTokens(text: string, dialect: SqlDialect): string {
  return RULES.reduce((sql, rule) => dialect.regexReplaceGroups(sql, rule.pattern, rule.replacement), text);
}

/** SQL turning marked tokens into `<Type-N>`, N counting the tokens of the pattern from 1, left to right. */
export function numberTokens(marked: string, dialect: SqlDialect): string {
  return dialect.mapSplit(marked, START, (part, index) => {
    const name = dialect.regexExtract(part, `^([^${END}]*)${END}`, 1);
    const rest = dialect.regexReplace(part, `^[^${END}]*${END}`, '');
    const capitalized = dialect.concat([`upper(${dialect.regexExtract(name, '^(.)', 1)})`, dialect.regexReplace(name, '^.', '')]);
    const token = dialect.concat([dialect.literal('<'), capitalized, dialect.literal('-'), dialect.toText(`(${index} - 1)`), dialect.literal('>'), rest]);
    return `CASE WHEN ${index} = 1 THEN ${part} ELSE ${token} END`;
  });
}

/** SQL for the @severityLabel of a pattern: Error, Warning, Info or Debug after its first log-level word, else Unknown. */
export function severityLabel(text: string, dialect: SqlDialect): string {
  const words = LEVELS.flatMap(([, w]) => w);
  const level = dialect.regexExtract(`lower(${text})`, `\\b(${words.join('|')})\\b`, 1);
  const cases = LEVELS.map(([label, w]) => `WHEN ${level} IN (${w.map((x) => dialect.literal(x)).join(', ')}) THEN ${dialect.literal(label)}`);
  return `CASE ${cases.join(' ')} ELSE ${dialect.literal('Unknown')} END`;
}

function mark(name: string): string {
  return `${START}${name}${END}`;
}
