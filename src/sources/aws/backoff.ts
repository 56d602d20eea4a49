/** Exponential backoff with full jitter (the AWS Architecture Blog's recommendation): 0..min(cap, base·2^attempt) ms. */
export function backoffDelay(attempt: number, baseMs = 200, capMs = 10_000): number {
  return Math.random() * Math.min(capMs, baseMs * 2 ** attempt);
}

/** Waits `ms` milliseconds, or rejects when the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

const TRANSIENT_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENOTFOUND',
  'ECONNABORTED',
  'ERR_STREAM_PREMATURE_CLOSE',
  'UND_ERR_SOCKET',
]);
const TRANSIENT_NAMES = new Set([
  'SlowDown',
  'ThrottlingException',
  'Throttling',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'InternalError',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
]);

/** True for errors worth retrying: throttling, 5xx, connection resets and truncated bodies. */
export function isTransientError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const shape = error as {
    code?: string;
    name?: string;
    message?: string;
    $metadata?: { httpStatusCode?: number };
    $retryable?: unknown;
  };
  if (shape.code && TRANSIENT_CODES.has(shape.code)) return true;
  if (shape.name && TRANSIENT_NAMES.has(shape.name)) return true;
  if (shape.$retryable) return true;
  const status = shape.$metadata?.httpStatusCode;
  if (status !== undefined && status >= 500) return true;
  return /aborted|socket hang up|premature close|ECONNRESET/i.test(shape.message ?? '');
}

/** The SDK's per-request options for an optional abort signal. */
export function abortOption(signal: AbortSignal | undefined): { abortSignal?: AbortSignal } {
  return signal ? { abortSignal: signal } : {};
}
