import { UsageError } from '../../records/index.js';
import type { SourceOptions } from '../types.js';

/** The client settings shared by the S3 and CloudWatch Logs sources. */
export interface AwsClientConfig {
  region?: string;
  endpoint?: string;
  profile?: string;
  credentials?: ReturnType<typeof import('@aws-sdk/credential-providers').fromIni>;
  maxAttempts: number;
  retryMode: 'standard' | 'adaptive';
}

/** How the SDK retries throttling (503 SlowDown, ThrottlingException) and transient errors. */
export interface AwsRetrySettings {
  maxAttempts: number;
  retryMode: 'standard' | 'adaptive';
}

/**
 * Builds SDK v3 client settings from the command line: the default credential chain (environment, SSO,
 * shared files, container and instance roles) unless `--profile` names a profile — its credentials
 * (fromIni: keys, SSO, assumed roles, credential_process) and its region are then used —
 * `--region`, and `--endpoint-url` for S3- or CloudWatch-compatible services.
 */
export async function buildAwsClientConfig(
  options: SourceOptions,
  retry: AwsRetrySettings,
): Promise<AwsClientConfig> {
  // The SDK warns on every run under Node 20 about its future Node 22 requirement; that is noise for a CLI.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const config: AwsClientConfig = { ...retry };
  if (options.region) config.region = options.region;
  if (options.profile) {
    config.profile = options.profile;
    // Named explicitly, the profile's credentials win over AWS_ACCESS_KEY_ID in the environment
    // (the default chain would prefer it, with a warning, in later SDK versions).
    const { fromIni } = await import('@aws-sdk/credential-providers');
    config.credentials = fromIni({ profile: options.profile });
  }
  if (options.endpointUrl) {
    config.endpoint = checkEndpoint(options.endpointUrl);
    // Compatible stores ignore the region, but the SDK refuses to sign a request without one.
    if (!config.region && !options.profile && !process.env.AWS_REGION && !process.env.AWS_DEFAULT_REGION)
      config.region = 'us-east-1';
  }
  return config;
}

function checkEndpoint(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`--endpoint-url "${url}" is not a URL`, {
      hint: 'e.g. --endpoint-url http://127.0.0.1:4568',
    });
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new UsageError(`--endpoint-url "${url}" must be an http:// or https:// URL`);
  }
  return url;
}
