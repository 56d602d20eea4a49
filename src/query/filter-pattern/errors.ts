import { QueryError } from '../../records/index.js';

/** A filter pattern that does not parse: code `syntax`, the 0-based offset, and what the parser expected there. */
export class FilterPatternSyntaxError extends QueryError {
  override name = 'FilterPatternSyntaxError';
  /** 0-based offset into the pattern where the problem is; the message shows it 1-based as a column. */
  readonly position: number;
  /** What would have been valid at `position`, e.g. `"]" or ","`. */
  readonly expected: string;

  constructor(
    pattern: string,
    position: number,
    expected: string,
    options: { found?: string; hint?: string } = {},
  ) {
    const found = options.found ?? describeFound(pattern, position);
    super('syntax', `filter pattern, column ${position + 1}: expected ${expected}, found ${found}`, {
      hint: options.hint ?? pointAt(pattern, position),
    });
    this.position = position;
    this.expected = expected;
  }
}

/** The message for a JSON pattern used where only flow records are read. */
export function jsonPatternOnFlowsError(): QueryError {
  return new QueryError(
    'unsupported-pattern',
    'a JSON filter pattern ({ $.field = … }) cannot match VPC flow log records: they are space-delimited text, not JSON',
    {
      hint: 'use a space-delimited pattern, e.g. [version, account, eni, source, destination, srcport, destport=22, protocol=6, ...], or terms such as REJECT',
    },
  );
}

function describeFound(pattern: string, position: number): string {
  if (position >= pattern.length) return 'the end of the pattern';
  const rest = pattern.slice(position);
  const token = /^\S{1,12}/.exec(rest)?.[0] ?? JSON.stringify(rest[0]);
  return JSON.stringify(token);
}

/** A one-line pointer: the pattern (shortened around the position) with the problem marked by `⟨here⟩`. */
function pointAt(pattern: string, position: number): string {
  const start = Math.max(0, position - 30);
  const end = Math.min(pattern.length, position + 30);
  const before = `${start > 0 ? '…' : ''}${pattern.slice(start, position)}`;
  const after = `${pattern.slice(position, end)}${end < pattern.length ? '…' : ''}`;
  return `at: ${before}⟨here⟩${after}`;
}
