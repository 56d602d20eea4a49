import { Readable } from 'node:stream';
import type { S3Client } from '@aws-sdk/client-s3';
import { buildAwsClientConfig } from '../aws/client-config.js';
import { PrefetchedStream, withReadAhead } from '../prefetch.js';
import type { ListOptions, Source, SourceOptions, SourceTotal, SourceUnit } from '../types.js';
import { parseKeyFacts } from './layout.js';
import { SourceError } from '../../records/index.js';
import { listFlowLogObjects } from './list-objects.js';
import type { KeyFilter } from './layout.js';
import type { ListingStats, S3ObjectInfo } from './list-objects.js';
import { findOtherPrefixes } from './other-prefix.js';
import { openObjectStream, readObject } from './object-stream.js';
import { parseS3Uri, s3ObjectUri } from './uri.js';

/** Bytes buffered ahead per prefetched object: with --concurrency N, at most about N times this is held. */
export const PREFETCH_BYTES = 8 * 1024 * 1024;
// Objects up to this size are read ahead whole, into one buffer: no stream per object for the decoder to go through.
const WHOLE_OBJECT_BYTES = 1024 * 1024;

/** Options of createS3Source beyond the command line's: a ready client (tests), retries of broken transfers. */
export interface S3SourceSettings {
  client?: S3Client;
  streamRetries?: number;
  /** Keys per ListObjectsV2 call (S3's maximum and default: 1000). */
  pageSize?: number;
}

/**
 * An `s3://bucket[/prefix]` source: one unit per flow-log object (key `s3://bucket/key`, fingerprint
 * the ETag), found in AWS's plain or Hive-compatible layouts and pruned by --start/--end, --accounts
 * and --regions while listing. While one object is ingested the next `concurrency - 1` are already
 * downloading into bounded buffers.
 */
export async function createS3Source(
  uri: string,
  options: SourceOptions,
  settings: S3SourceSettings = {},
): Promise<Source> {
  const { bucket, prefix } = parseS3Uri(uri);
  const client = settings.client ?? (await createS3Client(options));
  const depth = options.concurrency ?? 4;
  // A service folder named in the URI itself (s3://b/AWSLogs/1/CloudTrail/) is read whatever the default.
  const namedService = parseKeyFacts(`${prefix}/`).service;
  const filterOf = (list: ListOptions) => ({
    start: list.start,
    end: list.end,
    accounts: options.accounts,
    regions: options.regions,
    services: [...(options.awsLogsServices ?? ['vpcflowlogs']), ...(namedService ? [namedService] : [])],
  });
  return {
    name: uri,
    // A second listing (one call per 1,000 keys), for the progress display's totals.
    async total(list: ListOptions): Promise<SourceTotal> {
      const total: SourceTotal = { units: 0, bytes: 0 };
      for await (const object of listFlowLogObjects(client, bucket, prefix, filterOf(list), { signal: list.signal, pageSize: settings.pageSize })) {
        total.units++;
        total.bytes += object.size;
      }
      return total;
    },
    async *units(list: ListOptions): AsyncGenerator<SourceUnit> {
      const filter = filterOf(list);
      const objects = listOrExplain(client, uri, bucket, prefix, filter, options, list.signal, settings.pageSize);
      const reading = { signal: list.signal, retries: settings.streamRetries };
      const open = (object: S3ObjectInfo) => openObjectStream(client, bucket, object.key, object.etag, reading);
      const read = (object: S3ObjectInfo) => readObject(client, bucket, object.key, object.etag, reading);
      const units = mapAsync(objects, (object) => new S3ObjectUnit(bucket, object, open, read));
      yield* withReadAhead(
        units,
        depth,
        async (unit) => {
          // Objects ingest already has are skipped there: downloading them ahead would be wasted.
          if (!(await list.isIngested?.(unit.key, unit.fingerprint))) unit.prefetch();
        },
        (unit) => unit.cancel(),
      );
    },
  };
}

/**
 * Lists the objects under the prefix. When the prefix holds no object at all, reads the other form of the
 * same path (with or without the folders before AWSLogs/) when exactly one exists, with a notice; else fails
 * saying what was listed. When objects exist but the filters leave none, warns and yields nothing.
 */
async function* listOrExplain(
  client: S3Client,
  uri: string,
  bucket: string,
  prefix: string,
  filter: KeyFilter,
  options: SourceOptions,
  signal: AbortSignal | undefined,
  pageSize: number | undefined,
): AsyncGenerator<S3ObjectInfo> {
  const stats: ListingStats = { keys: 0, excludedKeys: 0, excludedFolders: 0 };
  let yielded = 0;
  for await (const object of listFlowLogObjects(client, bucket, prefix, filter, { signal, pageSize, stats })) {
    yielded++;
    yield object;
  }
  if (yielded > 0) return;
  if (stats.keys > 0 || stats.excludedFolders > 0) {
    options.onWarning?.(
      uri,
      `warning: ${uri}: nothing to read: ${stats.keys} objects and ${stats.excludedFolders} folders listed, all outside --start/--end, --accounts, --regions or the log type read`,
    );
    return;
  }
  const other = await findOtherPrefixes(client, bucket, prefix, signal);
  if (other.found.length === 1) {
    const found = s3ObjectUri(bucket, other.found[0] as string);
    options.onWarning?.(uri, `notice: ${uri} holds no objects; reading ${found}, where the same path is`);
    yield* listFlowLogObjects(client, bucket, other.found[0] as string, filter, { signal, pageSize });
    return;
  }
  const listed = other.topLevel.length ? other.topLevel.map((f) => s3ObjectUri(bucket, f)).join(', ') : 'nothing (the bucket is empty)';
  throw new SourceError('empty-prefix', `${uri} holds no objects (listed prefix "${prefix}")`, {
    hint:
      other.found.length > 1
        ? `the same path is under several prefixes: ${other.found.map((f) => s3ObjectUri(bucket, f)).join(', ')}; name one`
        : `the bucket's top level holds ${listed}; name the prefix flow logs are delivered to (s3://BUCKET/PREFIX/AWSLogs/ or s3://BUCKET/AWSLogs/)`,
  });
}

/**
 * Creates the S3 client: path-style addressing for --endpoint-url, region redirects followed, throttling retried, and
 * its middleware stack resolved once per command type rather than per request (thousands of small objects).
 */
export async function createS3Client(options: SourceOptions): Promise<S3Client> {
  const { S3Client } = await import('@aws-sdk/client-s3');
  const config = await buildAwsClientConfig(options, { maxAttempts: 6, retryMode: 'standard' });
  return new S3Client({
    ...config,
    forcePathStyle: options.endpointUrl !== undefined,
    followRegionRedirects: true,
    cacheMiddleware: true,
  });
}

class S3ObjectUnit implements SourceUnit {
  readonly key: string;
  readonly fingerprint: string;
  readonly kind: 'text' | 'parquet';
  readonly size: number;
  private started: PrefetchedStream | undefined;
  private whole: Promise<Buffer> | undefined;

  constructor(
    bucket: string,
    private readonly object: S3ObjectInfo,
    private readonly openStream: (object: S3ObjectInfo) => Readable,
    private readonly readWholeObject: (object: S3ObjectInfo) => Promise<Buffer>,
  ) {
    this.key = s3ObjectUri(bucket, object.key);
    this.fingerprint = object.etag || `size:${object.size}`;
    this.kind = /\.parquet$/i.test(object.key) ? 'parquet' : 'text';
    this.size = object.size;
  }

  prefetch(): void {
    if (this.started || this.whole) return;
    if (this.size > WHOLE_OBJECT_BYTES) {
      this.started = new PrefetchedStream(this.openStream(this.object), PREFETCH_BYTES);
      return;
    }
    this.whole = this.readWholeObject(this.object);
    // Its error is raised by readWhole(); until then it must not count as unhandled.
    this.whole.catch(() => undefined);
  }

  /** Drops what was read ahead (an object of at most WHOLE_OBJECT_BYTES being read whole is left to finish). */
  cancel(): void {
    this.started?.cancel();
    this.whole = undefined;
  }

  async readWhole(): Promise<Buffer | undefined> {
    const whole = this.whole;
    this.whole = undefined;
    return whole;
  }

  async open(): Promise<Readable> {
    const whole = this.whole;
    this.whole = undefined;
    if (whole) return Readable.from([await whole], { objectMode: false });
    const started = this.started;
    this.started = undefined;
    return started ? started.take() : this.openStream(this.object);
  }
}

async function* mapAsync<T, U>(items: AsyncIterable<T>, map: (item: T) => U): AsyncGenerator<U> {
  for await (const item of items) yield map(item);
}
