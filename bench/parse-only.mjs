// Parse only, as a library call (no store): decodes every file with decodeUnit and counts records.
// Prints {records, bad, seconds, cpu} of the decoding alone (module loading excluded).
// usage: node parse-only.mjs DIST_DIR LIST_FILE [values|bytes]
//   values: rows as typed values (the row sink every library user gets);
//   bytes:  ingest's fast path: records validated as bytes and handed over unconverted (rawRecord).
import { performance } from 'node:perf_hooks';
import { createReadStream, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [dist, listFile, mode = 'values'] = process.argv.slice(2);
const { decodeUnit } = await import(pathToFileURL(join(dist, 'src', 'parse', 'index.js')).href);
const files = readFileSync(listFile, 'utf8').split('\n').filter(Boolean);
let records = 0;
let bad = 0;
const sink = { row: () => void records++, issue: () => void bad++ };
if (mode === 'bytes') sink.rawRecord = () => void records++;
const cpuBefore = process.cpuUsage();
const started = performance.now();
for (const file of files) {
  await decodeUnit({ key: file, kind: 'text', open: async () => createReadStream(file, { highWaterMark: 1024 * 1024 }) }, sink);
}
const cpu = process.cpuUsage(cpuBefore);
process.stdout.write(`${JSON.stringify({ records, bad, seconds: (performance.now() - started) / 1000, cpu: (cpu.user + cpu.system) / 1e6 })}\n`);
