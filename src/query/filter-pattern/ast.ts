/**
 * The AST of a CloudWatch Logs filter pattern. One parser builds it; the line matcher (JS) and the SQL
 * generator are both written from it, so the two can never disagree about what a pattern says.
 * Positions are 0-based offsets into the pattern text.
 */

/** A parsed filter pattern: one of the four forms CloudWatch dispatches on, or match-everything. */
export type FilterPattern = MatchAllPattern | TermsPattern | RegexPattern | DelimitedPattern | JsonPattern;

/** An empty or whitespace-only pattern: every event matches (API: "If not provided, all the events are matched"). */
export interface MatchAllPattern {
  kind: 'all';
}

/** A list of terms: plain (all required), `-` (all absent) and `?` (at least one present). */
export interface TermsPattern {
  kind: 'terms';
  terms: Term[];
}

/** One term of a term pattern. */
export interface Term {
  /** `required` for a plain term, `excluded` for `-term`, `optional` for `?term`. */
  role: 'required' | 'excluded' | 'optional';
  /** The literal text searched for (quotes removed, escapes resolved). */
  text: string;
  quoted: boolean;
  position: number;
}

/** A whole-pattern regular expression `%…%`: an unanchored search of the event. */
export interface RegexPattern {
  kind: 'regex';
  regex: RegexLiteral;
}

/** A `%…%` regular expression, validated against CloudWatch's allowed syntax. */
export interface RegexLiteral {
  /** The text between the `%` signs, as written. */
  raw: string;
  /** The same expression in the syntax JavaScript and RE2 (DuckDB, Trino, ClickHouse) share. */
  source: string;
  position: number;
}

/** A space-delimited pattern `[a, b=…, ..., c]`. */
export interface DelimitedPattern {
  kind: 'delimited';
  items: DelimitedItem[];
}

/** One comma-separated item of a space-delimited pattern. */
export type DelimitedItem = EllipsisItem | FieldItem;

/** `...`: any number of event fields (zero or more). */
export interface EllipsisItem {
  kind: 'ellipsis';
  position: number;
}

/** One event field: optionally named (`$name`), optionally constrained by a condition. */
export interface FieldItem {
  kind: 'field';
  /** Undefined for an empty item (`[a,,b]` or a trailing comma): extracted as `$N`. */
  name: string | undefined;
  condition: FieldCondition | undefined;
  position: number;
}

/** Conditions on one field, combined with `&&` and `||` (`&&` binds tighter). */
export type FieldCondition =
  { kind: 'and'; items: FieldCondition[] } | { kind: 'or'; items: FieldCondition[] } | FieldComparison;

/** The comparison operators; `<`, `<=`, `>`, `>=` only take numbers. */
export type ComparisonOperator = '=' | '!=' | '<' | '<=' | '>' | '>=';

/** `name op value` in a space-delimited pattern. */
export interface FieldComparison {
  kind: 'compare';
  operator: ComparisonOperator;
  value: FieldValue;
  position: number;
}

/**
 * The right-hand side of a field comparison: a bare number compares numerically; a quoted or bare string
 * compares as text with `*` wildcards; a regex searches the field's text.
 */
export type FieldValue =
  | { kind: 'number'; value: number; text: string }
  | { kind: 'string'; value: string; quoted: boolean }
  | { kind: 'regex'; regex: RegexLiteral };

/** A JSON pattern `{ $.a.b = … }`. */
export interface JsonPattern {
  kind: 'json';
  expression: JsonExpression;
}

/** A JSON boolean expression: `&&`, `||`, parentheses, and the leaf tests. */
export type JsonExpression =
  | { kind: 'and'; items: JsonExpression[] }
  | { kind: 'or'; items: JsonExpression[] }
  | JsonComparison
  | JsonTest;

/** `SELECTOR op VALUE`. */
export interface JsonComparison {
  kind: 'compare';
  selector: JsonSelector;
  operator: ComparisonOperator;
  value: JsonValue;
  position: number;
}

/** `SELECTOR IS NULL | IS TRUE | IS FALSE | NOT EXISTS`. */
export interface JsonTest {
  kind: 'test';
  selector: JsonSelector;
  test: 'null' | 'true' | 'false' | 'not-exists';
  position: number;
}

/** A property selector: `$.a.b[0]`, `$.arr[*]`, `$.*`, `$.['key.with.dots']`. */
export interface JsonSelector {
  text: string;
  steps: JsonStep[];
}

/** One step of a selector. */
export type JsonStep = { kind: 'key'; key: string } | { kind: 'index'; index: number } | { kind: 'wildcard' };

/** The right-hand side of a JSON comparison; `exists` is the lone `*` of `{ $.latency = * }`. */
export type JsonValue =
  | { kind: 'number'; value: number; text: string }
  | { kind: 'string'; value: string; quoted: boolean }
  | { kind: 'regex'; regex: RegexLiteral }
  | { kind: 'exists' };

/** The terms that decide a match after CloudWatch's `?` rule, shared by every generator. */
export interface TermSemantics {
  /** Every one must occur. */
  all: string[];
  /** None may occur. */
  none: string[];
  /** At least one must occur (empty: no such condition). */
  any: string[];
}

/**
 * Applies CloudWatch's combination rule: plain terms are ANDed, `-` terms must be absent, and `?` terms form
 * an OR group that is ignored when any plain or `-` term is present (FPS: `?ERROR ?ARGUMENTS REQUEST` behaves
 * as `REQUEST`). A whitespace-only phrase (`" "`) matches every event (FPS "Match everything"), so it adds no
 * condition.
 */
export function termSemantics(pattern: TermsPattern): TermSemantics {
  const all: string[] = [];
  const none: string[] = [];
  const any: string[] = [];
  for (const term of pattern.terms) {
    if (term.role === 'required') {
      if (term.text.trim().length > 0) all.push(term.text);
    } else if (term.role === 'excluded') none.push(term.text);
    else any.push(term.text);
  }
  const hasPlainOrExcluded = pattern.terms.some((t) => t.role !== 'optional');
  return { all, none, any: hasPlainOrExcluded ? [] : any };
}

/** How the items of a space-delimited pattern line up with an event's fields. */
export interface DelimitedLayout {
  /** Items bound to the first fields, in order. */
  head: FieldItem[];
  /** Items bound to the last fields, in order; empty without an ellipsis. */
  tail: FieldItem[];
  /** True when the pattern has a `...`. */
  hasEllipsis: boolean;
}

/** Splits a delimited pattern around its (single) ellipsis. */
export function delimitedLayout(pattern: DelimitedPattern): DelimitedLayout {
  const index = pattern.items.findIndex((item) => item.kind === 'ellipsis');
  const fields = (items: DelimitedItem[]): FieldItem[] =>
    items.filter((item): item is FieldItem => item.kind === 'field');
  if (index < 0) return { head: fields(pattern.items), tail: [], hasEllipsis: false };
  return {
    head: fields(pattern.items.slice(0, index)),
    tail: fields(pattern.items.slice(index + 1)),
    hasEllipsis: true,
  };
}
