import { Readable } from 'node:stream';
import type { S3Client } from '@aws-sdk/client-s3';
import { SourceError } from '../../records/index.js';
import { abortOption, backoffDelay, isTransientError, sleep } from '../aws/backoff.js';
import { toSourceError } from '../aws/errors.js';
import { s3ObjectUri } from './uri.js';

/** Options of openObjectStream: retries of a broken transfer, and cancellation. */
export interface ObjectStreamOptions {
  /** How many times a failed or broken transfer is resumed (default 5). */
  retries?: number | undefined;
  signal?: AbortSignal | undefined;
  /** Called before each resume, e.g. for tests and debugging. */
  onRetry?: ((attempt: number, error: unknown) => void) | undefined;
}

/**
 * Streams an object's bytes with bounded memory. The SDK retries a failed request (503 SlowDown,
 * 5xx, throttling); a transfer that breaks mid-body (connection reset, truncated body) is resumed
 * here from the last byte received with a Range request, as long as the ETag is unchanged.
 * Errors that retrying cannot fix become a SourceError naming the object.
 */
export function openObjectStream(
  client: S3Client,
  bucket: string,
  key: string,
  etag: string,
  options: ObjectStreamOptions = {},
): Readable {
  return Readable.from(readObjectChunks(client, bucket, key, etag, options), {
    objectMode: false,
    highWaterMark: 1024 * 1024,
  });
}

/** Reads a small object whole, with openObjectStream's retries and errors, without a stream in between. */
export async function readObject(
  client: S3Client,
  bucket: string,
  key: string,
  etag: string,
  options: ObjectStreamOptions = {},
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of readObjectChunks(client, bucket, key, etag, options)) chunks.push(chunk);
  return chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
}

// The SDK module, imported once (an import per object is a needless asynchronous step).
let sdk: Promise<typeof import('@aws-sdk/client-s3')> | undefined;

// The object's bytes as they arrive, resumed after a broken transfer (see openObjectStream).
async function* readObjectChunks(
  client: S3Client,
  bucket: string,
  key: string,
  etag: string,
  options: ObjectStreamOptions,
): AsyncGenerator<Buffer> {
  const uri = s3ObjectUri(bucket, key);
  const retries = options.retries ?? 5;
  const { GetObjectCommand } = await (sdk ??= import('@aws-sdk/client-s3'));
  let offset = 0;
  let failures = 0;
  for (;;) {
    try {
      const response = await client.send(
        new GetObjectCommand({
          Bucket: bucket,
          Key: key,
          Range: offset > 0 ? `bytes=${offset}-` : undefined,
        }),
        // Without per-request options the client's cached middleware (cacheMiddleware) serves the request.
        options.signal ? abortOption(options.signal) : undefined,
      );
      const current = (response.ETag ?? '').replaceAll('"', '');
      if (etag && current && current !== etag) {
        throw new SourceError(
          'object-changed',
          `${uri} changed while it was being read (ETag ${etag} → ${current})`,
          { hint: 'run again to read the new version' },
        );
      }
      const expected = offset + (response.ContentLength ?? 0);
      for await (const chunk of response.Body as AsyncIterable<Buffer>) {
        offset += chunk.length;
        yield chunk;
      }
      if (response.ContentLength !== undefined && offset < expected) {
        throw Object.assign(new Error(`body ended after ${offset} of ${expected} bytes`), {
          code: 'ECONNRESET',
        });
      }
      return;
    } catch (error) {
      if (
        error instanceof SourceError ||
        !isTransientError(error) ||
        failures >= retries ||
        options.signal?.aborted
      ) {
        throw toSourceError(
          error,
          failures > 0 ? `cannot read ${uri} (after ${failures} retries)` : `cannot read ${uri}`,
        );
      }
      failures++;
      options.onRetry?.(failures, error);
      await sleep(backoffDelay(failures), options.signal);
    }
  }
}
