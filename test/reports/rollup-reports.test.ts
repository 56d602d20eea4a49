import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialectForStore, getDialect } from '../../src/engines/index.js';
import type { SqlDialect } from '../../src/engines/index.js';
import { generateFlowLogChunks } from '../../src/generate/index.js';
import { buildReportSql, findReport } from '../../src/reports/index.js';
import { bigintAverageLayers } from '../../src/reports/rollup-reports.js';
import { resolveSource } from '../../src/sources/index.js';
import { FLOW_ROLLUPS, ingestSources, readRollups, refreshRollups, Store, WHOLE_STORE_ROLLUPS } from '../../src/store/index.js';

const duckdbDialect = getDialect('duckdb');
const HOUR = 3600;
const START = 1_714_521_600; // 2024-05-01T00:00:00Z, the generator's default start
// Selections as selectionToSql writes them: everything, whole hours, a window on 5 minutes, action, and one the rollups cannot answer.
const WHERES = ['TRUE', `"start" >= ${START + HOUR}`, `"start" >= ${START} AND "start" < ${START + 2 * HOUR}`, `"start" >= ${START + 900} AND "start" < ${START + 4200}`, "action = 'REJECT'", "action = 'ACCEPT'"];
const PORT_SCAN_PARAMS: Record<string, string>[] = [{}, { window: '600' }, { window: '3600', 'min-ports': '5', 'min-hosts': '3' }, { 'min-ports': '2', 'min-hosts': '2' }];

let dir: string;
let store: Store;
let rolled: SqlDialect;

/** A store of generated flow logs (its SSH brute force and port scan included), one file per generated hour. */
async function generatedStore(): Promise<Store> {
  dir = mkdtempSync(join(tmpdir(), 'flowlens-rollup-reports-'));
  const files = new Map<number, Buffer[]>();
  for (const chunk of generateFlowLogChunks({ records: 40_000, hours: 3, seed: 'rollup-reports' })) {
    files.set(chunk.object.index, [...(files.get(chunk.object.index) ?? []), chunk.data]);
  }
  for (const [index, parts] of files) writeFileSync(join(dir, `flows-${index}.log`), Buffer.concat(parts));
  // Odd rows: IPv6 and IPv4 written with leading zeros (side texts), NODATA (no addresses or bytes), huge byte counts.
  writeFileSync(
    join(dir, 'odd.log'),
    [
      'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status',
      ...Array.from({ length: 30 }, (_, i) => `2 123456789012 eni-0odd 2001:db8::${i % 3} 2001:db8::ff ${40000 + i} ${1000 + i} 6 1 ${40 + i} ${START + 60 * i} ${START + 60 * i + 50} REJECT OK`),
      ...Array.from({ length: 25 }, (_, i) => `2 123456789012 eni-0odd 10.0.1.007 10.0.2.${i} ${40000 + i} ${2000 + i} 6 1 ${i} ${START + 10 * i} ${START + 10 * i + 5} ACCEPT OK`),
      ...Array.from({ length: 25 }, (_, i) => `2 123456789012 eni-0odd 10.0.1.7 010.0.2.${i} ${50000 + i} ${3000 + i} 6 1 ${9_000_000_000_000 + i * 7_777_777} ${START + 10 * i} ${START + 10 * i + 5} ACCEPT OK`),
      `2 123456789012 eni-0odd - - - - - - - ${START} ${START + 60} - NODATA`,
    ].join('\n') + '\n',
  );
  const s = await Store.memory();
  await ingestSources(s, [await resolveSource(dir)], { rollups: true });
  await refreshRollups(s);
  return s;
}

beforeAll(async () => {
  store = await generatedStore();
  rolled = await dialectForStore(store);
}, 120_000);
afterAll(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The report's rows read through the rollups and read from the records, and the two SQL texts. */
async function bothWays(name: string, where: string, params: Record<string, string> = {}, limit?: number) {
  const context = { table: 'flows', where, limit, params };
  const rollupSql = buildReportSql(findReport(name), { ...context, dialect: rolled });
  const recordSql = buildReportSql(findReport(name), { ...context, dialect: duckdbDialect });
  return { rollupSql, recordSql, fromRollups: (await store.query(rollupSql)).rows, fromRecords: (await store.query(recordSql)).rows };
}

describe('port-scans on the windows rollup', () => {
  it('finds the generated port scan', async () => {
    const { rollupSql, fromRollups } = await bothWays('port-scans', 'TRUE');
    expect(rollupSql).toContain(FLOW_ROLLUPS.windows);
    expect(fromRollups.length).toBeGreaterThan(0);
    expect(Number(fromRollups[0]?.ports)).toBeGreaterThanOrEqual(100);
  });

  it.each(WHERES.flatMap((where) => PORT_SCAN_PARAMS.map((params) => [where, params] as const)))('returns exactly the records\' rows for %s with %o', async (where, params) => {
    const { rollupSql, fromRollups, fromRecords } = await bothWays('port-scans', where, params, 5000);
    expect(rollupSql).toContain(FLOW_ROLLUPS.windows);
    expect(fromRecords.length).toBeGreaterThan(0);
    expect(fromRollups).toEqual(fromRecords);
  });

  it('counts side-text addresses (IPv6, leading zeros) as the texts they are', async () => {
    const { fromRollups, fromRecords } = await bothWays('port-scans', 'TRUE', { 'min-ports': '20', 'min-hosts': '20' }, 100_000);
    const odd = fromRecords.filter((r) => String(r.srcaddr).startsWith('2001:') || String(r.srcaddr).startsWith('10.0.1.'));
    expect(odd.map((r) => r.srcaddr)).toEqual(expect.arrayContaining(['10.0.1.007', '10.0.1.7']));
    expect(fromRollups).toEqual(fromRecords);
  });

  it('reads the records when the window is not a multiple of 5 minutes or the selection is not on its windows', async () => {
    for (const [where, params] of [['TRUE', { window: '90' }], [`"start" >= ${START + 60}`, {}]] as const) {
      const { rollupSql, fromRollups, fromRecords } = await bothWays('port-scans', where, params);
      expect(rollupSql).not.toContain(FLOW_ROLLUPS.windows);
      expect(fromRollups).toEqual(fromRecords);
    }
  });
});

describe('byte-stats on the pairs rollup', () => {
  it.each(WHERES)('returns exactly the records\' rows for %s', async (where) => {
    const { rollupSql, fromRollups, fromRecords } = await bothWays('byte-stats', where, {}, 100_000);
    // A window that is not on whole hours is left to the records (the pairs rollup is hourly).
    const onHours = [...where.matchAll(/\d{6,}/g)].every((m) => Number(m[0]) % HOUR === 0);
    expect(rollupSql).toContain(!onHours ? '"flows"' : where.includes('start') ? FLOW_ROLLUPS.pairs : WHOLE_STORE_ROLLUPS.pairs);
    expect(fromRecords.length).toBeGreaterThan(10);
    expect(fromRollups).toEqual(fromRecords);
  });

  it('keeps the default limit, --limit and the NODATA group', async () => {
    for (const limit of [undefined, 7]) {
      const { fromRollups, fromRecords } = await bothWays('byte-stats', 'TRUE', {}, limit);
      expect(fromRollups).toEqual(fromRecords);
    }
    const all = (await bothWays('byte-stats', 'TRUE', {}, 100_000)).fromRollups;
    expect(all.at(-1)).toEqual({ srcAddr: null, dstAddr: null, 'avg(bytes)': null, 'min(bytes)': null, 'max(bytes)': null });
  });
});

describe('rollup layout', () => {
  it('leaves port-scans and byte-stats to the records on rollups made before the windows table and byte columns, until refreshRollups adds them', async () => {
    const old = await generatedStore();
    try {
      await old.run(`DROP VIEW ${FLOW_ROLLUPS.windows}`);
      await old.run(`DROP TABLE ${FLOW_ROLLUPS.windows}_rows`);
      await old.run(`DROP VIEW ${WHOLE_STORE_ROLLUPS.pairs}`);
      await old.run(`ALTER TABLE ${WHOLE_STORE_ROLLUPS.pairs}_rows DROP COLUMN min_bytes`);
      const earlier = await readRollups(old);
      expect(earlier).toEqual({ ports: FLOW_ROLLUPS.ports, pairs: FLOW_ROLLUPS.pairs, windows: undefined, byteStatistics: false });
      const dialectBefore = await dialectForStore(old);
      for (const name of ['port-scans', 'byte-stats']) {
        const sql = buildReportSql(findReport(name), { table: 'flows', where: 'TRUE', limit: 100_000, dialect: dialectBefore });
        expect(sql).not.toContain('flow_rollup');
        expect((await old.query(sql)).rows).toEqual((await store.query(buildReportSql(findReport(name), { table: 'flows', where: 'TRUE', limit: 100_000, dialect: duckdbDialect }))).rows);
      }
      // The other rollup readers keep their rollups meanwhile.
      expect(buildReportSql(findReport('top-talkers'), { table: 'flows', where: 'TRUE', limit: undefined, dialect: dialectBefore })).toContain(FLOW_ROLLUPS.pairs);
      expect(await refreshRollups(old)).toBeGreaterThan(0);
      const dialect = await dialectForStore(old);
      expect(dialect.rollups?.wholeStore).toBeDefined();
      for (const name of ['port-scans', 'byte-stats']) {
        const sql = buildReportSql(findReport(name), { table: 'flows', where: 'TRUE', limit: 100_000, dialect });
        expect(sql).toContain('flow_rollup');
        expect((await old.query(sql)).rows).toEqual((await store.query(buildReportSql(findReport(name), { table: 'flows', where: 'TRUE', limit: 100_000, dialect: duckdbDialect }))).rows);
      }
    } finally {
      old.close();
    }
  }, 120_000);
});

describe('bigintAverageLayers', () => {
  /** DuckDB's avg() and the layers' value for groups of BIGINT values. */
  async function compare(groups: readonly (readonly bigint[])[], exactFrom?: number): Promise<{ avg: unknown; layered: unknown }[]> {
    await store.run(`CREATE OR REPLACE TEMP TABLE avg_values (g INTEGER, v ${groups.flat().some((v) => v < 0n) ? 'BIGINT' : 'UBIGINT'})`);
    const rows = groups.flatMap((values, g) => values.map((v) => `(${g}, ${v})`));
    for (let i = 0; i < rows.length; i += 5000) await store.run(`INSERT INTO avg_values VALUES ${rows.slice(i, i + 5000).join(', ')}`);
    const inner = 'SELECT g, avg(v) AS avg, sum(v) AS s, count(v) AS n FROM avg_values GROUP BY g';
    return (await store.query(`SELECT avg, avg_value AS layered FROM (${bigintAverageLayers(inner, 's', 'n', undefined, exactFrom)}) ORDER BY g`)).rows as { avg: unknown; layered: unknown }[];
  }

  it('gives avg() where sum / count in doubles differs from it in the last bit', async () => {
    // 1000000002959 / 12289 rounds to 64 bits onto a midpoint between two doubles (x86-64's long double).
    const values = [1_000_000_002_959n - 12_288n * 81_373_586n, ...Array.from({ length: 12_288 }, () => 81_373_586n)];
    const [row] = await compare([values]);
    expect(row?.layered).toBe(row?.avg);
    expect(row?.avg).not.toBe(1_000_000_002_959 / 12_289);
  });

  it('equals avg() for any BIGINT or UBIGINT values, negative ones and zero sums included', async () => {
    const value = fc.oneof(fc.bigInt({ min: 0n, max: 2n ** 40n }), fc.bigInt({ min: -(2n ** 50n), max: 2n ** 50n }), fc.constantFrom(0n, 1n, 3n));
    await fc.assert(
      fc.asyncProperty(fc.boolean(), fc.array(fc.array(value, { minLength: 1, maxLength: 40 }), { minLength: 1, maxLength: 30 }), async (unsigned, groups) => {
        const values = unsigned ? groups.map((g) => g.map((v) => (v < 0n ? -v : v))) : groups;
        // Every group rounded in integers (exactFrom 0), and with the plain division where it is exact.
        for (const exactFrom of [0, undefined]) for (const row of await compare(values, exactFrom)) expect(row.layered).toBe(row.avg);
      }),
      { numRuns: 40 },
    );
  });
});
