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
  /** The length of the whole line when `text` is only its excerpt (see excerptIssue). */
  readonly textLength?: number;
}

/** The most characters of a bad line an issue keeps: a 50 MB line is kept as its first 1,000 characters and its length. */
export const ISSUE_TEXT_MAX = 1000;

/** The issue with its text cut to ISSUE_TEXT_MAX characters (ending in `…`) and the whole length recorded. */
export function excerptIssue(issue: ParseIssue): ParseIssue {
  if (issue.text.length <= ISSUE_TEXT_MAX) return issue;
  return { ...issue, text: `${issue.text.slice(0, ISSUE_TEXT_MAX - 1)}…`, textLength: issue.textLength ?? issue.text.length };
}

/** Renders an issue as one line a user can act on: `file:line: message`. */
export function formatIssue(issue: ParseIssue): string {
  return `${issue.file}:${issue.line}: ${issue.message}`;
}
