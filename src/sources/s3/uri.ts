import { UsageError } from '../../records/index.js';

/** A parsed `s3://bucket[/prefix]` source. */
export interface S3Location {
  bucket: string;
  prefix: string;
}

/** True for `s3://…` sources. */
export function isS3Uri(uri: string): boolean {
  return /^s3:\/\//i.test(uri);
}

/** Parses `s3://bucket[/prefix]`; the prefix is used as S3 does, a plain key prefix (`AWSLogs/` or `AWSLogs/1234`). */
export function parseS3Uri(uri: string): S3Location {
  const rest = uri.replace(/^s3:\/\//i, '');
  const slash = rest.indexOf('/');
  const bucket = slash < 0 ? rest : rest.slice(0, slash);
  const prefix = slash < 0 ? '' : rest.slice(slash + 1);
  if (!/^[a-z0-9][a-z0-9.\-_]{1,254}$/i.test(bucket)) {
    throw new UsageError(`"${uri}" does not name an S3 bucket`, {
      hint: 'write s3://BUCKET or s3://BUCKET/PREFIX, e.g. s3://my-logs/AWSLogs/',
    });
  }
  return { bucket, prefix };
}

/** The source-unit key of an object: `s3://bucket/key`. */
export function s3ObjectUri(bucket: string, key: string): string {
  return `s3://${bucket}/${key}`;
}
