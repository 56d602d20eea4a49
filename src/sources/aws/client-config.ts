import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
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
 * (fromIni: keys, SSO, assumed roles, credential_process) are then used — the region as the AWS CLI finds it
 * (resolveAwsRegion), and `--endpoint-url` for S3- or CloudWatch-compatible services.
 */
export async function buildAwsClientConfig(
  options: SourceOptions,
  retry: AwsRetrySettings,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<AwsClientConfig> {
  // The SDK warns on every run under Node 20 about its future Node 22 requirement; that is noise for a CLI.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const config: AwsClientConfig = { ...retry };
  const region = await resolveAwsRegion(options, env);
  if (region) config.region = region;
  if (options.profile) {
    config.profile = options.profile;
    // Named explicitly, the profile's credentials win over AWS_ACCESS_KEY_ID in the environment
    // (the default chain would prefer it, with a warning, in later SDK versions).
    const { fromIni } = await import('@aws-sdk/credential-providers');
    config.credentials = fromIni({
      profile: options.profile,
      ...(env.AWS_CONFIG_FILE ? { configFilepath: env.AWS_CONFIG_FILE } : {}),
      ...(env.AWS_SHARED_CREDENTIALS_FILE ? { filepath: env.AWS_SHARED_CREDENTIALS_FILE } : {}),
    });
  }
  if (options.endpointUrl) {
    config.endpoint = checkEndpoint(options.endpointUrl);
    // Compatible stores ignore the region, but the SDK refuses to sign a request without one.
    config.region ??= 'us-east-1';
  }
  return config;
}

/** AWS settings as the command line takes them: `--region`, `--profile`, `--endpoint-url`. */
export type AwsOptions = Pick<SourceOptions, 'region' | 'profile' | 'endpointUrl'>;

/** Client settings of the services flowlens writes to or queries (S3 uploads, Athena): a region always, path-style S3. */
export type ServiceClientConfig = AwsClientConfig & { region: string; forcePathStyle?: boolean };

/**
 * Builds the settings of a service client with buildAwsClientConfig (credential chain, `--profile`, `--endpoint-url`,
 * the region as the AWS CLI finds it); us-east-1 when nothing names a region, path-style addressing for an endpoint.
 */
export async function buildServiceClientConfig(options: AwsOptions, env: Readonly<Record<string, string | undefined>> = process.env): Promise<ServiceClientConfig> {
  const shared = await buildAwsClientConfig(options, { maxAttempts: 6, retryMode: 'standard' }, env);
  const region = shared.region ?? 'us-east-1';
  // Self-hosted S3 endpoints seldom resolve bucket subdomains.
  return shared.endpoint === undefined ? { ...shared, region } : { ...shared, region, forcePathStyle: true };
}

/**
 * The region as the AWS CLI chooses it: `--region`, else $AWS_REGION, else $AWS_DEFAULT_REGION, else the `region`
 * of the profile (`--profile`, else $AWS_PROFILE, else `default`) in the config file ($AWS_CONFIG_FILE or
 * ~/.aws/config); undefined when none says.
 */
export async function resolveAwsRegion(
  options: Pick<SourceOptions, 'region' | 'profile'>,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<string | undefined> {
  const given = options.region || env.AWS_REGION || env.AWS_DEFAULT_REGION;
  if (given) return given;
  const profile = options.profile || env.AWS_PROFILE || 'default';
  const path = env.AWS_CONFIG_FILE || join(env.HOME || homedir(), '.aws', 'config');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
  return readProfileSetting(text, profile, 'region');
}

/** A setting of a profile in AWS config file text: `[default]` or `[profile NAME]` sections, `key = value` lines. */
export function readProfileSetting(text: string, profile: string, key: string): string | undefined {
  let inProfile = false;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/^\s+/, '');
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const section = /^\[\s*([^\]]*?)\s*\]/.exec(line);
    if (section) {
      const name = (section[1] ?? '').replace(/^profile\s+/, '');
      // The config file names profiles `[profile NAME]`; `[default]` (or `[profile default]`) is the default one.
      inProfile = name === profile && (profile === 'default' || (section[1] ?? '').startsWith('profile'));
      continue;
    }
    // Indented lines continue a nested setting (e.g. s3 =), never a top-level key.
    if (!inProfile || /^\s/.test(raw)) continue;
    const setting = /^([^=]+?)\s*=\s*(.*?)\s*$/.exec(line);
    if (setting && setting[1]?.trim().toLowerCase() === key) return setting[2] || undefined;
  }
  return undefined;
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
