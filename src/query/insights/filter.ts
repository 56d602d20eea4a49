import type { SqlDialect } from '../../engines/index.js';
import { insightsError } from './errors.js';
import { compileExpr, isAggregateCall, toBoolean } from './expressions.js';
import type { InsightsSource } from './fields.js';
import { parseInsightsExpression } from './parser.js';

/** An Insights filter expression as one SQL condition over the source relation (alias `r`), and the columns it reads. */
export interface CompiledFilter {
  sql: string;
  /** Source columns the condition reads (`@timestamp` and other computed fields are listed by their Insights name). */
  columns: string[];
}

/**
 * Compiles only the expression of an Insights `filter` command (`dstPort = 443 and isIpv4InSubnet(srcAddr, "10.0.0.0/8")`)
 * to an SQL condition, with the same field names, functions and errors (line and column in `text`) as `flowlens insights`.
 */
export function compileInsightsFilter(text: string, options: { dialect: SqlDialect; source: InsightsSource }): CompiledFilter {
  const expr = parseInsightsExpression(text);
  if (isAggregateCall(expr)) throw insightsError('syntax', 'a filter cannot use an aggregate function such as sum() or count()', text, expr.pos);
  const columns = new Set<string>();
  const compiled = compileExpr(expr, {
    dialect: options.dialect,
    query: text,
    aggregate: false,
    resolve(name, pos) {
      const field = options.source.field(name, options.dialect);
      if (!field) {
        const known = options.source.fieldNames();
        throw insightsError('unknown-field', `unknown field "${name}"`, text, pos, `known fields: ${known.slice(0, 24).join(', ')}, …`);
      }
      columns.add(field.column ?? name);
      return field;
    },
  });
  return { sql: toBoolean(compiled, options.dialect), columns: [...columns] };
}
