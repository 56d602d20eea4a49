import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';

/** A request the test S3 server served. */
export interface ServedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  range?: string;
}

/** Faults the test S3 server injects for object keys (GET only). */
export interface S3Faults {
  deny?: string[];
  slowdown?: Record<string, number>;
  reset?: Record<string, number>;
}

/** A running loopback S3 server (s3rver in a child process) and a client for it. */
export interface TestS3Server {
  endpoint: string;
  client: S3Client;
  createBucket(name: string): Promise<void>;
  put(bucket: string, key: string, body: string | Buffer): Promise<void>;
  requests(): Promise<ServedRequest[]>;
  resetRequests(): Promise<void>;
  faults(faults: S3Faults): Promise<void>;
  stop(): Promise<void>;
}

/** Credentials and settings that keep the SDK on the test server (never real AWS, never instance metadata). */
export const TEST_AWS_ENV: Record<string, string> = {
  AWS_ACCESS_KEY_ID: 'S3RVER',
  AWS_SECRET_ACCESS_KEY: 'S3RVER',
  AWS_REGION: 'us-east-1',
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_CONFIG_FILE: '/nonexistent/flowlens-test-aws-config',
  AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/flowlens-test-aws-credentials',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
};

/** Sets TEST_AWS_ENV in process.env (the SDK reads credentials from there) and returns a function restoring it. */
export function useTestAwsEnv(): () => void {
  const saved = new Map(Object.keys(TEST_AWS_ENV).map((name) => [name, process.env[name]]));
  for (const name of ['AWS_PROFILE', 'AWS_SESSION_TOKEN', 'AWS_DEFAULT_REGION'])
    saved.set(name, process.env[name]);
  Object.assign(process.env, TEST_AWS_ENV);
  delete process.env.AWS_PROFILE;
  delete process.env.AWS_SESSION_TOKEN;
  return () => {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
}

/** Starts s3rver on 127.0.0.1, on a free port unless one is given. */
export async function startS3Server(fixedPort = 0): Promise<TestS3Server> {
  const script = fileURLToPath(new URL('./s3-server-child.mjs', import.meta.url));
  const child: ChildProcess = spawn(process.execPath, ['--openssl-legacy-provider', script], {
    stdio: ['pipe', 'pipe', 'ignore'],
    env: { ...process.env, S3RVER_PORT: String(fixedPort) },
  });
  const port = await readPort(child);
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new S3Client({
    endpoint,
    forcePathStyle: true,
    region: 'us-east-1',
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
  const control = async (path: string, init?: RequestInit): Promise<unknown> =>
    (await fetch(`${endpoint}/__control/${path}`, init)).json();
  return {
    endpoint,
    client,
    async createBucket(name) {
      await client.send(new CreateBucketCommand({ Bucket: name }));
    },
    async put(bucket, key, body) {
      await client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: body,
          ContentLength: Buffer.byteLength(body),
        }),
      );
    },
    requests: async () => (await control('requests')) as ServedRequest[],
    resetRequests: async () => void (await control('requests', { method: 'DELETE' })),
    faults: async (faults) =>
      void (await control('faults', { method: 'POST', body: JSON.stringify(faults) })),
    async stop() {
      client.destroy();
      const exited = once(child, 'exit');
      child.stdin?.end();
      await exited;
    },
  };
}

async function readPort(child: ChildProcess): Promise<number> {
  let text = '';
  for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
    text += chunk.toString('utf8');
    const newline = text.indexOf('\n');
    if (newline >= 0) return (JSON.parse(text.slice(0, newline)) as { port: number }).port;
  }
  throw new Error('the test S3 server exited before listening');
}
