import { redactSecrets } from './redact.js';

/** Options every flowlens error accepts: a hint telling the user what to do, and the underlying cause. */
export interface FlowlensErrorOptions {
  hint?: string | undefined;
  cause?: unknown;
}

/** The one error base class: a stable `code` tests assert on, a message, and an optional hint. */
export class FlowlensError extends Error {
  readonly code: string;
  readonly hint: string | undefined;

  constructor(code: string, message: string, options: FlowlensErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'FlowlensError';
    this.code = code;
    this.hint = options.hint;
  }
}

/** A usage error (bad option, bad argument): the CLI exits with code 2. */
export class UsageError extends FlowlensError {
  constructor(message: string, options: FlowlensErrorOptions = {}) {
    super('usage', message, options);
    this.name = 'UsageError';
  }
}

/** A parse failure that is fatal (with --strict, or a malformed format string). */
export class ParseError extends FlowlensError {
  override name = 'ParseError';
}

/** A source could not be listed or read (missing file, access denied, corrupt object). */
export class SourceError extends FlowlensError {
  override name = 'SourceError';
}

/** Where in a query's text an error is: 1-based line and column. */
export interface QueryPosition {
  line: number;
  column: number;
}

/** A query failed to compile or run; carries the SQL that was run, when there was one, and where in the query text the error is, when known. */
export class QueryError extends FlowlensError {
  override name = 'QueryError';
  readonly sql: string | undefined;
  readonly location: QueryPosition | undefined;

  constructor(code: string, message: string, options: FlowlensErrorOptions & { sql?: string; location?: QueryPosition | undefined } = {}) {
    super(code, message, options);
    this.sql = options.sql;
    this.location = options.location;
  }
}

/** Renders an error for a user: message, then the hint on its own line. */
export function formatError(error: unknown): string {
  // Secrets in URLs (a webhook's credentials or token) never reach the terminal, whoever built the message.
  if (error instanceof FlowlensError) {
    return redactSecrets(error.hint ? `error: ${error.message}\nhint: ${error.hint}` : `error: ${error.message}`);
  }
  return redactSecrets(`error: ${error instanceof Error ? error.message : String(error)}`);
}
