import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the fake Graphistry received. */
export interface GraphistryRequest {
  method: string;
  path: string;
  authorization: string | undefined;
  body: unknown;
}

/** A loopback Graphistry speaking the REST upload API the upload client calls: login, files, datasets. */
export interface FakeGraphistry {
  server: string;
  requests: GraphistryRequest[];
  /** Uploaded file contents by file id, with the file_type each was created with. */
  files: Map<string, { type: string; kind: unknown; data: unknown }>;
  datasets: Map<string, Record<string, unknown>>;
  stop(): Promise<void>;
}

/** The account the fake accepts: a username/password and a personal key. */
export const GRAPHISTRY_ACCOUNT = { username: 'analyst', password: 'pw-s3cret', keyId: 'key-1', keySecret: 'ks-s3cret', token: 'jwt-token-xyz' };

/** Failures to stage: paths answered with HTTP 500, and a delay before answering every other file upload. */
export interface FakeGraphistryOptions {
  fail?: RegExp;
  uploadDelayMs?: number;
}

/** Starts the fake on 127.0.0.1: wrong credentials get 401, requests without the token get 403. */
export async function startFakeGraphistry(options: FakeGraphistryOptions = {}): Promise<FakeGraphistry> {
  const requests: GraphistryRequest[] = [];
  const files = new Map<string, { type: string; kind: unknown; data: unknown }>();
  const datasets = new Map<string, Record<string, unknown>>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      const authorization = req.headers.authorization;
      requests.push({ method: req.method ?? '', path, authorization, body });
      const send = (status: number, payload: unknown): void => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(payload));
      };
      if (req.method !== 'POST') return send(405, { detail: 'Method not allowed' });
      if (path === '/api/v2/auth/token/generate') {
        const ok = body.username === GRAPHISTRY_ACCOUNT.username && body.password === GRAPHISTRY_ACCOUNT.password;
        return ok ? send(200, { token: GRAPHISTRY_ACCOUNT.token }) : send(401, { detail: 'No active account found with the given credentials' });
      }
      if (path === '/api/v2/auth/pkey/jwt/') {
        const ok = authorization === `PersonalKey ${GRAPHISTRY_ACCOUNT.keyId}:${GRAPHISTRY_ACCOUNT.keySecret}`;
        return ok ? send(200, { token: GRAPHISTRY_ACCOUNT.token }) : send(401, { detail: 'Invalid personal key' });
      }
      if (authorization !== `Bearer ${GRAPHISTRY_ACCOUNT.token}`) return send(403, { detail: 'Authentication credentials were not provided.' });
      if (options.fail?.test(path)) return send(500, { detail: 'Internal server error' });
      if (path === '/api/v2/files/') {
        const id = `file-${files.size + 1}`;
        files.set(id, { type: String(body.file_type), kind: body.name, data: undefined });
        return send(200, { file_id: id });
      }
      const upload = /^\/api\/v2\/upload\/files\/([\w-]+)$/.exec(path);
      if (upload?.[1] && files.has(upload[1])) {
        const file = files.get(upload[1]);
        if (file) file.data = body;
        if (options.uploadDelayMs) return void setTimeout(() => send(200, { is_uploaded: true, is_valid: true }), options.uploadDelayMs);
        return send(200, { is_uploaded: true, is_valid: true });
      }
      if (path === '/api/v2/upload/datasets/') {
        const id = `dataset-${datasets.size + 1}`;
        datasets.set(id, body);
        return send(200, { success: true, data: { dataset_id: id } });
      }
      return send(404, { detail: 'Not found' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    files,
    datasets,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
