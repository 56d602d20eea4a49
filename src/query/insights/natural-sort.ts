import type { SqlDialect } from '../../engines/index.js';

// Digit-run lengths are written with this many digits (runs of up to 999,999 digits order exactly).
const LENGTH_DIGITS = 6;

/**
 * The ORDER BY keys of Insights' "modified natural sort" of a text expression (QSx Sort): values that are wholly
 * digits come after every other value and order by their number (`0 01 1 2 3`); other values order chunk by chunk,
 * digit runs by length then value and other characters by code point (`!: # *%04 0# 5A 111A 2345_ @ A a1`). The
 * first key is a text whose binary order is that order; the second, the text itself, breaks ties (`01` before `1`),
 * so `desc` on both is the exact reverse.
 */
export function naturalSortKeys(text: string, dialect: SqlDialect): string[] {
  // A digit run becomes its length (LENGTH_DIGITS digits) and the run: still digits, so it sorts among the other
  // characters where a digit would, and runs compare by length first.
  const encodeRun = (run: string): string =>
    dialect.concat([dialect.substring(dialect.toText(`(${10 ** LENGTH_DIGITS} + ${dialect.strlen(run)})`), '2', String(LENGTH_DIGITS)), run]);
  const chunked = dialect.mapMatches(text, '[0-9]+|[^0-9]+', (part) => `CASE WHEN ${dialect.regexMatch(part, '^[0-9]+$')} THEN ${encodeRun(part)} ELSE ${part} END`);
  const number = encodeRun(dialect.regexReplace(text, '^0+', ''));
  const key = `CASE WHEN ${dialect.regexMatch(text, '^[0-9]+$')} THEN ${dialect.concat([dialect.literal('1'), number])} ELSE ${dialect.concat([dialect.literal('0'), chunked])} END`;
  return [`CASE WHEN ${text} IS NOT NULL THEN ${key} END`, text];
}
