// The small-objects rows of the benchmark: many objects of 1-10 KB of every log type (VPC flow logs, S3 server
// access logs, CloudTrail), ingested from a local folder and from the loopback S3 server (s3rver, as the tests run
// it) with --concurrency; row counts are checked against what the generator wrote.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { performance } from 'node:perf_hooks';
import { measure } from './lib.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..');
const START = Date.UTC(2024, 0, 1) / 1000;
const KINDS = [
  { kind: 'vpc', table: 'flows', recordsPerObject: 40 },
  { kind: 's3-access', table: 's3_access', recordsPerObject: 12 },
  { kind: 'cloudtrail', table: 'cloudtrail', recordsPerObject: 12 },
];

/**
 * Generates (once per size) `objects` small objects split over the three log types, then measures `flowlens ingest`
 * of the folder and of `s3Objects` of them served by s3rver. Returns the rows for results.json.
 */
export async function measureSmallObjects({ dist, data, work, objects, s3Objects, concurrency = 16, log }) {
  const cli = join(dist, 'bin', 'flowlens.js');
  const set = await ensureSmallObjects(dist, join(data, `small-${objects}`), objects, log);
  const rows = [];
  for (const entry of set.kinds) rows.push(await ingestOnce(cli, work, `folder ${entry.kind}`, entry.folder, entry, [], log));
  rows.push(await ingestOnce(cli, work, 'folder, all three types in one run', set.folder, { files: set.files, records: null }, [], log));
  if (s3Objects > 0) {
    const server = await startS3rver();
    try {
      log(`uploading ${s3Objects} small objects to the loopback S3 server`);
      const share = Math.floor(s3Objects / set.kinds.length);
      for (const entry of set.kinds) {
        const files = listAll(entry.folder).slice(0, share);
        await upload(server, 'small', files.map((path) => [`${entry.kind}/${relative(entry.folder, path)}`, path]), 16);
        if (entry === set.kinds[0]) rows.push(await getOnly(server, files.map((path) => `${entry.kind}/${relative(entry.folder, path)}`), concurrency));
        const records = files.reduce((sum, path) => sum + (entry.recordsByFile.get(relative(entry.folder, path)) ?? 0), 0);
        const logType = entry.kind === 'vpc' ? [] : ['--log-type', entry.kind];
        rows.push(
          await ingestOnce(cli, work, `s3 ${entry.kind} --concurrency ${concurrency}`, `s3://small/${entry.kind}/`, { files: files.length, records }, [
            ...logType,
            '--concurrency',
            String(concurrency),
            '--endpoint-url',
            server.endpoint,
          ], log, server.env),
        );
      }
    } finally {
      await server.stop();
    }
  }
  return rows;
}

async function ingestOnce(cli, work, label, source, expected, extra, log, env = {}) {
  const db = join(work, `small-${label.replace(/[^a-z0-9]+/gi, '-')}.duckdb`);
  for (const path of [db, `${db}.wal`]) rmSync(path, { force: true });
  log(`flowlens ingest ${source} (${expected.files} objects)`);
  const m = await measure(process.execPath, [cli, 'ingest', source, ...extra, '--db', db, '--format', 'json', '--no-rollups'], { node: true, stdout: 'pipe', env });
  const summary = JSON.parse(m.output.trim().split('\n').pop());
  if (summary.units !== expected.files || (expected.records !== null && summary.records !== expected.records) || summary.badLines !== 0) {
    throw new Error(`${label}: stored ${summary.units} objects / ${summary.records} records (${summary.badLines} bad), expected ${expected.files} / ${expected.records}`);
  }
  rmSync(db, { force: true });
  return { name: label, objects: summary.units, records: summary.records, wall: m.wall, cpu: m.cpu, rssMb: m.rssMb, objectsPerSecond: Math.round(summary.units / m.wall) };
}

// Writes the objects with the library's generators (same seed, same bytes) and remembers each file's record count.
async function ensureSmallObjects(dist, folder, objects, log) {
  const marker = `${folder}.json`;
  if (existsSync(marker)) {
    const saved = JSON.parse(readFileSync(marker, 'utf8'));
    if (saved.objects === objects) return revive(saved);
  }
  rmSync(folder, { recursive: true, force: true });
  const generate = await import(pathToFileURL(join(dist, 'src', 'generate', 'index.js')).href);
  const kinds = [];
  const per = Math.ceil(objects / KINDS.length);
  for (const { kind, table, recordsPerObject } of KINDS) {
    const out = join(folder, kind);
    log(`generating ${per} small ${kind} objects into ${out}`);
    const recordsByFile = {};
    if (kind === 'vpc') {
      const written = await generate.writeFlowLogs({ records: per * recordsPerObject, hours: per, seed: 3, start: START, out });
      for (const object of written.objects) recordsByFile[object.path] = object.records;
    } else {
      // One object per hour; the hours are made dense enough that almost every hour has one.
      await generate.writeAwsLogs({ kind, records: per * recordsPerObject, seed: 3, start: START, hours: per, out });
      for (const path of listAll(out)) recordsByFile[relative(out, path)] = countRecords(kind, path);
    }
    kinds.push({ kind, table, folder: out, files: Object.keys(recordsByFile).length, records: Object.values(recordsByFile).reduce((a, b) => a + b, 0), recordsByFile });
  }
  const saved = { objects, folder, kinds };
  writeFileSync(marker, JSON.stringify(saved));
  return revive(saved);
}

function revive(saved) {
  const kinds = saved.kinds.map((k) => ({ ...k, recordsByFile: new Map(Object.entries(k.recordsByFile)) }));
  const sizes = kinds.flatMap((k) => listAll(k.folder).map((path) => statSync(path).size));
  return { folder: saved.folder, kinds, files: sizes.length, minBytes: Math.min(...sizes), maxBytes: Math.max(...sizes) };
}

function countRecords(kind, path) {
  if (kind === 's3-access') return readFileSync(path, 'utf8').split('\n').filter((line) => line.length > 0).length;
  return JSON.parse(gunzipSync(readFileSync(path)).toString('utf8')).Records.length;
}

function listAll(folder) {
  const out = [];
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else out.push(path);
    }
  };
  walk(folder);
  return out.sort();
}

/** Starts the tests' s3rver child (127.0.0.1, free port) and an S3 client for uploads. */
async function startS3rver() {
  const env = {
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    AWS_REGION: 'us-east-1',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: '/nonexistent/flowlens-bench-aws-config',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/flowlens-bench-aws-credentials',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  const script = join(root, 'test', 'sources', 'helpers', 's3-server-child.mjs');
  const child = spawn(process.execPath, ['--openssl-legacy-provider', script], { stdio: ['pipe', 'pipe', 'ignore'], env: { ...process.env, S3RVER_PORT: '0' } });
  let text = '';
  for await (const chunk of child.stdout) {
    text += chunk.toString('utf8');
    if (text.includes('\n')) break;
  }
  const { port } = JSON.parse(text.slice(0, text.indexOf('\n')));
  const endpoint = `http://127.0.0.1:${port}`;
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const { S3Client, CreateBucketCommand, GetObjectCommand, PutObjectCommand } = await import('@aws-sdk/client-s3');
  const client = new S3Client({ endpoint, forcePathStyle: true, region: 'us-east-1', credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
  await client.send(new CreateBucketCommand({ Bucket: 'small' }));
  return {
    endpoint,
    env,
    get: async (bucket, key) => (await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body.transformToByteArray(),
    put: (bucket, key, body) => client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentLength: body.length })),
    async stop() {
      client.destroy();
      const exited = once(child, 'exit');
      child.stdin.end();
      await exited;
    },
  };
}

// The server's own ceiling: the same objects fetched with the SDK at the same concurrency, nothing parsed or stored.
async function getOnly(server, keys, concurrency) {
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < keys.length) await server.get('small', keys[next++].replaceAll('\\', '/'));
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const wall = (performance.now() - started) / 1000;
  return { name: `s3 GET only (SDK, no ingest) --concurrency ${concurrency}`, objects: keys.length, records: null, wall, cpu: null, rssMb: null, objectsPerSecond: Math.round(keys.length / wall) };
}

async function upload(server, bucket, pairs, concurrency) {
  let next = 0;
  const worker = async () => {
    while (next < pairs.length) {
      const [key, path] = pairs[next++];
      await server.put(bucket, key.replaceAll('\\', '/'), readFileSync(path));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}
