import { DEFAULT_FORMAT, findField, isNumericField, toColumnName } from '../../records/index.js';
import type { DelimitedPattern, FieldCondition, FilterPattern, TermsPattern } from './ast.js';
import { delimitedLayout, termSemantics } from './ast.js';
import { jsonPatternOnFlowsError } from './errors.js';
import { parseFilterPattern } from './parse.js';
import type { FilterPatternDialect } from './sql-dialect.js';
import { duckdbFilterDialect } from './sql-dialect.js';
import { delimitedGlob, globToRegexSource } from './values.js';

/** A column of the flows table as one field of the event text CloudWatch would see. */
export interface EventColumn {
  column: string;
  /** True for integer columns: their value is the number itself, NULL for `-`. */
  numeric: boolean;
}

/**
 * The fields of the default (version 2) format, in order: what a flow record looks like as a CloudWatch
 * Logs event, `version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start
 * end action log-status` (VPC user guide, flow-logs-cwl).
 */
export const V2_EVENT_COLUMNS: readonly EventColumn[] = DEFAULT_FORMAT.map((name) => {
  const field = findField(name);
  return { column: toColumnName(name), numeric: field !== undefined && isNumericField(field) };
});

/** Options of the SQL generator: the engine's dialect and the columns that make up the event text. */
export interface FlowSqlOptions {
  dialect?: FilterPatternDialect | undefined;
  columns?: readonly EventColumn[] | undefined;
}

// The number syntax toNumber accepts, so SQL and JavaScript agree on which field texts are numbers.
const NUMBER_REGEX = '^[+-]?(?:\\d+(?:\\.\\d*)?|\\.\\d+)(?:[eE][+-]?\\d+)?$';
const SQL_OPERATORS: Record<string, string> = {
  '=': '=',
  '!=': '<>',
  '<': '<',
  '<=': '<=',
  '>': '>',
  '>=': '>=',
};

/**
 * Compiles a filter pattern to an SQL condition on the flows table. Term, phrase and whole-pattern regex
 * patterns search the record's event text (see flowEventTextSql); space-delimited patterns bind position i
 * to the i-th field of the default v2 format. A JSON pattern is a QueryError (`unsupported-pattern`): flow
 * records are never JSON, so it would silently match nothing.
 */
export function compileFlowSql(pattern: FilterPattern | string, options: FlowSqlOptions = {}): string {
  const ast = typeof pattern === 'string' ? parseFilterPattern(pattern) : pattern;
  const dialect = options.dialect ?? duckdbFilterDialect;
  const columns = options.columns ?? V2_EVENT_COLUMNS;
  switch (ast.kind) {
    case 'all':
      return 'TRUE';
    case 'terms':
      return termsSql(ast, flowEventTextSql(dialect, columns), dialect);
    case 'regex':
      return dialect.regexMatch(flowEventTextSql(dialect, columns), ast.regex.source);
    case 'delimited':
      return delimitedSql(ast, dialect, columns);
    case 'json':
      throw jsonPatternOnFlowsError();
  }
}

/**
 * The SQL text of a flow record as a CloudWatch Logs event (`@message`): the default-format fields joined by
 * single spaces, `-` for a missing value, e.g. `2 123456789010 eni-1235b8ca123456789 - - - - - - - 1431280876
 * 1431280934 - NODATA`.
 */
export function flowEventTextSql(
  dialect: FilterPatternDialect = duckdbFilterDialect,
  columns: readonly EventColumn[] = V2_EVENT_COLUMNS,
): string {
  const parts: string[] = [];
  columns.forEach((column, i) => {
    if (i > 0) parts.push(dialect.literal(' '));
    parts.push(fieldText(dialect, column));
  });
  return dialect.concat(parts);
}

function fieldText(dialect: FilterPatternDialect, column: EventColumn): string {
  const id = dialect.quoteIdentifier(column.column);
  return `COALESCE(${column.numeric ? dialect.toText(id) : id}, ${dialect.literal('-')})`;
}

function termsSql(pattern: TermsPattern, text: string, dialect: FilterPatternDialect): string {
  const { all, none, any } = termSemantics(pattern);
  const parts = [
    ...all.map((t) => dialect.contains(text, t)),
    ...none.map((t) => `NOT ${dialect.contains(text, t)}`),
  ];
  if (any.length > 0) parts.push(`(${any.map((t) => dialect.contains(text, t)).join(' OR ')})`);
  return parts.length === 0 ? 'TRUE' : parts.join(' AND ');
}

/** A field of the event as SQL: its text, and its value as a number (NULL when the text is not a number). */
interface Slot {
  text: string;
  number: string;
  /** The single column behind the slot (absent when the slot absorbs several fields). */
  column?: EventColumn;
}

function delimitedSql(
  pattern: DelimitedPattern,
  dialect: FilterPatternDialect,
  columns: readonly EventColumn[],
): string {
  const { head, tail, hasEllipsis } = delimitedLayout(pattern);
  const n = columns.length;
  const needed = head.length + tail.length;
  if (needed > n) return 'FALSE';
  const slot = (index: number): Slot => {
    const column = columns[index] as EventColumn;
    const text = fieldText(dialect, column);
    return {
      text,
      number: column.numeric ? dialect.quoteIdentifier(column.column) : numberOf(dialect, text),
      column,
    };
  };
  const slots: Slot[] = head.map((_, i) => slot(i));
  if (hasEllipsis) {
    tail.forEach((_, i) => slots.push(slot(n - tail.length + i)));
  } else if (needed < n && needed > 0) {
    // The last item absorbs the rest of the event (see line-matcher.ts): several fields joined by spaces.
    const rest = columns.slice(needed - 1);
    const text = flowEventTextSql(dialect, rest);
    slots[needed - 1] = { text, number: numberOf(dialect, text) };
  }
  const conditions = [...head, ...tail].flatMap((item, i) =>
    item.condition ? [conditionSql(item.condition, slots[i] as Slot, dialect)] : [],
  );
  return conditions.length === 0 ? 'TRUE' : conditions.join(' AND ');
}

function conditionSql(condition: FieldCondition, slot: Slot, dialect: FilterPatternDialect): string {
  switch (condition.kind) {
    case 'and':
    case 'or':
      return `(${condition.items.map((c) => conditionSql(c, slot, dialect)).join(condition.kind === 'and' ? ' AND ' : ' OR ')})`;
    case 'compare': {
      const { operator, value } = condition;
      if (value.kind === 'number') {
        // A numeric condition on text that is not a number (the '-' of NODATA records) does not match.
        return `COALESCE(${slot.number} ${SQL_OPERATORS[operator]} ${dialect.literal(value.value)}, FALSE)`;
      }
      const test =
        value.kind === 'regex'
          ? dialect.regexMatch(slot.text, value.regex.source)
          : globSql(slot, delimitedGlob(value.value), dialect);
      return operator === '!=' ? `NOT ${test}` : test;
    }
  }
}

function globSql(slot: Slot, glob: readonly string[], dialect: FilterPatternDialect): string {
  if (glob.length > 1) return dialect.regexMatch(slot.text, globToRegexSource(glob));
  const literal = glob[0] as string;
  if (slot.column) {
    // Same meaning as comparing the field's text, but on the bare column so the engine can use its statistics.
    const id = dialect.quoteIdentifier(slot.column.column);
    if (literal === '-')
      return slot.column.numeric ? `(${id} IS NULL)` : `(${slot.text} = ${dialect.literal('-')})`;
    if (!slot.column.numeric) return `COALESCE(${id} = ${dialect.literal(literal)}, FALSE)`;
    // An integer's text is its canonical decimal form, so no other text can equal it.
    if (!/^(?:0|-?[1-9]\d*)$/.test(literal)) return 'FALSE';
    const n = Number(literal);
    if (Number.isSafeInteger(n)) return `COALESCE(${id} = ${dialect.literal(n)}, FALSE)`;
  }
  return `(${slot.text} = ${dialect.literal(literal)})`;
}

function numberOf(dialect: FilterPatternDialect, text: string): string {
  return `CASE WHEN ${dialect.regexMatch(text, NUMBER_REGEX)} THEN ${dialect.toDouble(text)} END`;
}
