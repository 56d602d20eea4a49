import type { S3Client } from '@aws-sdk/client-s3';
import { abortOption } from '../aws/backoff.js';
import { toSourceError } from '../aws/errors.js';
import { isExcluded, isIgnoredKey, needsDeeperListing, parseKeyFacts } from './layout.js';
import type { KeyFilter } from './layout.js';
import { s3ObjectUri } from './uri.js';

// S3's most keys per ListObjectsV2 call (its default), and the first call's smaller page.
const S3_MAX_KEYS = 1000;
const FIRST_PAGE_KEYS = 100;

/** An object to read: its key, ETag (without quotes) and size. */
export interface S3ObjectInfo {
  key: string;
  etag: string;
  size: number;
}

/** What a listing saw: every key under the prefix, and the keys and folders the filter left out. */
export interface ListingStats {
  keys: number;
  excludedKeys: number;
  excludedFolders: number;
}

/** Options of listFlowLogObjects: cancellation, keys per call, and counters to fill. */
export interface ListObjectsOptions {
  signal?: AbortSignal | undefined;
  pageSize?: number | undefined;
  stats?: ListingStats | undefined;
}

/**
 * Lists the flow-log objects under a prefix in key order. While a folder level can still prune
 * (service, account, region or day not yet known) it lists with Delimiter='/' one level at a time
 * and skips folders the filter excludes, so one day of a large bucket costs a handful of calls;
 * below that it lists flat, 1000 keys a call (100 for the very first call), each page asked for while the
 * previous one's objects are read.
 */
export async function* listFlowLogObjects(
  client: S3Client,
  bucket: string,
  prefix: string,
  filter: KeyFilter,
  options: ListObjectsOptions = {},
): AsyncGenerator<S3ObjectInfo> {
  const { ListObjectsV2Command } = await import('@aws-sdk/client-s3');
  // The listing's first call asks for a short page, so that reading objects starts before a full page is listed.
  let firstCall = true;
  const request = (folder: string, delimiter: string | undefined, token: string | undefined) => {
    const maxKeys = firstCall ? Math.min(options.pageSize ?? S3_MAX_KEYS, FIRST_PAGE_KEYS) : options.pageSize;
    firstCall = false;
    const pending = client.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: folder, Delimiter: delimiter, ContinuationToken: token, MaxKeys: maxKeys }),
      abortOption(options.signal),
    );
    // Asked for ahead: awaited when its turn comes, unless the consumer stops first.
    pending.catch(() => undefined);
    return pending;
  };
  async function* walk(folder: string): AsyncGenerator<S3ObjectInfo> {
    const delimiter = needsDeeperListing(parseKeyFacts(folder), filter) ? '/' : undefined;
    const folders: string[] = [];
    let next = request(folder, delimiter, undefined);
    let token: string | undefined;
    do {
      let page;
      try {
        page = await next;
      } catch (error) {
        throw toSourceError(error, `cannot list ${s3ObjectUri(bucket, folder)}`);
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
      // The next page is asked for now, while this one's objects are read: no pause in the reads at each page.
      if (token) next = request(folder, delimiter, token);
      for (const object of page.Contents ?? []) {
        if (options.stats) options.stats.keys++;
        if (!object.Key || isIgnoredKey(object.Key) || isExcluded(parseKeyFacts(object.Key), filter)) {
          if (options.stats) options.stats.excludedKeys++;
          continue;
        }
        yield { key: object.Key, etag: (object.ETag ?? '').replaceAll('"', ''), size: object.Size ?? 0 };
      }
      for (const common of page.CommonPrefixes ?? []) {
        if (common.Prefix && !isExcluded(parseKeyFacts(common.Prefix), filter)) folders.push(common.Prefix);
        else if (options.stats) options.stats.excludedFolders++;
      }
    } while (token);
    for (const folder of folders) yield* walk(folder);
  }
  yield* walk(prefix);
}

/** Lists the folders (common prefixes) and whether any object sits directly or deeper under `prefix`; at most one page each. */
export async function listFolder(client: S3Client, bucket: string, prefix: string, signal?: AbortSignal): Promise<{ folders: string[]; hasObjects: boolean }> {
  const { ListObjectsV2Command } = await import('@aws-sdk/client-s3');
  try {
    const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, Delimiter: '/', MaxKeys: 1000 }), abortOption(signal));
    const folders = (page.CommonPrefixes ?? []).map((c) => c.Prefix ?? '').filter((p) => p.length > 0);
    return { folders, hasObjects: (page.Contents?.length ?? 0) > 0 || folders.length > 0 };
  } catch (error) {
    throw toSourceError(error, `cannot list ${s3ObjectUri(bucket, prefix)}`);
  }
}
