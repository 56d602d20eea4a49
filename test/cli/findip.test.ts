import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findipFlowsSql, findipSql } from '../../src/query/flow-queries.js';
import { readFindipPruning } from '../../src/query/findip-pruning.js';
import { cidrRange } from '../../src/records/index.js';
import { resolveSource } from '../../src/sources/index.js';
import { ingestSources, refreshRollups, ROLLUP_UNITS_TABLE, Store } from '../../src/store/index.js';
import { runFlowlens } from '../helpers/cli.js';

const fixture = (relative: string): string => join(import.meta.dirname, '../fixtures', relative);
const FILES = ['queries/flows-mixed.log', 'aws-docs/default-v2.log', 'aws-docs/traffic-path-v5.log'].map(fixture);
// json and text lines are compared with the RecordPrinter in sql-lines.test.ts.
const FORMATS = ['table', 'ndjson', 'csv'];
const QUERIES = [['10.0.1.10'], ['61.177.172.128'], ['172.31.5.5', '10.0.0.0/16'], ['2001:db8::/32'], ['192.0.2.99']];

let folder: string;
let db: string;
// Output of each query and format before the rollups exist (no pruning), keyed by `${format} ${addresses}`.
const unpruned = new Map<string, string>();

async function findip(addresses: string[], format: string, extra: string[] = []): Promise<string> {
  const run = await runFlowlens(['findip', ...addresses, '--db', db, '--format', format, ...extra]);
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  return run.stdout;
}

/** Data lines in order of start, ties (same start and unit) in any order: sorted within each run of equal starts. */
function canonical(text: string, format: string): string[] {
  if (format !== 'ndjson') return text.split('\n').sort();
  const rows = text.trim().split('\n').filter(Boolean);
  const starts = rows.map((line) => (JSON.parse(line) as { start: number }).start);
  expect(starts).toEqual([...starts].sort((a, b) => a - b));
  return rows.sort();
}

beforeAll(async () => {
  folder = mkdtempSync(join(tmpdir(), 'flowlens-findip-'));
  db = join(folder, 'flows.duckdb');
  const store = await Store.open(db);
  await ingestSources(store, await Promise.all(FILES.map((file) => resolveSource(file))));
  // Without the rollup ledger findip reads every unit (whether or not ingest maintains the rollups).
  await store.run(`DROP TABLE IF EXISTS ${ROLLUP_UNITS_TABLE}`);
  store.close();
  for (const addresses of QUERIES) for (const format of FORMATS) unpruned.set(`${format} ${addresses.join(' ')}`, await findip(addresses, format));
  const writable = await Store.open(db);
  await refreshRollups(writable);
  writable.close();
});
afterAll(() => rmSync(folder, { recursive: true, force: true }));

describe('findip', () => {
  it.each(QUERIES)('prints the same rows with the rollups narrowing the scan as without (%s)', async (...addresses) => {
    for (const format of FORMATS) {
      const before = unpruned.get(`${format} ${addresses.join(' ')}`) ?? '';
      expect(canonical(await findip(addresses, format), format)).toEqual(canonical(before, format));
    }
  });

  it('finds exactly the records whose source or destination is in a range, each once', async () => {
    const store = await Store.open(db, { readOnly: true });
    try {
      for (const addresses of QUERIES) {
        const ranges = addresses.map((a) => cidrRange(a));
        const expected = await store.query(`SELECT count(*) AS n FROM flows WHERE ${findipSql(ranges)}`);
        const pruning = await readFindipPruning(store, ranges);
        expect(pruning).toBeDefined();
        expect(findipFlowsSql('TRUE', ranges, pruning)).not.toBe(findipFlowsSql('TRUE', ranges));
        const found = await store.query(`SELECT count(*) AS n FROM ${findipFlowsSql('TRUE', ranges, pruning)} AS f`);
        expect(found.rows[0]?.n).toBe(expected.rows[0]?.n);
        const printed = (await findip(addresses, 'ndjson')).split('\n').filter(Boolean);
        expect(printed).toHaveLength(Number(expected.rows[0]?.n));
      }
    } finally {
      store.close();
    }
  });

  it('reads only the units that hold an address, and compares texts when few', async () => {
    const store = await Store.open(db, { readOnly: true });
    try {
      const ranges = [cidrRange('61.177.172.128')];
      const pruning = await readFindipPruning(store, ranges);
      const units = async (side: string): Promise<number[]> =>
        (await store.query(`SELECT DISTINCT unit_id FROM flows WHERE ${side}_ip = ${ranges[0]?.low}::UHUGEINT ORDER BY unit_id`)).rows.map((r) => Number(r.unit_id));
      expect(pruning?.src.units).toEqual(await units('src'));
      expect(pruning?.dst.units).toEqual(await units('dst'));
      expect(pruning?.src.texts ?? []).toEqual(pruning?.src.units.length ? ['61.177.172.128'] : []);
    } finally {
      store.close();
    }
  });

  it('prints a table with text SQL cannot pad like JS (non-ASCII) through the RecordPrinter', async () => {
    const log = join(folder, 'wide.log');
    const eni = 'eni-0123456789\u{1F600}'; // 16 UTF-16 units, 15 characters: JS pads by the former
    writeFileSync(log, `version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n2 123456789010 ${eni} 10.9.9.9 10.0.0.1 1 2 6 1 60 1700000000 1700000001 ACCEPT OK\n`);
    const run = await runFlowlens(['findip', '10.9.9.9', '--in', log, '--fields', 'interface_id,srcaddr']);
    expect(run.stdout.split('\n').slice(1, 3)).toEqual([`${'-'.repeat(eni.length)}  --------`, `${eni}  10.9.9.9`]);
  });

  it('aligns a table on the printed rows with --limit and --fields', async () => {
    const text = await findip(['10.0.0.0/8'], 'table', ['--limit', '3', '--fields', 'srcaddr,dstport,action']);
    const lines = text.trimEnd().split('\n');
    expect(lines).toHaveLength(5);
    expect(lines[0]?.split(/\s+/)).toEqual(['srcaddr', 'dstport', 'action']);
    expect(new Set(lines.slice(2).map((l) => l.indexOf(l.split(/\s+/)[2] ?? '')))).toHaveProperty('size', 1);
  });
});
