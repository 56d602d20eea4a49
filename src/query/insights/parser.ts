import type { BinaryOp, Command, Expr, InsightsQuery, NamedExpr } from './ast.js';
import { insightsError } from './errors.js';
import { tokenize } from './tokens.js';
import type { Token } from './tokens.js';

// Commands of newer Insights releases that flowlens does not run: a clean "unsupported" error, not a syntax error.
const UNSUPPORTED = new Set([
  'diff', 'addtotals', 'anomaly', 'filterindex', 'source', 'unnest', 'lookup', 'join', 'autoregress',
  'logcompare', 'filldown', 'fillmissing', 'cidrlookup', 'outlier', 'accum', 'appendcols', 'sessionize',
  'countfrequent', 'expand', 'relevantfields',
]);
const COMMANDS = ['fields', 'display', 'filter', 'where', 'stats', 'sort', 'limit', 'parse', 'dedup', 'pattern', 'unmask'];
const COMPARISONS = new Set(['=', '!=', '<', '<=', '>', '>=', '=~']);

const PERIOD_UNITS: readonly [RegExp, number][] = [
  [/^(milliseconds?|msec|ms)$/, 1],
  [/^(seconds?|secs?|s)$/, 1000],
  [/^(minutes?|mins?|m)$/, 60_000],
  [/^(hours?|hrs?|h)$/, 3_600_000],
  [/^(days?|d)$/, 86_400_000],
  [/^(weeks?|w)$/, 604_800_000],
  [/^(months?|mon|mo)$/, 2_592_000_000],
  [/^(quarters?|qtr|q)$/, 7_776_000_000],
  [/^(years?|yrs?|y)$/, 31_536_000_000],
];

/** Parses a Logs Insights query into commands; syntax errors say where and what was expected. */
export function parseInsights(text: string): InsightsQuery {
  return new Parser(text).parseQuery();
}

/** Parses one Insights expression, as written after `filter` (`action = "REJECT" and dstPort in [22, 3389]`). */
export function parseInsightsExpression(text: string): Expr {
  return new Parser(text).parseStandaloneExpr();
}

/** Milliseconds of a period such as `5m` or `1h`. */
export function periodMillis(text: string): number {
  const match = /^(\d+(?:\.\d+)?)([a-z]+)$/.exec(text);
  const unit = PERIOD_UNITS.find(([re]) => re.test(match?.[2] ?? ''));
  if (!match || !unit) throw new Error(`bad period ${text}`);
  return Number(match[1]) * unit[1];
}

class Parser {
  private readonly tokens: Token[];
  private index = 0;

  constructor(private readonly text: string) {
    this.tokens = tokenize(text);
  }

  parseQuery(): InsightsQuery {
    const commands: Command[] = [];
    if (this.peek().kind === 'eof') throw this.error('empty query: expected a command such as fields, filter or stats');
    for (;;) {
      const command = this.parseCommand();
      if (command) commands.push(command);
      const next = this.peek();
      if (next.kind === 'eof') break;
      if (!this.acceptOp('|')) throw this.error(`expected "|" before the next command, found ${describe(next)}`);
    }
    return { text: this.text, commands };
  }

  parseStandaloneExpr(): Expr {
    if (this.peek().kind === 'eof') throw this.error('empty expression: expected a condition such as action = "REJECT"');
    const expr = this.parseExpr();
    if (this.peek().kind !== 'eof') throw this.error(`expected the end of the expression, found ${describe(this.peek())}`);
    return expr;
  }

  private parseCommand(): Command | undefined {
    const token = this.peek();
    if (token.kind !== 'ident' || token.quoted) throw this.error(`expected a command (${COMMANDS.join(', ')}), found ${describe(token)}`);
    const name = token.text.toLowerCase();
    if (UNSUPPORTED.has(name)) {
      throw insightsError('unsupported', `the "${token.text}" command is not supported by flowlens`, this.text, token.pos, `supported commands: ${COMMANDS.join(', ')}`);
    }
    this.next();
    const pos = token.pos;
    switch (name) {
      case 'fields':
        return { kind: 'fields', items: this.parseNamedList(), pos };
      case 'display':
        return { kind: 'display', items: this.parseNamedList(), pos };
      case 'filter':
      case 'where':
        return { kind: 'filter', expr: this.parseExpr(), pos };
      case 'stats':
        return this.parseStats(pos);
      case 'sort':
        return this.parseSort(pos);
      case 'limit':
        return this.parseLimit(pos);
      case 'parse':
        return this.parseParse(pos);
      case 'dedup':
        return { kind: 'dedup', keys: this.parseList(() => this.parseExpr()), pos };
      case 'pattern':
        return { kind: 'pattern', source: this.parseExpr(), pos };
      case 'unmask':
        // Shows data a data-protection policy masked; nothing is masked locally.
        if (this.peek().kind !== 'eof' && !this.isOp('|')) this.parseExpr();
        return undefined;
      default:
        throw insightsError('syntax', `unknown command "${token.text}": expected ${COMMANDS.join(', ')}`, this.text, token.pos);
    }
  }

  private parseStats(pos: number): Command {
    const aggregates = this.parseList(() => this.parseNamed());
    let by: NamedExpr[] = [];
    if (this.acceptKeyword('by')) by = this.parseList(() => this.parseNamed());
    return { kind: 'stats', aggregates, by, pos };
  }

  private parseSort(pos: number): Command {
    this.acceptKeyword('by');
    const keys = this.parseList(() => {
      const expr = this.parseExpr();
      let desc = false;
      if (this.acceptKeyword('desc')) desc = true;
      else this.acceptKeyword('asc');
      return { expr, desc };
    });
    return { kind: 'sort', keys, pos };
  }

  private parseLimit(pos: number): Command {
    this.acceptKeyword('any');
    const token = this.next();
    if (token.kind !== 'number' || !/^\d+$/.test(token.text)) throw this.error(`expected a row count after "limit", found ${describe(token)}`, token);
    const count = Number(token.text);
    if (count < 1 || count > 100_000) {
      throw insightsError('syntax', `limit ${count} is out of range: expected 1 to 100000`, this.text, token.pos);
    }
    return { kind: 'limit', count, pos };
  }

  private parseParse(pos: number): Command {
    let source: Expr = { kind: 'field', name: '@message', pos, end: pos };
    if (this.peek().kind === 'ident') source = this.parsePrimary();
    const pattern = this.next();
    if (pattern.kind === 'string') {
      if (!this.acceptKeyword('as')) throw this.error('expected "as" and the names of the * parts after the parse pattern');
      const names = this.parseList(() => this.parseName());
      const stars = pattern.text.split('*').length - 1;
      if (stars !== names.length) {
        throw insightsError('syntax', `the parse pattern has ${stars} "*" but ${names.length} names follow "as"`, this.text, pattern.pos, 'give one name per *');
      }
      return { kind: 'parse', source, glob: pattern.text, regex: undefined, names, pos };
    }
    if (pattern.kind === 'regex') {
      const names = [...pattern.text.matchAll(/\(\?P?<([A-Za-z_][A-Za-z0-9_]*)>/g)].map((m) => m[1] ?? '');
      if (names.length === 0) {
        throw insightsError('syntax', 'the parse regex has no named group', this.text, pattern.pos, 'name what to extract: /(?<port>\\d+)/');
      }
      return { kind: 'parse', source, glob: undefined, regex: pattern.text, names, pos };
    }
    throw this.error(`expected a "glob with *" or a /regex/ after parse, found ${describe(pattern)}`, pattern);
  }

  private parseNamedList(): NamedExpr[] {
    return this.parseList(() => this.parseNamed());
  }

  private parseNamed(): NamedExpr {
    const start = this.peek().pos;
    const expr = this.parseExpr();
    const text = this.text.slice(start, this.previous().end).trim();
    const alias = this.acceptKeyword('as') ? this.parseName() : undefined;
    return { expr, alias, text };
  }

  private parseName(): string {
    const token = this.next();
    if (token.kind !== 'ident') throw this.error(`expected a name, found ${describe(token)}`, token);
    return token.text;
  }

  private parseList<T>(item: () => T): T[] {
    const items = [item()];
    while (this.acceptOp(',')) items.push(item());
    return items;
  }

  // Precedence, weakest first: or, and, not, comparison/like/in, + -, * / %, ^, unary -.
  private parseExpr(): Expr {
    return this.parseOr();
  }

  private parseOr(): Expr {
    let left = this.parseAnd();
    while (this.acceptKeyword('or')) left = binary('or', left, this.parseAnd());
    return left;
  }

  private parseAnd(): Expr {
    let left = this.parseNot();
    while (this.acceptKeyword('and')) left = binary('and', left, this.parseNot());
    return left;
  }

  private parseNot(): Expr {
    const token = this.peek();
    if (this.isKeyword('not') && !this.isKeywordAt(1, 'like') && !this.isKeywordAt(1, 'in')) {
      this.next();
      const expr = this.parseNot();
      return { kind: 'unary', op: 'not', expr, pos: token.pos, end: expr.end };
    }
    return this.parseComparison();
  }

  private parseComparison(): Expr {
    const left = this.parseAdditive();
    const token = this.peek();
    if (token.kind === 'op' && COMPARISONS.has(token.text)) {
      this.next();
      return binary(token.text as BinaryOp, left, this.parseAdditive());
    }
    const negated = this.isKeyword('not') && (this.isKeywordAt(1, 'like') || this.isKeywordAt(1, 'in'));
    if (negated) this.next();
    if (this.acceptKeyword('like')) return binary(negated ? 'not like' : 'like', left, this.parseAdditive());
    if (this.acceptKeyword('in')) {
      const open = this.next();
      if (open.kind !== 'op' || open.text !== '[') throw this.error(`expected "[" to start the list after "in", found ${describe(open)}`, open);
      const list = this.isOp(']') ? [] : this.parseList(() => this.parseAdditive());
      const close = this.next();
      if (close.kind !== 'op' || close.text !== ']') throw this.error(`expected "," or "]" in the "in" list, found ${describe(close)}`, close);
      return { kind: 'in', expr: left, list, negated, pos: left.pos, end: close.end };
    }
    if (negated) throw this.error('expected "like" or "in" after "not"');
    return left;
  }

  private parseAdditive(): Expr {
    let left = this.parseMultiplicative();
    while (this.isOp('+') || this.isOp('-')) left = binary(this.next().text as BinaryOp, left, this.parseMultiplicative());
    return left;
  }

  private parseMultiplicative(): Expr {
    let left = this.parsePower();
    while (this.isOp('*') || this.isOp('/') || this.isOp('%')) left = binary(this.next().text as BinaryOp, left, this.parsePower());
    return left;
  }

  private parsePower(): Expr {
    const left = this.parseUnary();
    if (this.isOp('^')) {
      this.next();
      return binary('^', left, this.parsePower());
    }
    return left;
  }

  private parseUnary(): Expr {
    const token = this.peek();
    if (this.isOp('-')) {
      this.next();
      const expr = this.parseUnary();
      if (expr.kind === 'number') return { ...expr, value: -expr.value, pos: token.pos };
      return { kind: 'unary', op: '-', expr, pos: token.pos, end: expr.end };
    }
    return this.parsePrimary();
  }

  private parsePrimary(): Expr {
    const token = this.next();
    const { pos, end } = token;
    switch (token.kind) {
      case 'string':
        return { kind: 'string', value: token.text, pos, end };
      case 'number':
        return { kind: 'number', value: Number(token.text), pos, end };
      case 'regex':
        return { kind: 'regex', pattern: token.text, pos, end };
      case 'period':
        return { kind: 'period', ms: periodMillis(token.text), text: token.text, pos, end };
      case 'ident':
        if (!token.quoted && this.isOp('(')) return this.parseCall(token);
        return { kind: 'field', name: token.text, pos, end };
      case 'op':
        if (token.text === '(') {
          const expr = this.parseExpr();
          const close = this.next();
          if (close.kind !== 'op' || close.text !== ')') throw this.error(`expected ")" to close the "(" at column ${pos + 1}, found ${describe(close)}`, close);
          return { ...expr, pos, end: close.end };
        }
        if (token.text === '*') return { kind: 'star', pos, end };
        break;
      default:
        break;
    }
    throw this.error(`expected a field, value or function, found ${describe(token)}`, token);
  }

  private parseCall(name: Token): Expr {
    this.next(); // (
    const args: Expr[] = [];
    if (!this.isOp(')')) {
      do args.push(this.parseExpr());
      while (this.acceptOp(','));
    }
    const close = this.next();
    if (close.kind !== 'op' || close.text !== ')') {
      throw this.error(`expected "," or ")" in the arguments of ${name.text}(), found ${describe(close)}`, close);
    }
    return { kind: 'call', name: name.text, args, pos: name.pos, end: close.end };
  }

  private peek(offset = 0): Token {
    return this.tokens[Math.min(this.index + offset, this.tokens.length - 1)] as Token;
  }

  private previous(): Token {
    return this.tokens[Math.max(0, this.index - 1)] as Token;
  }

  private next(): Token {
    const token = this.peek();
    if (this.index < this.tokens.length - 1) this.index++;
    return token;
  }

  private isOp(op: string): boolean {
    const token = this.peek();
    return token.kind === 'op' && token.text === op;
  }

  private acceptOp(op: string): boolean {
    if (!this.isOp(op)) return false;
    this.next();
    return true;
  }

  private isKeyword(word: string): boolean {
    return this.isKeywordAt(0, word);
  }

  private isKeywordAt(offset: number, word: string): boolean {
    const token = this.peek(offset);
    return token.kind === 'ident' && !token.quoted && token.text.toLowerCase() === word;
  }

  private acceptKeyword(word: string): boolean {
    if (!this.isKeyword(word)) return false;
    this.next();
    return true;
  }

  private error(message: string, token: Token = this.peek()): Error {
    return insightsError('syntax', message, this.text, token.pos);
  }
}

function binary(op: BinaryOp, left: Expr, right: Expr): Expr {
  return { kind: 'binary', op, left, right, pos: left.pos, end: right.end };
}

function describe(token: Token): string {
  if (token.kind === 'eof') return 'the end of the query';
  if (token.kind === 'string') return `"${token.text}"`;
  return `"${token.text}"`;
}
