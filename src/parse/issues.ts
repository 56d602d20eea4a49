/** Why a line could not be parsed; tests and the rejects table use these codes. */
export type ParseIssueCode =
  | 'field-count'
  | 'bad-integer'
  | 'out-of-range'
  | 'bad-address'
  | 'bad-value'
  | 'bad-json'
  | 'corrupt-input';

/** One bad line: where it is, why it was refused, and its text, so users can inspect and fix it. */
export interface ParseIssue {
  readonly code: ParseIssueCode;
  readonly file: string;
  readonly line: number;
  readonly field?: string;
  readonly message: string;
  readonly text: string;
}

/** Renders an issue as one line a user can act on: `file:line: message`. */
export function formatIssue(issue: ParseIssue): string {
  return `${issue.file}:${issue.line}: ${issue.message}`;
}
