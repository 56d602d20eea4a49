import { UsageError } from '../records/index.js';

/** Compiles a CloudWatch filter pattern to an SQL condition on the flows table. */
export function filterPatternToFlowSql(pattern: string): string {
  throw new UsageError(`--filter-pattern "${pattern}" is not supported yet`);
}

/** Compiles a CloudWatch filter pattern to a matcher of raw log lines. */
export function filterPatternToLineMatcher(pattern: string): (line: string) => boolean {
  throw new UsageError(`--filter-pattern "${pattern}" is not supported yet`);
}
