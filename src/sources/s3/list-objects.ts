import type { S3Client } from '@aws-sdk/client-s3';
import { abortOption } from '../aws/backoff.js';
import { toSourceError } from '../aws/errors.js';
import { isExcluded, isIgnoredKey, needsDeeperListing, parseKeyFacts } from './layout.js';
import type { KeyFilter } from './layout.js';
import { s3ObjectUri } from './uri.js';

/** An object to read: its key, ETag (without quotes) and size. */
export interface S3ObjectInfo {
  key: string;
  etag: string;
  size: number;
}

/** Options of listFlowLogObjects: cancellation and keys per call. */
export interface ListObjectsOptions {
  signal?: AbortSignal | undefined;
  pageSize?: number | undefined;
}

/**
 * Lists the flow-log objects under a prefix in key order. While a folder level can still prune
 * (service, account, region or day not yet known) it lists with Delimiter='/' one level at a time
 * and skips folders the filter excludes, so one day of a large bucket costs a handful of calls;
 * below that it lists flat, 1000 keys a call.
 */
export async function* listFlowLogObjects(
  client: S3Client,
  bucket: string,
  prefix: string,
  filter: KeyFilter,
  options: ListObjectsOptions = {},
): AsyncGenerator<S3ObjectInfo> {
  const { ListObjectsV2Command } = await import('@aws-sdk/client-s3');
  async function* walk(folder: string): AsyncGenerator<S3ObjectInfo> {
    const delimiter = needsDeeperListing(parseKeyFacts(folder), filter) ? '/' : undefined;
    const folders: string[] = [];
    let token: string | undefined;
    do {
      let page;
      try {
        page = await client.send(
          new ListObjectsV2Command({
            Bucket: bucket,
            Prefix: folder,
            Delimiter: delimiter,
            ContinuationToken: token,
            MaxKeys: options.pageSize,
          }),
          abortOption(options.signal),
        );
      } catch (error) {
        throw toSourceError(error, `cannot list ${s3ObjectUri(bucket, folder)}`);
      }
      for (const object of page.Contents ?? []) {
        if (!object.Key || isIgnoredKey(object.Key) || isExcluded(parseKeyFacts(object.Key), filter))
          continue;
        yield { key: object.Key, etag: (object.ETag ?? '').replaceAll('"', ''), size: object.Size ?? 0 };
      }
      for (const common of page.CommonPrefixes ?? []) {
        if (common.Prefix && !isExcluded(parseKeyFacts(common.Prefix), filter)) folders.push(common.Prefix);
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    for (const next of folders) yield* walk(next);
  }
  yield* walk(prefix);
}
