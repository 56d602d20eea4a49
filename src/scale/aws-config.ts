import { UsageError } from '../records/index.js';

/** AWS connection options from the command line. */
export interface AwsOptions {
  region?: string | undefined;
  profile?: string | undefined;
  /** An S3- or Athena-compatible endpoint (tests, LocalStack, MinIO). */
  endpointUrl?: string | undefined;
}

/** Client configuration shared by the S3 and Athena clients: region, endpoint and profile credentials. */
export interface AwsClientConfig {
  region: string;
  endpoint?: string;
  forcePathStyle?: boolean;
  credentials?: ReturnType<typeof import('@aws-sdk/credential-providers').fromIni>;
}

/** Builds the client configuration; the region falls back to $AWS_REGION, $AWS_DEFAULT_REGION, then us-east-1. */
export async function buildAwsClientConfig(options: AwsOptions, env: Record<string, string | undefined> = process.env): Promise<AwsClientConfig> {
  const config: AwsClientConfig = { region: options.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1' };
  if (options.endpointUrl !== undefined) {
    config.endpoint = options.endpointUrl;
    // Self-hosted S3 endpoints seldom resolve bucket subdomains.
    config.forcePathStyle = true;
  }
  if (options.profile !== undefined) {
    const { fromIni } = await import('@aws-sdk/credential-providers');
    config.credentials = fromIni({ profile: options.profile });
  }
  return config;
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
