import {
  compileFlowSql,
  compileLineMatcher,
  jsonPatternOnFlowsError,
  parseFilterPattern,
} from './filter-pattern/index.js';

/** Compiles a CloudWatch filter pattern to an SQL condition on the flows table (DuckDB). */
export function filterPatternToFlowSql(pattern: string): string {
  return compileFlowSql(pattern);
}

/**
 * Compiles a CloudWatch filter pattern to a matcher of the raw lines of flow records. A JSON pattern is
 * refused here as in SQL: flow records are never JSON, so it would silently match nothing.
 */
export function filterPatternToLineMatcher(pattern: string): (line: string) => boolean {
  const ast = parseFilterPattern(pattern);
  if (ast.kind === 'json') throw jsonPatternOnFlowsError();
  const matcher = compileLineMatcher(ast);
  return (line) => matcher.test(line);
}
