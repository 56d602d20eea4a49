import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildAwsClientConfig, buildServiceClientConfig as buildScaleConfig, readProfileSetting, resolveAwsRegion } from '../../../src/sources/aws/client-config.js';

const CONFIG = `# AWS CLI config
[default]
region = eu-central-1
output = json

[profile analytics]
region=ap-southeast-2
s3 =
  region = us-west-1
aws_access_key_id = AKIDANALYTICS
aws_secret_access_key = secret

[profile noregion]
output = text

[analytics-without-prefix]
region = sa-east-1
`;

/** A fresh config file (its own path: the SDK caches files by path) and an environment pointing at it. */
function configEnv(text = CONFIG, extra: Record<string, string> = {}): Record<string, string> {
  const path = join(mkdtempSync(join(tmpdir(), 'flowlens-aws-')), 'config');
  writeFileSync(path, text);
  return { AWS_CONFIG_FILE: path, AWS_SHARED_CREDENTIALS_FILE: join(path, '..', 'no-credentials'), HOME: tmpdir(), ...extra };
}

describe('resolveAwsRegion', () => {
  it.each([
    ['--region wins over everything', { region: 'us-west-2', profile: 'analytics' }, { AWS_REGION: 'ca-central-1', AWS_DEFAULT_REGION: 'eu-west-1' }, 'us-west-2'],
    ['AWS_REGION wins over AWS_DEFAULT_REGION and the profile', { profile: 'analytics' }, { AWS_REGION: 'ca-central-1', AWS_DEFAULT_REGION: 'eu-west-1' }, 'ca-central-1'],
    ['AWS_DEFAULT_REGION wins over the profile', { profile: 'analytics' }, { AWS_DEFAULT_REGION: 'eu-west-1' }, 'eu-west-1'],
    ["--profile's region from the config file", { profile: 'analytics' }, {}, 'ap-southeast-2'],
    ["AWS_PROFILE's region when no --profile", {}, { AWS_PROFILE: 'analytics' }, 'ap-southeast-2'],
    ['the default profile otherwise', {}, {}, 'eu-central-1'],
    ['nothing for a profile without a region', { profile: 'noregion' }, {}, undefined],
    ['nothing for a profile named without the `profile` prefix', { profile: 'analytics-without-prefix' }, {}, undefined],
  ])('%s', async (_name, options, env, expected) => {
    expect(await resolveAwsRegion(options, configEnv(CONFIG, env))).toBe(expected);
  });

  it('is undefined when the config file does not exist', async () => {
    expect(await resolveAwsRegion({}, { AWS_CONFIG_FILE: join(tmpdir(), 'flowlens-no-such-dir', 'config'), HOME: tmpdir() })).toBeUndefined();
  });

  it('reads nested settings as nested, not as the profile region', () => {
    expect(readProfileSetting('[profile p]\ns3 =\n  region = us-west-1\n', 'p', 'region')).toBeUndefined();
    expect(readProfileSetting('[profile p]\n; comment\nREGION = us-west-1\n', 'p', 'region')).toBe('us-west-1');
  });
});

describe('buildAwsClientConfig', () => {
  it("keeps the profile's region with --endpoint-url instead of forcing us-east-1", async () => {
    const env = configEnv();
    const config = await buildAwsClientConfig({ profile: 'analytics', endpointUrl: 'http://127.0.0.1:9' }, { maxAttempts: 3, retryMode: 'standard' }, env);
    expect(config).toMatchObject({ region: 'ap-southeast-2', endpoint: 'http://127.0.0.1:9', profile: 'analytics' });
    const credentials = await config.credentials?.();
    expect(credentials?.accessKeyId).toBe('AKIDANALYTICS');
  });

  it('falls back to us-east-1 with --endpoint-url only when nothing names a region', async () => {
    const config = await buildAwsClientConfig({ endpointUrl: 'http://127.0.0.1:9' }, { maxAttempts: 3, retryMode: 'standard' }, configEnv('[profile other]\nregion = eu-west-3\n'));
    expect(config.region).toBe('us-east-1');
  });

  it('gives Athena and S3 export clients the region the AWS CLI would use', async () => {
    expect((await buildScaleConfig({}, configEnv())).region).toBe('eu-central-1');
    expect((await buildScaleConfig({ profile: 'analytics' }, configEnv())).region).toBe('ap-southeast-2');
    expect((await buildScaleConfig({}, configEnv(CONFIG, { AWS_DEFAULT_REGION: 'eu-north-1' }))).region).toBe('eu-north-1');
    expect(await buildScaleConfig({ endpointUrl: 'http://127.0.0.1:9' }, configEnv(''))).toMatchObject({ region: 'us-east-1', forcePathStyle: true });
  });
});
