export type { BinaryOp, Command, Expr, InsightsQuery, NamedExpr } from './ast.js';
export { parseInsights, periodMillis } from './parser.js';
export { tokenize } from './tokens.js';
export type { Token, TokenKind } from './tokens.js';
export { compileInsights, DEFAULT_LIMIT } from './compiler.js';
export type { CompiledInsights, CompileInsightsOptions } from './compiler.js';
export { eventsSource, flowsSource, insightsName } from './fields.js';
export type { InsightsSource, SourceField, ValueType } from './fields.js';
export { globToRegex, numberNamedGroups } from './regex.js';
