import { QueryError } from '../../records/index.js';

/** Line and column (1-based) of an offset in the query text. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}

/** A QueryError pointing at a position of an Insights query: "… at line L, column C", the line and a caret as hint. */
export function insightsError(code: string, message: string, query: string, offset: number, hint?: string): QueryError {
  const { line, column } = lineColumn(query, offset);
  const source = query.split('\n')[line - 1] ?? '';
  const caret = `${source}\n${' '.repeat(Math.max(0, column - 1))}^`;
  return new QueryError(code, `${message} at line ${line}, column ${column}`, { hint: hint ? `${hint}\n${caret}` : caret, location: { line, column } });
}
