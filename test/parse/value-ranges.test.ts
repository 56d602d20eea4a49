import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseFlowLogText } from '../../src/parse/index.js';
import { createLocalSource } from '../../src/sources/index.js';
import { ingestSources } from '../../src/store/index.js';
import { runFlowlens } from '../helpers/cli.js';
import { openTempStore, V2_HEADER } from '../helpers/temp-store.js';

const record = (start: string, end: string, packets = '10', bytes = '840'): string =>
  `2 123456789010 eni-1 10.0.1.5 10.0.2.6 443 49152 6 ${packets} ${bytes} ${start} ${end} ACCEPT OK`;

function writeLog(lines: string[]): string {
  const path = join(mkdtempSync(join(tmpdir(), 'flowlens-values-')), 'a.log');
  writeFileSync(path, `${V2_HEADER}\n${lines.join('\n')}\n`);
  return path;
}

describe('millisecond start and end', () => {
  it('reads times above 2^31-1 as milliseconds and counts the records', () => {
    const { records, issues } = parseFlowLogText([record('1714521600123', '1714521659999'), record('1714521600', '1714521660')].join('\n'));
    expect(issues).toEqual([]);
    expect(records.map((r) => [r.start, r.end])).toEqual([[1714521600, 1714521659], [1714521600, 1714521660]]);
  });

  it('stores them as seconds on the ingest fast path and reports the count in the summary', async () => {
    const store = await openTempStore();
    try {
      const path = writeLog([record('1714521600123', '1714521659999'), record('1714521600', '1714521660'), record('1714521600', '1714521660999')]);
      const summary = await ingestSources(store, [createLocalSource(path)]);
      expect(summary.millisecondTimes).toBe(2);
      const rows = (await store.query('SELECT "start", "end" FROM flows ORDER BY "end"')).rows;
      expect(rows).toEqual([{ start: 1714521600, end: 1714521659 }, { start: 1714521600, end: 1714521660 }, { start: 1714521600, end: 1714521660 }]);
    } finally {
      store.close();
    }
  });

  it('says so in the ingest summary line', async () => {
    const path = writeLog([record('1714521600123', '1714521659999')]);
    const db = join(mkdtempSync(join(tmpdir(), 'flowlens-values-db-')), 'flows.duckdb');
    const run = await runFlowlens(['ingest', '--no-rollups', '--db', db, path]);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('1 records had millisecond times');
  });
});

describe('64-bit counters', () => {
  const MAX = '18446744073709551615'; // 2^64-1
  const ABOVE_2_53 = '9007199254740993'; // 2^53+1: a JS number would round it

  it('reads bytes and packets up to 2^64-1 exactly and refuses 2^64', () => {
    const { records, issues } = parseFlowLogText([record('1714521600', '1714521660', ABOVE_2_53, MAX), record('1714521600', '1714521660', '1', '18446744073709551616')].join('\n'));
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ packets: 9007199254740993n, bytes: 18446744073709551615n });
    expect(issues.map((i) => [i.code, i.field])).toEqual([['out-of-range', 'bytes']]);
  });

  it('stores them exactly and prints them exactly as json, ndjson and csv', async () => {
    const path = writeLog([record('1714521600', '1714521660', ABOVE_2_53, MAX), record('1714521600', '1714521660', '5', '100')]);
    const db = join(mkdtempSync(join(tmpdir(), 'flowlens-values-db-')), 'flows.duckdb');
    const ingest = await runFlowlens(['ingest', '--db', db, path]);
    expect(ingest.stderr).not.toContain('error');
    expect(ingest.code).toBe(0);
    const sql = 'SELECT packets, bytes FROM flows ORDER BY bytes DESC LIMIT 1';
    const json = await runFlowlens(['query', '--db', db, '-f', 'json', sql]);
    expect(json.stdout.replace(/\s/g, '')).toBe(`[{"packets":${ABOVE_2_53},"bytes":${MAX}}]`);
    const sum = await runFlowlens(['query', '--db', db, '-f', 'csv', 'SELECT sum(bytes) AS total FROM flows']);
    expect(sum.stdout).toBe(`total\n${2n ** 64n - 1n + 100n}\n`);
    const ndjson = await runFlowlens(['print', '--db', db, '-f', 'ndjson', '--fields', 'packets,bytes']);
    expect(ndjson.stdout.split('\n')).toContain(`{"packets":${ABOVE_2_53},"bytes":${MAX}}`);
    const csv = await runFlowlens(['print', '-f', 'csv', '--fields', 'packets,bytes', path]);
    expect(csv.stdout.split('\n')).toContain(`${ABOVE_2_53},${MAX}`);
    const fromFile = await runFlowlens(['print', '-f', 'ndjson', '--fields', 'bytes', path]);
    expect(fromFile.stdout.split('\n')[0]).toBe(`{"bytes":${MAX}}`);
  });
});
