import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { duckdb, getDialect } from '../../src/engines/index.js';
import { buildReportSql, findReport, REPORTS } from '../../src/reports/index.js';
import type { Store } from '../../src/store/index.js';
import { loadStore, valuesOf } from '../query/fixture-store.js';
import { naturalCompare } from '../query/insights/natural-compare.js';

// Independent SQL for each report, written by hand over the raw columns (no dialect, no macros).
const PRIVATE = (c: string) =>
  `(${c} LIKE '10.%' OR regexp_full_match(${c}, '172\\.(1[6-9]|2[0-9]|3[01])\\..*') OR ${c} LIKE '192.168.%' OR ${c} LIKE '127.%' OR ${c} LIKE '169.254.%'
    OR regexp_full_match(${c}, '100\\.(6[4-9]|[7-9][0-9]|1[01][0-9]|12[0-7])\\..*') OR lower(${c}) LIKE 'fc%' OR lower(${c}) LIKE 'fd%' OR lower(${c}) LIKE 'fe8%' OR ${c} = '::1')`;
const TS = (seconds: string) => `strftime(make_timestamp((${seconds}) * 1000000), '%Y-%m-%d %H:%M:%S.000')`;

const REFERENCES: Record<string, string> = {
  'top-talkers': `SELECT srcaddr, dstaddr, sum(bytes) tb, sum(packets), count(*) FROM flows WHERE srcaddr IS NOT NULL AND dstaddr IS NOT NULL
    GROUP BY srcaddr, dstaddr ORDER BY tb DESC, srcaddr, dstaddr LIMIT 50`,
  'rejected-sources': `SELECT srcaddr, count(*) n FROM flows WHERE action = 'REJECT' GROUP BY srcaddr`,
  'ssh-rejects': `SELECT ${TS('start // 3600 * 3600')}, srcaddr, count(*) n, sum(packets) FROM flows WHERE action = 'REJECT' AND protocol = 6 AND dstport = 22
    GROUP BY start // 3600, srcaddr ORDER BY start // 3600, n DESC, srcaddr`,
  'rdp-rejects': `SELECT ${TS('start // 3600 * 3600')}, srcaddr, count(*) n, sum(packets) FROM flows WHERE action = 'REJECT' AND protocol = 6 AND dstport = 3389
    GROUP BY start // 3600, srcaddr ORDER BY start // 3600, n DESC, srcaddr`,
  'rejects-by-weekday': `SELECT isodow(to_timestamp(start)) d, dayname(to_timestamp(start)), count(*), count(DISTINCT srcaddr) FROM flows
    WHERE action = 'REJECT' AND protocol = 6 GROUP BY ALL ORDER BY d`,
  'port-scans': `SELECT ${TS('start // 300 * 300')}, srcaddr, count(DISTINCT dstport) p, count(DISTINCT dstaddr) h, count(*), count(*) FILTER (action = 'REJECT')
    FROM flows WHERE srcaddr IS NOT NULL GROUP BY start // 300, srcaddr HAVING p >= 20 OR h >= 20 ORDER BY p DESC, h DESC, start // 300, srcaddr LIMIT 100`,
  'internet-egress': `SELECT interface_id, subnet_id, sum(bytes) b, sum(packets), count(*), count(DISTINCT dstaddr) FROM flows
    WHERE action = 'ACCEPT' AND ${PRIVATE('srcaddr')} AND NOT ${PRIVATE('dstaddr')} GROUP BY ALL ORDER BY b DESC, interface_id, subnet_id LIMIT 50`,
  interfaces: `SELECT interface_id, count(*), sum(packets), sum(bytes) b, count(*) FILTER (action = 'ACCEPT'), count(*) FILTER (action = 'REJECT'), min(start), max("end")
    FROM flows GROUP BY interface_id ORDER BY b DESC NULLS LAST, interface_id`,
  protocols: `SELECT protocol, CASE protocol WHEN 6 THEN 'TCP' WHEN 17 THEN 'UDP' WHEN 1 THEN 'ICMP' END, count(*), sum(packets), sum(bytes) b, count(*) FILTER (action = 'REJECT')
    FROM flows WHERE protocol IS NOT NULL GROUP BY protocol ORDER BY b DESC, protocol`,
  'top-bytes': 'SELECT srcaddr, dstaddr, sum(bytes) b FROM flows GROUP BY ALL',
  'top-packets': 'SELECT srcaddr, dstaddr, sum(packets) p FROM flows GROUP BY ALL',
  'byte-stats': 'SELECT srcaddr, dstaddr, avg(bytes), min(bytes), max(bytes) FROM flows GROUP BY ALL ORDER BY srcaddr NULLS LAST, dstaddr NULLS LAST',
  'udp-sources': 'SELECT srcaddr, count(*) FROM flows WHERE protocol = 17 GROUP BY srcaddr ORDER BY srcaddr',
  'subnet-top-bytes': "SELECT dstaddr, sum(bytes) b FROM flows WHERE srcaddr LIKE '10.0.1.%' GROUP BY dstaddr",
  'skipped-records': `SELECT ${TS('start // 3600 * 3600')} t, count(*) FROM flows WHERE log_status = 'SKIPDATA' GROUP BY t ORDER BY t`,
};

const PARAMS: Record<string, Record<string, string>> = { 'subnet-top-bytes': { cidr: '10.0.1.0/24' } };

// Reports written as Insights queries sort text in Insights' natural order (45.9.20.1 before 182.68.238.8): their
// references are ordered here, by column index (numbers desc, text natural with nulls last), then cut to the limit.
const NATURAL_ORDER: Record<string, { keys: [number, 'desc' | 'natural'][]; limit: number }> = {
  'rejected-sources': { keys: [[1, 'desc'], [0, 'natural']], limit: 20 },
  'top-bytes': { keys: [[2, 'desc'], [0, 'natural'], [1, 'natural']], limit: 10 },
  'top-packets': { keys: [[2, 'desc'], [0, 'natural'], [1, 'natural']], limit: 15 },
  'subnet-top-bytes': { keys: [[1, 'desc'], [0, 'natural']], limit: 15 },
};

/** Orders reference rows as NATURAL_ORDER says. */
function naturalOrder(rows: unknown[][], order: { keys: [number, 'desc' | 'natural'][]; limit: number }): unknown[][] {
  const compare = (a: unknown[], b: unknown[]): number => {
    for (const [index, how] of order.keys) {
      const [x, y] = [a[index], b[index]];
      if (x === y) continue;
      if (x === null || y === null) return x === null ? 1 : -1;
      const c = how === 'desc' ? Number(y) - Number(x) : naturalCompare(String(x), String(y));
      if (c !== 0) return c;
    }
    return 0;
  };
  return [...rows].sort(compare).slice(0, order.limit);
}

describe('reports', () => {
  let store: Store;
  beforeAll(async () => {
    store = await loadStore('queries/flows-mixed.log');
  });
  afterAll(() => store.close());

  it('has a reference computation for every report', () => {
    expect(REPORTS.map((r) => r.name).sort()).toEqual(Object.keys(REFERENCES).sort());
  });

  it.each(REPORTS.map((r) => [r.name]))('%s equals the hand-written SQL', async (name) => {
    const report = findReport(name);
    const sql = buildReportSql(report, { dialect: duckdb, table: 'flows', where: 'TRUE', limit: undefined, params: PARAMS[name] ?? {} });
    const actual = valuesOf((await store.query(sql)).rows);
    expect(actual.length).toBeGreaterThan(0);
    const expected = valuesOf((await store.query(REFERENCES[name] ?? '')).rows);
    const natural = NATURAL_ORDER[name];
    expect(actual).toEqual(natural ? naturalOrder(expected, natural) : expected);
  });

  it('finds the port scan and the host sweep of the fixture (windows are fixed 5-minute buckets)', async () => {
    const sql = buildReportSql(findReport('port-scans'), { dialect: duckdb, table: 'flows', where: 'TRUE', limit: undefined });
    const rows = (await store.query(sql)).rows;
    expect(rows.map((r) => [r.srcaddr, r.ports, r.hosts])).toEqual([
      // The 30 probes span 150 s across a bucket edge: 20 fall in one window, the other 10 stay under min-ports.
      ['45.9.20.99', 20, 1],
      ['45.9.20.77', 1, 25],
    ]);
  });

  it('honours --limit and the selection condition', async () => {
    const sql = buildReportSql(findReport('rejected-sources'), { dialect: duckdb, table: 'flows', where: '"start" < 1700050000', limit: 2, params: {} });
    const expected = await store.query(`SELECT srcaddr, count(*) n FROM flows WHERE action = 'REJECT' AND start < 1700050000 GROUP BY 1 ORDER BY n DESC, srcaddr LIMIT 2`);
    expect(valuesOf((await store.query(sql)).rows)).toEqual(valuesOf(expected.rows));
  });

  it('rejects unknown reports, unknown and missing parameters with codes', () => {
    const codeOf = (run: () => unknown) => {
      try {
        run();
      } catch (error) {
        return (error as { code: string }).code;
      }
      return 'none';
    };
    expect(codeOf(() => findReport('top-talker'))).toBe('unknown-report');
    const base = { dialect: duckdb, table: 'flows', where: 'TRUE', limit: undefined };
    expect(codeOf(() => buildReportSql(findReport('subnet-top-bytes'), base))).toBe('syntax');
    expect(codeOf(() => buildReportSql(findReport('top-talkers'), { ...base, params: { x: '1' } }))).toBe('syntax');
    expect(codeOf(() => buildReportSql(findReport('port-scans'), { ...base, params: { window: 'soon' } }))).toBe('syntax');
  });

  it.each(['athena', 'clickhouse'] as const)('every report renders %s SQL without DuckDB-only functions', (engine) => {
    for (const report of REPORTS) {
      const sql = buildReportSql(report, { dialect: getDialect(engine), table: 'vpc_flow_logs', where: 'TRUE', limit: undefined, params: PARAMS[report.name] ?? {} });
      expect(sql).toContain('"vpc_flow_logs"');
      expect(sql).not.toMatch(/UHUGEINT|strftime|isodow|arg_m|quantile_cont|\bWITH\b|FILTER \(/);
      if (engine === 'clickhouse') expect(sql).not.toMatch(/\bTRUE\b|\bFALSE\b/);
    }
  });
});
