import type { EnrichmentKind } from '../../enrich/index.js';
import { closestName } from '../../records/closest-name.js';
import type { SqlDialect } from '../../engines/index.js';
import type { Command, Expr, InsightsQuery, NamedExpr } from './ast.js';
import { insightsError } from './errors.js';
import { compileExpr, isAggregateCall, toBoolean } from './expressions.js';
import type { Compiled, ExprContext } from './expressions.js';
import type { InsightsSource, ValueType } from './fields.js';
import { naturalSortKeys } from './natural-sort.js';
import { markVariableTokens, numberTokens, severityLabel } from './pattern.js';
import { parseInsights } from './parser.js';
import { checkRegex, globToRegex, numberNamedGroups } from './regex.js';
import { ROLLUP_KEYS, rollupCondition, rollupTablesFor } from '../../store/rollups.js';

/** Rows an Insights query returns when it has no `limit` (QSx: the default is 10,000). */
export const DEFAULT_LIMIT = 10_000;

/** A compiled Insights query: the SQL and the output column names in order. */
export interface CompiledInsights {
  sql: string;
  columns: string[];
  /** The enrichment range tables the query joins (fields such as dstAsName), which the store must hold. */
  enrichment?: EnrichmentKind[];
}

/** Options for compiling: the dialect and where the records are. */
export interface CompileInsightsOptions {
  dialect: SqlDialect;
  source: InsightsSource;
}

interface Stage {
  /** The relation rows come from (a table or CTE name, quoted), always aliased `r`. */
  from: string;
  where: string[];
  /** Names defined by fields/parse/stats, over the relation. */
  scope: Map<string, Compiled>;
  /** True while source fields (srcAddr, @timestamp, …) can still be read from the table. */
  base: boolean;
  order: { sql: string; desc: boolean }[];
  limit: number | undefined;
}

/**
 * Compiles a Logs Insights query (text or parsed) to one SQL statement: base fields read straight from the table,
 * `stats` and `dedup` become nested SELECTs, `sort`/`limit` the final ORDER BY/LIMIT. Timestamps print as Insights prints them.
 */
export function compileInsights(query: string | InsightsQuery, options: CompileInsightsOptions): CompiledInsights {
  return new Compiler(typeof query === 'string' ? parseInsights(query) : query, options).compile();
}

class Compiler {
  private readonly dialect: SqlDialect;
  private stage: Stage;
  private fieldsShown: string[] = [];
  private display: NamedExpr[] | undefined;
  private statsOutputs: string[] | undefined;
  private readonly referenced: Set<string>;
  /** Source fields read so far (a stats on rollups needs every one to be a rollup key). */
  private readonly sourceFieldsRead = new Set<string>();
  /** Index of the command being compiled. */
  private position = 0;

  constructor(
    private readonly query: InsightsQuery,
    private readonly options: CompileInsightsOptions,
  ) {
    this.dialect = options.dialect;
    const where = options.source.where ? [options.source.where] : [];
    this.stage = { from: options.source.from ?? this.dialect.quoteIdentifier(options.source.table), where, scope: new Map(), base: true, order: [], limit: undefined };
    this.referenced = collectFieldNames(query.commands);
  }

  compile(): CompiledInsights {
    for (const [index, command] of this.query.commands.entries()) {
      this.position = index;
      this.apply(command);
    }
    return this.finish();
  }

  private apply(command: Command): void {
    switch (command.kind) {
      case 'filter':
        this.beforeRowChange();
        this.stage.where.push(toBoolean(this.expr(command.expr), this.dialect));
        return;
      case 'fields':
        for (const item of command.items) this.fieldsShown.push(this.define(item));
        return;
      case 'display':
        for (const item of command.items) this.expr(item.expr);
        this.display = command.items;
        return;
      case 'parse':
        this.parse(command);
        return;
      case 'stats':
        this.stats(command);
        return;
      case 'sort':
        this.beforeRowChange();
        this.stage.order = command.keys.flatMap((key) => this.sortKeys(key.expr).map((sql) => ({ sql, desc: key.desc })));
        return;
      case 'limit':
        this.stage.limit = Math.min(command.count, this.stage.limit ?? command.count);
        return;
      case 'dedup':
        this.dedup(command.keys);
        return;
      case 'pattern':
        this.pattern(command.source);
        return;
    }
  }

  /** ORDER BY keys of a sort expression: numbers and times as they are, text in Insights' natural order. */
  private sortKeys(expr: Expr): string[] {
    const value = this.expr(expr);
    if (value.type !== 'string' && value.type !== 'any') return [value.sql];
    return naturalSortKeys(value.type === 'string' ? value.sql : this.dialect.toText(value.sql), this.dialect);
  }

  /** Defines a `fields` item in the scope and returns its output name. */
  private define(item: NamedExpr): string {
    const value = this.expr(item.expr);
    const name = item.alias ?? (item.expr.kind === 'field' ? item.expr.name : item.text);
    if (item.alias !== undefined || item.expr.kind !== 'field') this.stage.scope.set(name, value);
    return name;
  }

  private parse(command: Extract<Command, { kind: 'parse' }>): void {
    const source = this.expr(command.source);
    const text = source.type === 'string' ? source.sql : this.dialect.toText(source.sql);
    let pattern: string;
    let groups: Map<string, number>;
    if (command.regex !== undefined) {
      checkRegex(command.regex, this.query.text, command.pos);
      ({ pattern, groups } = numberNamedGroups(command.regex));
    } else {
      pattern = globToRegex(command.glob ?? '');
      groups = new Map(command.names.map((name, i) => [name, i + 1]));
    }
    for (const name of command.names) {
      this.stage.scope.set(name, { sql: this.dialect.regexExtract(text, pattern, groups.get(name) ?? 1), type: 'string' });
      if (!this.fieldsShown.includes(name)) this.fieldsShown.push(name);
    }
  }

  private stats(command: Extract<Command, { kind: 'stats' }>): void {
    this.beforeRowChange();
    const compileParts = (rollup: boolean) => ({
      groups: command.by.map((item) => ({ name: outputName(item), value: this.expr(item.expr) })),
      aggregates: command.aggregates.map((item) => {
        if (!isAggregateCall(item.expr)) {
          throw insightsError('syntax', `expected an aggregate function such as count(*), sum(field) or avg(field) in stats, found "${item.text}"`, this.query.text, item.expr.pos);
        }
        return { name: outputName(item), value: (rollup ? this.rollupAggregate(item.expr) : undefined) ?? this.expr(item.expr, true) };
      }),
    });
    // Compiled for the rollups first when they may answer; kept only if every field read (bin() reads @timestamp) is a rollup key.
    const rollup = this.rollupFor(command) ? this.rollupTable(compileParts(true), command) : undefined;
    if (rollup) this.stage = { ...this.stage, from: rollup.table, where: rollup.where };
    const { groups, aggregates } = rollup?.parts ?? compileParts(false);
    const columns = [...groups, ...aggregates].map((c) => `${c.value.sql} AS ${this.dialect.quoteIdentifier(c.name)}`);
    const groupBy = groups.length ? `\nGROUP BY ${groups.map((g) => g.value.sql).join(', ')}` : '';
    const name = this.addCte(`SELECT ${columns.join(', ')}\nFROM ${this.stage.from} AS r${this.whereClause()}${groupBy}`);
    const scope = new Map<string, Compiled>();
    for (const c of [...groups, ...aggregates]) scope.set(c.name, { sql: `r.${this.dialect.quoteIdentifier(c.name)}`, type: c.value.type });
    this.stage = { from: name, where: [], scope, base: false, order: [], limit: undefined };
    this.statsOutputs = [...groups, ...aggregates].map((c) => c.name);
    this.fieldsShown = [];
    // Without a sort, stats rows come ordered by their groups (Insights leaves the order unspecified).
    this.stage.order = groups.map((g) => ({ sql: `r.${this.dialect.quoteIdentifier(g.name)}`, desc: false }));
  }

  /**
   * The rollup table and conditions a `stats` can read instead of the flows table: when it is the first row change
   * on the store's flows, every field read so far and grouped by is a rollup key (dstport picks the ports rollup),
   * the selection is on whole hours, and every aggregate is count(*) or sum(bytes|packets).
   */
  private rollupFor(command: Extract<Command, { kind: 'stats' }>): boolean {
    const source = this.options.source;
    if (!this.dialect.rollups || !source.flows || !this.stage.base || this.stage.scope.size > 0 || this.stage.limit !== undefined) return false;
    return rollupCondition(source.where) !== undefined && command.aggregates.every((item) => this.rollupAggregate(item.expr));
  }

  /** The rollup table and conditions for compiled stats parts, when every source field read so far is a rollup key. */
  private rollupTable<T>(parts: T, command: Extract<Command, { kind: 'stats' }>): { table: string; where: string[]; parts: T } | undefined {
    const rollups = this.dialect.rollups;
    const source = this.options.source;
    const condition = rollupCondition(source.where);
    if (!rollups || condition === undefined) return undefined;
    const columns = new Set<string>();
    for (const name of this.sourceFieldsRead) {
      const field = source.field(name, this.dialect);
      if (field?.onRollups && source.rollupFrom) continue;
      const column = field?.column;
      if (column === undefined || !ROLLUP_KEYS.ports.includes(column)) return undefined;
      columns.add(column);
    }
    const filters = this.stage.where.slice(source.where ? 1 : 0);
    const selection = condition === 'TRUE' ? [] : [condition];
    // Without a time window the whole-store level answers (one row per key instead of per unit and hour).
    const tables = rollupTablesFor(rollups, condition);
    const relation = (table: string): string => (source.rollupFrom ? source.rollupFrom(table) : this.dialect.quoteIdentifier(table));
    if (!columns.has('dstport')) return { table: relation(tables.pairs), where: [...selection, ...filters], parts };
    const bound = filters.length === 0 ? this.firstGroupsBound(command, selection, tables.pairs) : undefined;
    return { table: relation(tables.ports), where: [...selection, ...filters, ...(bound ? [bound] : [])], parts };
  }

  /**
   * Top-N through the aggregation, for a stats by dstPort whose rows come out in group order and are cut by the
   * limit (nothing but `limit` follows; Insights shows 10,000 rows by default). Each pairs-rollup row knows how many
   * distinct dstports its key had (port_keys: in its unit and hour, or in the whole store), so for every value of the
   * first group key, the largest port_keys is a lower bound of its groups. The first value whose running sum of bounds reaches the limit bounds
   * the rows that can be shown: the ports rollup rows beyond it are not aggregated. Undefined when it cannot apply.
   */
  private firstGroupsBound(command: Extract<Command, { kind: 'stats' }>, selection: readonly string[], pairs: string): string | undefined {
    const rest = this.query.commands.slice(this.position + 1);
    if (!rest.every((c) => c.kind === 'limit')) return undefined;
    const first = command.by[0]?.expr;
    const column = first?.kind === 'field' ? this.options.source.field(first.name, this.dialect)?.column : undefined;
    if (column === undefined || !['srcaddr', 'dstaddr', 'protocol', 'action', 'log_status'].includes(column)) return undefined;
    const limits = rest.map((c) => (c.kind === 'limit' ? c.count : DEFAULT_LIMIT));
    const limit = limits.length ? Math.min(...limits) : DEFAULT_LIMIT;
    const key = this.dialect.quoteIdentifier(column);
    const where = [...selection, `${key} IS NOT NULL`].join(' AND ');
    // Rows with a null first key sort last: beyond the bound whenever there is one, kept (with all rows) otherwise.
    const boundSql = `(SELECT ${key} FROM (SELECT ${key}, sum(lower_bound) OVER (ORDER BY ${key} ROWS UNBOUNDED PRECEDING) AS reached
  FROM (SELECT ${key}, max(port_keys) AS lower_bound FROM ${this.dialect.quoteIdentifier(pairs)} WHERE ${where} GROUP BY ${key}))
  WHERE reached >= ${limit} ORDER BY ${key} LIMIT 1)`;
    return `coalesce(r.${key} <= ${boundSql}, ${boundSql} IS NULL)`;
  }

  /** count(*) and sum(bytes|packets) over rollup rows (which carry flows, packets and bytes sums); else undefined. */
  private rollupAggregate(expr: Expr): Compiled | undefined {
    if (expr.kind !== 'call') return undefined;
    const name = expr.name.toLowerCase();
    const arg = expr.args[0];
    if (name === 'count' && expr.args.length <= 1 && (arg === undefined || arg.kind === 'star')) {
      return { sql: `coalesce(sum(r.${this.dialect.quoteIdentifier('flows')}), 0)::BIGINT`, type: 'number' };
    }
    if (name !== 'sum' || expr.args.length !== 1 || arg?.kind !== 'field') return undefined;
    const column = this.options.source.field(arg.name, this.dialect)?.column;
    return column === 'bytes' || column === 'packets' ? { sql: `sum(r.${this.dialect.quoteIdentifier(column)})`, type: 'number' } : undefined;
  }

  /**
   * `pattern f` groups the rows by f with its variable tokens replaced (pattern.ts), like a stats: @pattern with the
   * tokens numbered, @ratio (of the rows that have f), @sampleCount and @severityLabel, most frequent first.
   */
  private pattern(source: Expr): void {
    this.beforeRowChange();
    const value = this.expr(source);
    const text = value.type === 'string' ? value.sql : this.dialect.toText(value.sql);
    const q = (name: string): string => this.dialect.quoteIdentifier(name);
    this.stage.where.push(`${text} IS NOT NULL`);
    const total = `(SELECT count(*) FROM ${this.stage.from} AS r${this.whereClause()})`;
    const marked = markVariableTokens(text, this.dialect);
    const grouped = this.addCte(`SELECT ${marked} AS ${q('marked')}, count(*) AS ${q('@sampleCount')}\nFROM ${this.stage.from} AS r${this.whereClause()}\nGROUP BY ${marked}`);
    const columns = [
      `${numberTokens(`r.${q('marked')}`, this.dialect)} AS ${q('@pattern')}`,
      `${this.dialect.divide(`r.${q('@sampleCount')}`, total)} AS ${q('@ratio')}`,
      `r.${q('@sampleCount')} AS ${q('@sampleCount')}`,
      `${severityLabel(`r.${q('marked')}`, this.dialect)} AS ${q('@severityLabel')}`,
    ];
    const name = this.addCte(`SELECT ${columns.join(', ')}\nFROM ${grouped} AS r`);
    const outputs = ['@pattern', '@ratio', '@sampleCount', '@severityLabel'];
    const types: Record<string, ValueType> = { '@pattern': 'string', '@ratio': 'number', '@sampleCount': 'number', '@severityLabel': 'string' };
    const scope = new Map<string, Compiled>(outputs.map((o) => [o, { sql: `r.${q(o)}`, type: types[o] ?? 'string' }]));
    const order = [
      { sql: `r.${q('@sampleCount')}`, desc: true },
      { sql: `r.${q('@pattern')}`, desc: false },
    ];
    this.stage = { from: name, where: [], scope, base: false, order, limit: undefined };
    this.statsOutputs = outputs;
    this.fieldsShown = [];
  }

  /** dedup keeps the first row per key in the current order (@timestamp desc when none); rows with a null key stay. */
  private dedup(keys: readonly Expr[]): void {
    const keySql = keys.map((k) => this.expr(k).sql);
    if (this.stage.order.length === 0) this.stage.order = this.defaultOrder();
    const names = this.materializedNames();
    const columns = names.map((n) => ({ name: n, value: this.resolve(n, 0) }));
    const sortColumns = this.stage.order.map((o, i) => ({ name: `__sort${i + 1}`, sql: o.sql, desc: o.desc }));
    const select = [...columns.map((c) => `${c.value.sql} AS ${this.dialect.quoteIdentifier(c.name)}`), ...sortColumns.map((s) => `${s.sql} AS ${this.dialect.quoteIdentifier(s.name)}`)];
    const orderBy = this.stage.order.map((o) => `${o.sql} ${o.desc ? 'DESC' : 'ASC'}`).join(', ');
    const sql = this.dialect.firstRowPerKey({
      columns: select,
      names: [...columns.map((c) => c.name), ...sortColumns.map((s) => s.name)],
      from: `${this.stage.from} AS r`,
      where: this.stage.where.length ? this.stage.where.map((w) => `(${w})`).join(' AND ') : this.dialect.literal(true),
      keys: keySql,
      orderBy,
    });
    const name = this.addCte(sql);
    const scope = new Map<string, Compiled>();
    for (const c of columns) scope.set(c.name, { sql: `r.${this.dialect.quoteIdentifier(c.name)}`, type: c.value.type });
    const order = sortColumns.map((s) => ({ sql: `r.${this.dialect.quoteIdentifier(s.name)}`, desc: s.desc }));
    this.stage = { from: name, where: [], scope, base: false, order, limit: this.stage.limit };
  }

  /** A filter, sort, stats or dedup after a `limit` applies to the limited rows: close the stage first. */
  private beforeRowChange(): void {
    if (this.stage.limit === undefined) return;
    const names = this.materializedNames();
    const columns = names.map((n) => ({ name: n, value: this.resolve(n, 0) }));
    const select = columns.map((c) => `${c.value.sql} AS ${this.dialect.quoteIdentifier(c.name)}`).join(', ');
    const name = this.addCte(`SELECT ${select}\nFROM ${this.stage.from} AS r${this.whereClause()}${this.orderClause()}\n${this.dialect.limit(this.stage.limit)}`);
    const scope = new Map<string, Compiled>();
    for (const c of columns) scope.set(c.name, { sql: `r.${this.dialect.quoteIdentifier(c.name)}`, type: c.value.type });
    this.stage = { from: name, where: [], scope, base: false, order: [], limit: undefined };
  }

  private finish(): CompiledInsights {
    const outputs = this.outputs();
    const select = outputs.map(({ name, value }) => {
      const sql = value.type === 'timestamp' ? this.dialect.formatEpochMillis(value.sql) : value.sql;
      return `${sql} AS ${this.dialect.quoteIdentifier(name)}`;
    });
    if (this.stage.order.length === 0 && this.statsOutputs === undefined) this.stage.order = this.defaultOrder();
    const limit = this.dialect.limit(this.stage.limit ?? DEFAULT_LIMIT);
    const body = `SELECT ${select.join(', ')}\nFROM ${this.stage.from} AS r${this.whereClause()}${this.orderClause()}\n${limit}`;
    return { sql: body, columns: outputs.map((o) => o.name) };
  }

  /** The output columns: display, else stats outputs and later fields, else fields and parse names, else @timestamp and @message. */
  private outputs(): { name: string; value: Compiled }[] {
    if (this.display) return this.display.map((item) => ({ name: outputName(item), value: this.expr(item.expr) }));
    const names: string[] = [];
    if (this.statsOutputs) names.push(...this.statsOutputs);
    else if (this.fieldsShown.length === 0 || this.fieldsShown.every((n) => this.isParseName(n))) names.push('@timestamp', '@message');
    for (const name of this.fieldsShown) if (!names.includes(name)) names.push(name);
    return names.map((name) => ({ name, value: this.resolve(name, 0) }));
  }

  private isParseName(name: string): boolean {
    return this.query.commands.some((c) => c.kind === 'parse' && c.names.includes(name));
  }

  /** Names a CTE must carry: everything defined, plus source fields the query reads later or shows. */
  private materializedNames(): string[] {
    const names = new Set(this.stage.scope.keys());
    if (this.stage.base) {
      for (const name of ['@timestamp', '@message', ...this.referenced]) {
        if (this.options.source.field(name, this.dialect)) names.add(name);
      }
    }
    return [...names];
  }

  private defaultOrder(): { sql: string; desc: boolean }[] {
    const timestamp = this.tryResolve('@timestamp');
    return timestamp ? [{ sql: timestamp.sql, desc: true }] : [];
  }

  private expr(expr: Expr, aggregate = false): Compiled {
    const ctx: ExprContext = { dialect: this.dialect, query: this.query.text, resolve: (name, pos) => this.resolve(name, pos), aggregate };
    return compileExpr(expr, ctx);
  }

  private tryResolve(name: string): Compiled | undefined {
    const defined = this.stage.scope.get(name);
    if (defined) return defined;
    if (!this.stage.base) return undefined;
    const field = this.options.source.field(name, this.dialect);
    if (field) this.sourceFieldsRead.add(name);
    return field;
  }

  private resolve(name: string, pos: number): Compiled {
    const found = this.tryResolve(name);
    if (found) return found;
    const known = this.stage.base ? [...this.stage.scope.keys(), ...this.options.source.fieldNames()] : [...this.stage.scope.keys()];
    const suggestion = closest(name, known);
    const hint = suggestion ? `did you mean ${suggestion}?` : `known fields: ${known.slice(0, 20).join(', ')}${known.length > 20 ? ', …' : ''}`;
    const where = this.stage.base ? '' : ' after stats (only the stats results exist there)';
    throw insightsError('unknown-field', `unknown field "${name}"${where}`, this.query.text, pos, hint);
  }

  /** A stage's SELECT as a derived table (not a CTE: old ClickHouse releases have no WITH … AS (subquery)). */
  private addCte(sql: string): string {
    return `(\n${sql}\n)`;
  }

  private whereClause(): string {
    return this.stage.where.length ? `\nWHERE ${this.stage.where.map((w) => `(${w})`).join(' AND ')}` : '';
  }

  private orderClause(): string {
    if (this.stage.order.length === 0) return '';
    return `\nORDER BY ${this.stage.order.map((o) => `${o.sql} ${o.desc ? 'DESC' : 'ASC'} NULLS LAST`).join(', ')}`;
  }
}

/** The column name of a named expression: its alias, a field's name, else the expression text (`count(*)`). */
function outputName(item: NamedExpr): string {
  if (item.alias !== undefined) return item.alias;
  return item.expr.kind === 'field' ? item.expr.name : item.text;
}

function collectFieldNames(commands: readonly Command[]): Set<string> {
  const names = new Set<string>();
  const visit = (expr: Expr): void => {
    if (expr.kind === 'field') names.add(expr.name);
    else if (expr.kind === 'call') expr.args.forEach(visit);
    else if (expr.kind === 'unary') visit(expr.expr);
    else if (expr.kind === 'binary') {
      visit(expr.left);
      visit(expr.right);
    } else if (expr.kind === 'in') visit(expr.expr);
  };
  for (const command of commands) {
    if (command.kind === 'fields' || command.kind === 'display') command.items.forEach((i) => visit(i.expr));
    else if (command.kind === 'filter') visit(command.expr);
    else if (command.kind === 'stats') [...command.aggregates, ...command.by].forEach((i) => visit(i.expr));
    else if (command.kind === 'sort') command.keys.forEach((k) => visit(k.expr));
    else if (command.kind === 'dedup') command.keys.forEach(visit);
    else if (command.kind === 'parse' || command.kind === 'pattern') visit(command.source);
  }
  return names;
}

/** The known name closest to a misspelt one (case-insensitive edit distance ≤ 2), if any. */
function closest(name: string, known: readonly string[]): string | undefined {
  return closestName(name, known, 2);
}

export type { ValueType };
