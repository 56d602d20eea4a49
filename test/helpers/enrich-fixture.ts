import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runFlowlens } from './cli.js';
import { V2_HEADER } from './temp-store.js';

/** The small ip-ranges.json the enrichment tests load with --aws-ranges. */
export const AWS_RANGES = new URL('../fixtures/enrich/ip-ranges.json', import.meta.url).pathname;

/** One accepted v2 record from `src` to `dst`. */
export const enrichLine = (src: string, dst: string, dstport: number, bytes: number): string =>
  `2 123456789012 eni-0a1 ${src} ${dst} 40000 ${dstport} 6 10 ${bytes} 1700000000 1700000060 ACCEPT OK`;

/** Writes `flows.log` in `dir`: two private hosts talking to 8.8.8.8 (AS15169, US), 1.1.1.1 (AS13335, AU), S3 and each other. */
export function writeEnrichFlows(dir: string): string {
  const logs = join(dir, 'flows.log');
  writeFileSync(logs, [
    V2_HEADER,
    enrichLine('10.0.1.5', '8.8.8.8', 443, 1000),
    enrichLine('8.8.8.8', '10.0.1.5', 40000, 5000),
    enrichLine('10.0.1.5', '1.1.1.1', 53, 300),
    enrichLine('10.0.1.6', '52.216.10.20', 443, 7000),
    enrichLine('10.0.1.6', '10.0.1.5', 22, 100),
  ].join('\n') + '\n');
  return logs;
}

/** Ingests writeEnrichFlows's records into `dir/flows.duckdb` and loads the enrichment (with AWS_RANGES); returns the database path. */
export async function buildEnrichedStore(dir: string): Promise<string> {
  const db = join(dir, 'flows.duckdb');
  for (const argv of [['ingest', '--db', db, writeEnrichFlows(dir)], ['enrich', '--db', db, '--aws-ranges', AWS_RANGES]]) {
    const run = await runFlowlens(argv);
    if (run.code !== 0) throw new Error(`flowlens ${argv.join(' ')} exited ${run.code}: ${run.stderr}`);
  }
  return db;
}
