import { UsageError } from '../records/index.js';

/** A parsed `s3://bucket/prefix` location. */
export interface S3Location {
  bucket: string;
  /** Key prefix without leading or trailing slash ('' for the bucket root). */
  prefix: string;
}

/** Parses `s3://bucket[/prefix]`; throws a UsageError for anything else. */
export function parseS3Uri(uri: string): S3Location {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri);
  if (!match?.[1]) throw new UsageError(`"${uri}" is not an s3://bucket/prefix location`);
  return { bucket: match[1], prefix: (match[2] ?? '').replace(/^\/+|\/+$/g, '') };
}

/** Joins a prefix and a relative key with exactly one '/'. */
export function joinKey(prefix: string, key: string): string {
  return prefix === '' ? key : `${prefix}/${key}`;
}
