// A loopback S3-compatible server for the tests: s3rver, run in its own process because its
// continuation tokens use DES (needs --openssl-legacy-provider), with two fixes and test controls:
// - ListObjects with a delimiter reports common prefixes of keys nested deeper than one level;
// - /__control/requests lists the requests served, /__control/faults injects AccessDenied,
//   503 SlowDown and connection resets mid-body for chosen keys.
// Prints {"port": N} on stdout once listening; exits when stdin closes.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import S3rver from 's3rver';

const directory = mkdtempSync(join(tmpdir(), 'flowlens-s3rver-'));
const server = new S3rver({
  address: '127.0.0.1',
  port: Number(process.env.S3RVER_PORT ?? 0),
  directory,
  silent: true,
});
server.silent = true;

const originalList = server.store.listObjects.bind(server.store);
server.store.listObjects = async (bucket, options) => {
  const { delimiter = '', prefix = '', startAfter = '', maxKeys = Infinity } = options;
  // A flat listing is right as s3rver makes it, and stops at the page's end (reading only its objects' metadata).
  if (!delimiter) return originalList(bucket, options);
  const all = await originalList(bucket, { prefix, startAfter, maxKeys: Infinity });
  const objects = [];
  const prefixes = new Set();
  let isTruncated = false;
  for (const object of all.objects) {
    const at = delimiter ? object.key.slice(prefix.length).indexOf(delimiter) : -1;
    if (at >= 0) {
      prefixes.add(object.key.slice(0, prefix.length + at + 1));
      continue;
    }
    if (objects.length >= maxKeys) {
      isTruncated = true;
      break;
    }
    objects.push(object);
  }
  return { objects, commonPrefixes: [...prefixes].sort(), isTruncated };
};

const requests = [];
let faults = { deny: [], slowdown: {}, reset: {} };

function s3Error(ctx, status, code, message) {
  ctx.status = status;
  ctx.type = 'application/xml';
  ctx.body = `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`;
}

async function readJson(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : {};
}

server.middleware.unshift(async (ctx, next) => {
  const url = new URL(ctx.url, 'http://localhost');
  if (url.pathname === '/__control/requests') {
    if (ctx.method === 'DELETE') requests.length = 0;
    ctx.body = JSON.stringify(requests);
    return;
  }
  if (url.pathname === '/__control/faults') {
    faults = { deny: [], slowdown: {}, reset: {}, ...(await readJson(ctx.req)) };
    ctx.body = '{}';
    return;
  }
  requests.push({
    method: ctx.method,
    path: decodeURIComponent(url.pathname),
    query: Object.fromEntries(url.searchParams),
    range: ctx.get('range') || undefined,
  });
  const key = decodeURIComponent(url.pathname).split('/').slice(2).join('/');
  if (ctx.method === 'GET' && key) {
    if (faults.deny.includes(key)) return s3Error(ctx, 403, 'AccessDenied', 'Access Denied');
    if ((faults.slowdown[key] ?? 0) > 0) {
      faults.slowdown[key]--;
      return s3Error(ctx, 503, 'SlowDown', 'Please reduce your request rate.');
    }
    if ((faults.reset[key] ?? 0) > 0) {
      faults.reset[key]--;
      await next();
      let sent = 0;
      const socket = ctx.req.socket;
      const half = Math.max(1, Math.floor(Number(ctx.response.length ?? 2) / 2));
      // Send half of the body, then drop the connection as a reset would.
      const cut = new Transform({
        transform(chunk, _encoding, callback) {
          const room = half - sent;
          if (room <= 0) return callback();
          sent += Math.min(room, chunk.length);
          callback(null, chunk.subarray(0, room));
          if (sent >= half) setTimeout(() => socket.destroy(), 20);
        },
      });
      const length = ctx.response.length;
      ctx.body.pipe(cut);
      ctx.body = cut;
      ctx.length = length; // keep the promised length, so the client sees the body end early
      return;
    }
  }
  await next();
});

const { port } = await server.run();
process.stdout.write(`${JSON.stringify({ port })}\n`);
const stop = async () => {
  await server.close();
  rmSync(directory, { recursive: true, force: true });
  process.exit(0);
};
process.stdin.resume();
process.stdin.on('end', stop);
process.on('SIGTERM', stop);
