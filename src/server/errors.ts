import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { FlowlensError, QueryError, redactSecrets } from '../records/index.js';
import type { ErrorResponse } from './protocol.js';

const STATUS_OF_CODE: Record<string, ContentfulStatusCode> = {
  'bad-request': 400,
  usage: 400,
  'no-key': 400,
  syntax: 400,
  'not-found': 404,
  // The database lacks the range tables a question needs: run `flowlens enrich` on it.
  'enrich-missing': 409,
};

/** An error with the HTTP status to answer with (e.g. a user's query that fails: 400 whatever its code). */
export class HttpError extends FlowlensError {
  override name = 'HttpError';
  readonly position: ErrorResponse['position'];

  constructor(
    readonly status: ContentfulStatusCode,
    code: string,
    message: string,
    options: { hint?: string | undefined; cause?: unknown; position?: ErrorResponse['position'] } = {},
  ) {
    super(code, message, options);
    this.position = options.position;
  }

  /** The same error answered with `status` (keeping code, hint and a QueryError's position). */
  static from(error: FlowlensError, status: ContentfulStatusCode): HttpError {
    const position = error instanceof QueryError ? error.location : undefined;
    return new HttpError(status, error.code, error.message, { hint: error.hint, cause: error, position });
  }
}

/** Maps any error to `{error, code, hint}` JSON: flowlens errors the client caused get 4xx, everything else 500. */
export function errorResponse(error: unknown, c: Context): Response {
  if (error instanceof FlowlensError) {
    const status = error instanceof HttpError ? error.status : (STATUS_OF_CODE[error.code] ?? 500);
    const body: ErrorResponse = { error: redactSecrets(error.message), code: error.code };
    if (error.hint) body.hint = redactSecrets(error.hint);
    if (error instanceof HttpError && error.position) body.position = error.position;
    return c.json(body, status);
  }
  const body: ErrorResponse = { error: 'internal error', code: 'internal', hint: 'see the server log; run with FLOWLENS_DEBUG=1 for details' };
  return c.json(body, 500);
}

/** A 404 error for the API. */
export function notFound(what: string, hint?: string): FlowlensError {
  return new FlowlensError('not-found', what, { hint });
}
