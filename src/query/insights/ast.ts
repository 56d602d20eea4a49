/** An Insights expression; `pos`/`end` are offsets in the query text. */
export type Expr =
  | { kind: 'field'; name: string; pos: number; end: number }
  | { kind: 'string'; value: string; pos: number; end: number }
  | { kind: 'number'; value: number; pos: number; end: number }
  | { kind: 'regex'; pattern: string; pos: number; end: number }
  | { kind: 'period'; ms: number; text: string; pos: number; end: number }
  | { kind: 'star'; pos: number; end: number }
  | { kind: 'call'; name: string; args: Expr[]; pos: number; end: number }
  | { kind: 'unary'; op: 'not' | '-'; expr: Expr; pos: number; end: number }
  | { kind: 'binary'; op: BinaryOp; left: Expr; right: Expr; pos: number; end: number }
  | { kind: 'in'; expr: Expr; list: Expr[]; negated: boolean; pos: number; end: number };

/** Binary operators, from `or` (weakest) to `^`. */
export type BinaryOp =
  | 'or' | 'and'
  | '=' | '!=' | '<' | '<=' | '>' | '>=' | 'like' | 'not like' | '=~'
  | '+' | '-' | '*' | '/' | '%' | '^';

/** An expression with an optional `as` name and its source text (the column name when unaliased). */
export interface NamedExpr {
  expr: Expr;
  alias: string | undefined;
  text: string;
}

/** One command of the pipeline. */
export type Command =
  | { kind: 'fields'; items: NamedExpr[]; pos: number }
  | { kind: 'display'; items: NamedExpr[]; pos: number }
  | { kind: 'filter'; expr: Expr; pos: number }
  | { kind: 'stats'; aggregates: NamedExpr[]; by: NamedExpr[]; pos: number }
  | { kind: 'sort'; keys: { expr: Expr; desc: boolean }[]; pos: number }
  | { kind: 'limit'; count: number; pos: number }
  | { kind: 'parse'; source: Expr; glob: string | undefined; regex: string | undefined; names: string[]; pos: number }
  | { kind: 'dedup'; keys: Expr[]; pos: number }
  | { kind: 'pattern'; source: Expr; pos: number };

/** A parsed query: its commands in order and the original text (for error positions). */
export interface InsightsQuery {
  text: string;
  commands: Command[];
}
