import type { AddressFamily, SqlDialect } from '../../engines/index.js';
import type { Expr } from './ast.js';
import { insightsError } from './errors.js';
import type { ValueType } from './fields.js';
import { checkRegex } from './regex.js';

/** A compiled expression: SQL text, its type, and the flows column when it is one unchanged. */
export interface Compiled {
  sql: string;
  type: ValueType;
  column?: string | undefined;
}

/** What compiling an expression needs: the dialect, the query text (for errors) and field resolution. */
export interface ExprContext {
  dialect: SqlDialect;
  query: string;
  /** Resolves a field name in the current stage; throws 'unknown-field' for unknown names. */
  resolve(name: string, pos: number): Compiled;
  /** True inside `stats`, where aggregate functions are allowed. */
  aggregate: boolean;
}

const AGGREGATES = new Set(['count', 'count_distinct', 'sum', 'avg', 'min', 'max', 'pct', 'percentile', 'stddev', 'earliest', 'latest', 'sortsfirst', 'sortslast']);

/** True when the expression uses an aggregate function (so it belongs in `stats`). */
export function isAggregateCall(expr: Expr): boolean {
  if (expr.kind === 'call') return AGGREGATES.has(expr.name.toLowerCase()) || expr.args.some(isAggregateCall);
  if (expr.kind === 'binary') return isAggregateCall(expr.left) || isAggregateCall(expr.right);
  if (expr.kind === 'unary') return isAggregateCall(expr.expr);
  return false;
}

/** Compiles an Insights expression to SQL through the dialect. */
export function compileExpr(expr: Expr, ctx: ExprContext): Compiled {
  const d = ctx.dialect;
  switch (expr.kind) {
    case 'field':
      return ctx.resolve(expr.name, expr.pos);
    case 'string':
      return { sql: d.literal(expr.value), type: 'string' };
    case 'number':
      return { sql: d.literal(expr.value), type: 'number' };
    case 'period':
      return { sql: d.literal(expr.ms), type: 'number' };
    case 'regex':
      throw insightsError('syntax', 'a /regex/ can only follow like, =~ or parse', ctx.query, expr.pos);
    case 'star':
      throw insightsError('syntax', '"*" is only allowed in count(*)', ctx.query, expr.pos);
    case 'unary': {
      const inner = compileExpr(expr.expr, ctx);
      if (expr.op === 'not') return { sql: `(NOT ${toBoolean(inner, ctx.dialect)})`, type: 'boolean' };
      return { sql: `(-${inner.sql})`, type: 'number' };
    }
    case 'in':
      return compileIn(expr, ctx);
    case 'binary':
      return compileBinary(expr, ctx);
    case 'call':
      return compileCall(expr, ctx);
  }
}

/** SQL for an expression used as a condition: booleans as they are, numbers as non-zero, other values as present. */
export function toBoolean(value: Compiled, dialect: SqlDialect): string {
  if (value.type === 'boolean') return value.sql;
  if (value.type === 'number') return `coalesce(${value.sql} <> 0, ${dialect.literal(false)})`;
  return `(${value.sql} IS NOT NULL)`;
}

function compileIn(expr: Extract<Expr, { kind: 'in' }>, ctx: ExprContext): Compiled {
  const value = compileExpr(expr.expr, ctx);
  const numeric = value.type === 'number' && expr.list.every((item) => item.kind === 'number' || (item.kind === 'string' && isNumeric(item.value)));
  const items = expr.list.map((item) => {
    if (item.kind !== 'number' && item.kind !== 'string') throw insightsError('syntax', 'expected a number or a string in the "in" list', ctx.query, item.pos);
    if (numeric) return ctx.dialect.literal(Number(item.kind === 'number' ? item.value : item.value));
    return ctx.dialect.literal(String(item.value));
  });
  if (items.length === 0) return { sql: ctx.dialect.literal(expr.negated), type: 'boolean' };
  const left = numeric || value.type === 'string' ? value.sql : ctx.dialect.toText(value.sql);
  return { sql: `(${left} ${expr.negated ? 'NOT IN' : 'IN'} (${items.join(', ')}))`, type: 'boolean' };
}

function compileBinary(expr: Extract<Expr, { kind: 'binary' }>, ctx: ExprContext): Compiled {
  const d = ctx.dialect;
  switch (expr.op) {
    case 'and':
    case 'or':
      return { sql: `(${toBoolean(compileExpr(expr.left, ctx), d)} ${expr.op.toUpperCase()} ${toBoolean(compileExpr(expr.right, ctx), d)})`, type: 'boolean' };
    case 'like':
    case 'not like':
    case '=~': {
      const left = compileExpr(expr.left, ctx);
      const text = left.type === 'string' ? left.sql : d.toText(left.sql);
      let test: string;
      if (expr.right.kind === 'regex') {
        checkRegex(expr.right.pattern, ctx.query, expr.right.pos);
        test = d.regexMatch(text, expr.right.pattern);
      } else if (expr.right.kind === 'string') {
        // `like "text"` is a case-sensitive substring test; `=~ "re"` treats the string as a regex.
        if (expr.op === '=~') checkRegex(expr.right.value, ctx.query, expr.right.pos);
        test = expr.op === '=~' ? d.regexMatch(text, expr.right.value) : d.contains(text, expr.right.value);
      } else {
        throw insightsError('syntax', `expected a "string" or /regex/ after ${expr.op}`, ctx.query, expr.right.pos);
      }
      const no = d.literal(false);
      return { sql: expr.op === 'not like' ? `(NOT coalesce(${test}, ${no}))` : `coalesce(${test}, ${no})`, type: 'boolean' };
    }
    case '=':
    case '!=':
    case '<':
    case '<=':
    case '>':
    case '>=': {
      const [left, right] = coerce(expr.left, expr.right, ctx);
      const op = expr.op === '!=' ? '<>' : expr.op;
      return { sql: `(${left} ${op} ${right})`, type: 'boolean' };
    }
    default: {
      const left = numeric(compileExpr(expr.left, ctx), d);
      const right = numeric(compileExpr(expr.right, ctx), d);
      if (expr.op === '/') return { sql: d.divide(left.sql, right.sql), type: 'number' };
      if (expr.op === '^') return { sql: d.power(left.sql, right.sql), type: 'number' };
      const type: ValueType = (expr.op === '+' || expr.op === '-') && left.type === 'timestamp' && right.type === 'number' ? 'timestamp' : 'number';
      return { sql: `(${left.sql} ${expr.op} ${right.sql})`, type };
    }
  }
}

/** Compares numbers as numbers (a numeric string literal counts as a number) and anything else as text. */
function coerce(leftExpr: Expr, rightExpr: Expr, ctx: ExprContext): [string, string] {
  const left = compileExpr(leftExpr, ctx);
  const right = compileExpr(rightExpr, ctx);
  const d = ctx.dialect;
  const numericLiteral = (e: Expr): boolean => e.kind === 'number' || (e.kind === 'string' && isNumeric(e.value));
  const asNumber = (e: Expr, c: Compiled): string => (e.kind === 'string' ? d.literal(Number(e.value)) : c.sql);
  const numberLike = (t: ValueType): boolean => t === 'number' || t === 'timestamp';
  if (numberLike(left.type) && (numberLike(right.type) || numericLiteral(rightExpr))) return [left.sql, asNumber(rightExpr, right)];
  if (numberLike(right.type) && numericLiteral(leftExpr)) return [asNumber(leftExpr, left), right.sql];
  // A value of unknown type (a JSON field) compared with a number is read as a number; text that is none fails the test.
  if (left.type === 'any' && (numberLike(right.type) || numericLiteral(rightExpr))) return [d.toNumber(left.sql), asNumber(rightExpr, right)];
  if (right.type === 'any' && (numberLike(left.type) || numericLiteral(leftExpr))) return [asNumber(leftExpr, left), d.toNumber(right.sql)];
  if (left.type === 'boolean' || right.type === 'boolean') return [left.sql, right.sql];
  const text = (c: Compiled, e: Expr): string => (c.type === 'string' ? c.sql : e.kind === 'number' ? d.literal(String(e.value)) : d.toText(c.sql));
  return [text(left, leftExpr), text(right, rightExpr)];
}

/** A value used in arithmetic: one of unknown type (a JSON field) read as a number. */
function numeric(value: Compiled, dialect: SqlDialect): Compiled {
  return value.type === 'any' ? { sql: dialect.toNumber(value.sql), type: 'number' } : value;
}

function isNumeric(text: string): boolean {
  return /^-?\d+(\.\d+)?$/.test(text.trim());
}

function compileCall(expr: Extract<Expr, { kind: 'call' }>, ctx: ExprContext): Compiled {
  const name = expr.name.toLowerCase();
  if (AGGREGATES.has(name)) return compileAggregate(expr, name, ctx);
  const d = ctx.dialect;
  const args = (): Compiled[] => expr.args.map((a) => compileExpr(a, ctx));
  const arity = (min: number, max = min): void => {
    if (expr.args.length < min || expr.args.length > max) {
      const want = min === max ? `${min}` : `${min} to ${max}`;
      throw insightsError('syntax', `${expr.name}() takes ${want} argument${max === 1 ? '' : 's'}, not ${expr.args.length}`, ctx.query, expr.pos);
    }
  };
  const one = (): Compiled => {
    arity(1);
    return compileExpr(expr.args[0] as Expr, ctx);
  };
  const text = (c: Compiled): string => (c.type === 'string' ? c.sql : d.toText(c.sql));
  const literalArg = (index: number, what: string): string => {
    const arg = expr.args[index];
    if (arg?.kind !== 'string') throw insightsError('syntax', `expected ${what} as a "string" literal in ${expr.name}()`, ctx.query, arg?.pos ?? expr.pos);
    return arg.value;
  };
  const periodArg = (index: number): number => {
    const arg = expr.args[index];
    if (arg?.kind !== 'period') throw insightsError('syntax', `expected a period such as 5m or 1h in ${expr.name}()`, ctx.query, arg?.pos ?? expr.end);
    return arg.ms;
  };
  switch (name) {
    case 'abs':
    case 'ceil':
    case 'floor':
    case 'sqrt':
      return { sql: `${name}(${one().sql})`, type: 'number' };
    case 'log':
      return { sql: d.ln(one().sql), type: 'number' };
    case 'greatest':
    case 'least': {
      const values = args();
      return { sql: `${name}(${values.map((v) => v.sql).join(', ')})`, type: values[0]?.type ?? 'any' };
    }
    case 'coalesce': {
      const values = args();
      return { sql: `coalesce(${values.map((v) => v.sql).join(', ')})`, type: values[0]?.type ?? 'any' };
    }
    case 'ispresent':
      return { sql: `(${one().sql} IS NOT NULL)`, type: 'boolean' };
    case 'isempty': {
      const v = one();
      return { sql: `(${v.sql} IS NULL OR ${text(v)} = '')`, type: 'boolean' };
    }
    case 'isblank': {
      const v = one();
      return { sql: `(${v.sql} IS NULL OR ${d.regexReplace(text(v), '\\s+', '')} = '')`, type: 'boolean' };
    }
    case 'concat':
      return { sql: d.concat(args().map((a) => a.sql)), type: 'string' };
    case 'strlen':
      return { sql: d.strlen(text(one())), type: 'number' };
    case 'toupper':
      return { sql: `upper(${text(one())})`, type: 'string' };
    case 'tolower':
      return { sql: `lower(${text(one())})`, type: 'string' };
    case 'ltrim':
    case 'rtrim':
    case 'trim': {
      arity(1, 2);
      const value = text(compileExpr(expr.args[0] as Expr, ctx));
      const set = expr.args.length === 2 ? `[${literalArg(1, 'the characters to trim').replace(/[\]\\^-]/g, '\\$&')}]+` : '\\s+';
      let sql = value;
      if (name !== 'rtrim') sql = d.regexReplace(sql, `^${set}`, '');
      if (name !== 'ltrim') sql = d.regexReplace(sql, `${set}$`, '');
      return { sql, type: 'string' };
    }
    case 'substr': {
      arity(2, 3);
      const [value, start, length] = args();
      // Insights counts from 0, SQL from 1.
      return { sql: d.substring(text(value as Compiled), `(${(start as Compiled).sql} + 1)`, length?.sql), type: 'string' };
    }
    case 'replace':
      arity(3);
      return { sql: d.replace(text(compileExpr(expr.args[0] as Expr, ctx)), literalArg(1, 'the text to find'), literalArg(2, 'the replacement')), type: 'string' };
    case 'strcontains':
      arity(2);
      return { sql: `CASE WHEN ${d.contains(text(compileExpr(expr.args[0] as Expr, ctx)), literalArg(1, 'the text to find'))} THEN 1 ELSE 0 END`, type: 'number' };
    case 'bin': {
      arity(1);
      periodArg(0);
      const period = expr.args[0] as Extract<Expr, { kind: 'period' }>;
      return { sql: d.timeBucket(ctx.resolve('@timestamp', expr.pos).sql, binMillis(period.text, period.ms)), type: 'timestamp' };
    }
    case 'datefloor':
    case 'dateceil': {
      arity(2);
      const ts = compileExpr(expr.args[0] as Expr, ctx).sql;
      const ms = periodArg(1);
      return { sql: name === 'datefloor' ? d.timeBucket(ts, ms) : d.timeBucket(`(${ts} + ${ms - 1})`, ms), type: 'timestamp' };
    }
    case 'frommillis':
      return { sql: one().sql, type: 'timestamp' };
    case 'tomillis':
      return { sql: one().sql, type: 'number' };
    case 'now':
      arity(0);
      return { sql: d.nowEpochSeconds(), type: 'number' };
    case 'isvalidip':
    case 'isvalidipv4':
    case 'isvalidipv6': {
      const family: AddressFamily = name === 'isvalidip' ? 'any' : name === 'isvalidipv4' ? 'ipv4' : 'ipv6';
      return { sql: d.isValidAddress(text(one()), family), type: 'boolean' };
    }
    case 'isipinsubnet':
    case 'isipv4insubnet':
    case 'isipv6insubnet':
      return compileSubnet(expr, name, ctx, literalArg, arity);
    default:
      throw insightsError('unsupported', `unknown function ${expr.name}()`, ctx.query, expr.pos, 'see docs/queries.md for the functions flowlens supports');
  }
}

function compileSubnet(
  expr: Extract<Expr, { kind: 'call' }>,
  name: string,
  ctx: ExprContext,
  literalArg: (index: number, what: string) => string,
  arity: (min: number, max?: number) => void,
): Compiled {
  arity(2);
  const family: AddressFamily = name === 'isipinsubnet' ? 'any' : name === 'isipv4insubnet' ? 'ipv4' : 'ipv6';
  const cidr = literalArg(1, 'the CIDR');
  const address = compileExpr(expr.args[0] as Expr, ctx);
  try {
    const sql = address.column
      ? ctx.dialect.addressInCidr(address.column, cidr, family)
      : ctx.dialect.textInCidr(address.type === 'string' ? address.sql : ctx.dialect.toText(address.sql), cidr, family);
    return { sql, type: 'boolean' };
  } catch (error) {
    throw insightsError('bad-cidr', (error as Error).message, ctx.query, (expr.args[1] as Expr).pos, 'write a CIDR such as "10.0.0.0/8" or "2001:db8::/32"');
  }
}

/** bin() caps its period per unit (QSx: ms ≤ 1000, s ≤ 60, m ≤ 60, h ≤ 24), so bin(300s) runs as 60 s. */
function binMillis(text: string, ms: number): number {
  const match = /^(\d+(?:\.\d+)?)([a-z]+)$/.exec(text);
  const count = Number(match?.[1] ?? 0);
  const unit = match?.[2] ?? '';
  const caps: [RegExp, number, number][] = [
    [/^(milliseconds?|msec|ms)$/, 1000, 1],
    [/^(seconds?|secs?|s)$/, 60, 1000],
    [/^(minutes?|mins?|m)$/, 60, 60_000],
    [/^(hours?|hrs?|h)$/, 24, 3_600_000],
  ];
  const cap = caps.find(([re]) => re.test(unit));
  return cap && count > cap[1] ? cap[1] * cap[2] : ms;
}

function compileAggregate(expr: Extract<Expr, { kind: 'call' }>, name: string, ctx: ExprContext): Compiled {
  if (!ctx.aggregate) {
    throw insightsError('syntax', `${expr.name}() is an aggregate function: use it in stats`, ctx.query, expr.pos);
  }
  const d = ctx.dialect;
  const inner: ExprContext = { ...ctx, aggregate: false };
  const arg = (index = 0): Compiled => {
    const a = expr.args[index];
    if (!a) throw insightsError('syntax', `${expr.name}() needs a field`, ctx.query, expr.end - 1);
    return compileExpr(a, inner);
  };
  switch (name) {
    case 'count': {
      const a = expr.args[0];
      if (!a || a.kind === 'star') return { sql: 'count(*)', type: 'number' };
      return { sql: `count(${arg().sql})`, type: 'number' };
    }
    case 'count_distinct':
      return { sql: d.countDistinct(arg().sql), type: 'number' };
    case 'sum':
    case 'avg':
      return { sql: `${name}(${numeric(arg(), d).sql})`, type: 'number' };
    case 'min':
    case 'max': {
      const a = arg();
      return { sql: `${name}(${a.sql})`, type: a.type };
    }
    case 'sortsfirst':
    case 'sortslast': {
      const a = arg();
      return { sql: `${name === 'sortsfirst' ? 'min' : 'max'}(${a.sql})`, type: a.type };
    }
    case 'stddev':
      return { sql: d.stddev(numeric(arg(), d).sql), type: 'number' };
    case 'pct':
    case 'percentile': {
      const p = expr.args[1];
      if (p?.kind !== 'number' || p.value < 0 || p.value > 100) {
        throw insightsError('syntax', `expected a percentile from 0 to 100 as the second argument of ${expr.name}()`, ctx.query, p?.pos ?? expr.end - 1);
      }
      return { sql: d.percentile(numeric(arg(), d).sql, p.value / 100), type: 'number' };
    }
    case 'earliest':
    case 'latest': {
      const a = arg();
      const ts = ctx.resolve('@timestamp', expr.pos).sql;
      return { sql: name === 'earliest' ? d.argMin(a.sql, ts) : d.argMax(a.sql, ts), type: a.type };
    }
    default:
      throw insightsError('unsupported', `unknown aggregate ${expr.name}()`, ctx.query, expr.pos);
  }
}
