// Parse only, as a library call: decodes every file with decodeUnit and counts records (no store).
// usage: node parse-only.mjs DIST_DIR LIST_FILE
import { performance } from 'node:perf_hooks';
import { createReadStream, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [dist, listFile] = process.argv.slice(2);
const { decodeUnit } = await import(pathToFileURL(join(dist, 'src', 'parse', 'index.js')).href);
const files = readFileSync(listFile, 'utf8').split('\n').filter(Boolean);
let records = 0;
let bad = 0;
const sink = { row: () => void records++, issue: () => void bad++ };
const started = performance.now();
for (const file of files) {
  await decodeUnit({ key: file, kind: 'text', open: async () => createReadStream(file, { highWaterMark: 1024 * 1024 }) }, sink);
}
process.stdout.write(`${JSON.stringify({ records, bad, seconds: (performance.now() - started) / 1000 })}\n`);
