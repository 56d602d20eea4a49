import { UsageError } from '../records/index.js';
import type { AwsClientConfig as SourceClientConfig } from '../sources/aws/client-config.js';
import { buildAwsClientConfig as buildSourceClientConfig } from '../sources/aws/client-config.js';

/** AWS connection options from the command line. */
export interface AwsOptions {
  region?: string | undefined;
  profile?: string | undefined;
  /** An S3- or Athena-compatible endpoint (tests, LocalStack, MinIO). */
  endpointUrl?: string | undefined;
}

/** Client configuration of the S3 (export) and Athena clients: the sources' settings plus a region and path-style S3. */
export type AwsClientConfig = SourceClientConfig & { region: string; forcePathStyle?: boolean };

/**
 * Builds the client configuration with the sources' builder (credential chain, `--profile`, `--endpoint-url`, the
 * region as the AWS CLI finds it); us-east-1 when nothing names a region.
 */
export async function buildAwsClientConfig(options: AwsOptions, env: Record<string, string | undefined> = process.env): Promise<AwsClientConfig> {
  const shared = await buildSourceClientConfig(options, { maxAttempts: 6, retryMode: 'standard' }, env);
  const region = shared.region ?? 'us-east-1';
  // Self-hosted S3 endpoints seldom resolve bucket subdomains.
  return shared.endpoint === undefined ? { ...shared, region } : { ...shared, region, forcePathStyle: true };
}

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
