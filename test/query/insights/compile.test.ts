import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { duckdb, getDialect, onlyCapturingGroup } from '../../../src/engines/index.js';
import { compileInsights, eventsSource, flowsSource, globToRegex, numberNamedGroups } from '../../../src/query/insights/index.js';
import type { Store } from '../../../src/store/index.js';
import { loadStore, valuesOf } from '../fixture-store.js';
import { naturalCompare } from './natural-compare.js';

describe('compileInsights on flows', () => {
  let store: Store;
  beforeAll(async () => {
    store = await loadStore('queries/flows-mixed.log');
  });
  afterAll(() => store.close());

  const run = async (query: string) => {
    const compiled = compileInsights(query, { dialect: duckdb, source: flowsSource() });
    return { ...compiled, rows: (await store.query(compiled.sql)).rows };
  };
  const reference = async (sql: string) => valuesOf((await store.query(sql)).rows);

  // Each query next to a hand-written SQL with the same meaning.
  it.each([
    ['stats count(*) as n, count_distinct(dstPort) as ports by srcAddr | sort n desc, srcAddr | limit 5',
      'SELECT srcaddr, count(*) n, count(DISTINCT dstport) FROM flows GROUP BY srcaddr ORDER BY n DESC, srcaddr NULLS LAST LIMIT 5'],
    ['filter dstPort in [22, 3389] and action = "REJECT" | stats count(*) as n by dstPort | sort dstPort',
      "SELECT dstport, count(*) FROM flows WHERE dstport IN (22, 3389) AND action = 'REJECT' GROUP BY 1 ORDER BY 1"],
    ['filter srcAddr not like "10." and protocol != 17 | stats sum(bytes) as b | limit 1',
      "SELECT sum(bytes) FROM flows WHERE NOT contains(srcaddr, '10.') AND protocol <> 17"],
    ['filter srcAddr =~ /^45\\.9\\.20\\.(77|99)$/ | stats count(*) as n by srcAddr | sort srcAddr',
      "SELECT srcaddr, count(*) FROM flows WHERE srcaddr IN ('45.9.20.77', '45.9.20.99') GROUP BY 1 ORDER BY 1"],
    ['filter isIpInSubnet(dstAddr, "2001:db8:1234:a102::/64") | stats sum(bytes) as b, min(srcPort) as p',
      "SELECT sum(bytes), min(srcport) FROM flows WHERE dstaddr LIKE '2001:db8:1234:a102:%'"],
    ['filter not ispresent(srcAddr) | stats count(*) as n by logStatus | sort logStatus',
      'SELECT log_status, count(*) FROM flows WHERE srcaddr IS NULL GROUP BY 1 ORDER BY 1'],
    ['stats earliest(srcPort) as e, latest(dstPort) as l, max(bytes) - min(bytes) as spread by interfaceId | sort interfaceId',
      'SELECT interface_id, arg_min(srcport, start), arg_max(dstport, start), max(bytes) - min(bytes) FROM flows GROUP BY 1 ORDER BY 1'],
    ['stats count(*) as n by bin(1d) as day | sort day',
      "SELECT strftime(make_timestamp((start // 86400 * 86400) * 1000000), '%Y-%m-%d %H:%M:%S.000'), count(*) FROM flows GROUP BY 1 ORDER BY 1"],
    ['stats sum(bytes) as b by bin(5m) | stats max(b) as peak',
      'SELECT max(b) FROM (SELECT sum(bytes) b FROM flows GROUP BY start // 300)'],
    ['fields bytes / packets as bpp, strlen(srcAddr) as n | filter bpp > 100 | stats count(*) as c, avg(n) as avgLen',
      'SELECT count(*), avg(length(srcaddr)) FROM flows WHERE bytes / packets > 100'],
    ['filter isValidIpV6(srcAddr) | stats count(*) as c',
      "SELECT count(*) FROM flows WHERE contains(srcaddr, ':')"],
    // Text sorts in Insights' natural order: 42.… before 182.… (the reference orders with naturalCompare).
    ['parse @message "* * * * * * * *" as v, acct, eni, src, dst, sp, dp, rest | filter dp = "22" | stats count(*) as c by src | sort src',
      "SELECT srcaddr, count(*) FROM flows WHERE dstport = 22 GROUP BY 1", 'natural'],
    // All 14 fields of a v2 message: more than the 9 groups DuckDB's regexp_extract takes by index.
    ['parse @message "* * * * * * * * * * * * * *" as ver, acct, eni, src, dst, sp, dp, proto, pkts, byts, st, en, act, status | filter act = "REJECT" | stats count(*) as c, count_distinct(dp) as ports by status | sort status',
      "SELECT log_status, count(*), count(DISTINCT dstport) FROM flows WHERE action = 'REJECT' GROUP BY 1 ORDER BY 1"],
    ['parse @message /^(?<v>\\S+) (?<a>\\S+) (?<i>\\S+) (?<s>\\S+) (?<d>\\S+) (?<sp>\\S+) (?<dp>\\S+) (?<p>\\S+) (?<pk>\\S+) (?<b>\\S+) (?<st>\\S+) (?<en>\\S+) (?<act>\\S+) (?<ls>\\S+)$/ | filter act = "ACCEPT" | stats count(*) as c by ls | sort ls',
      "SELECT log_status, count(*) FROM flows WHERE action = 'ACCEPT' GROUP BY 1 ORDER BY 1"],
    ['parse @message /eni-(?<eni>\\w+) (?<src>[0-9.]+) / | filter ispresent(src) | stats count(*) as c by eni | sort eni',
      "SELECT substr(interface_id, 5), count(*) FROM flows WHERE srcaddr LIKE '%.%' GROUP BY 1 ORDER BY 1"],
    ['filter action = "ACCEPT" | sort bytes desc | limit 3 | stats sum(bytes) as top3',
      "SELECT sum(bytes) FROM (SELECT bytes FROM flows WHERE action = 'ACCEPT' ORDER BY bytes DESC LIMIT 3)"],
    ['filter srcAddr = "45.9.20.99" | sort @timestamp desc | dedup srcAddr | fields dstPort',
      "SELECT dstport FROM flows WHERE srcaddr = '45.9.20.99' ORDER BY start DESC LIMIT 1"],
    ['fields concat(srcAddr, ":", srcPort) as ep, substr(interfaceId, 4) as id, toupper(action) as a, replace(dstAddr, ".", "-") as d, dateceil(@timestamp, 1h) as h | filter srcAddr = "45.9.20.77" | sort ep | limit 2',
      "SELECT srcaddr || ':' || srcport, substr(interface_id, 5), upper(action), replace(dstaddr, '.', '-'), strftime(make_timestamp(((start + 3599) // 3600 * 3600) * 1000000), '%Y-%m-%d %H:%M:%S.000') FROM flows WHERE srcaddr = '45.9.20.77' ORDER BY 1 LIMIT 2"],
  ])('%s', async (query, sql, order?: string) => {
    const actual = valuesOf((await run(query)).rows);
    const expected = await reference(sql);
    if (order === 'natural') expected.sort((a, b) => naturalCompare(String(a[0]), String(b[0])));
    expect(actual).toEqual(expected);
  });

  it('shows @timestamp and @message by default, newest first, formatted as Insights does', async () => {
    const { columns, rows } = await run('filter srcAddr = "45.9.20.99" | limit 1');
    expect(columns).toEqual(['@timestamp', '@message']);
    expect(rows[0]).toEqual({
      '@timestamp': '2023-11-15 00:15:45.000',
      '@message': '3 123456789010 eni-0b2 45.9.20.99 10.0.2.20 61000 1029 6 1 44 1700007345 1700007400 REJECT OK',
    });
  });

  it('names unaliased outputs by their text and accepts every field spelling', async () => {
    const { columns, rows } = await run('filter `log-status` = "OK" and log_status = "OK" and logStatus = "OK" | stats count(*), sum(bytes) by startTime = start | limit 1');
    expect(columns).toEqual(['startTime = start', 'count(*)', 'sum(bytes)']);
    expect(rows[0]?.['startTime = start']).toBe(true);
  });

  it('caps bin() periods as Insights does (bin(300s) runs as 60 s)', () => {
    const sql = compileInsights('stats count(*) by bin(300s)', { dialect: duckdb, source: flowsSource() }).sql;
    expect(sql).toContain('/ 60000)');
  });

  it('applies the source condition (the --start/--end window)', async () => {
    const compiled = compileInsights('stats count(*) as n', { dialect: duckdb, source: flowsSource({ where: '"start" < 1700003600' }) });
    const rows = (await store.query(compiled.sql)).rows;
    expect(rows[0]?.n).toBe(Number((await store.scalar('SELECT count(*) FROM flows WHERE start < 1700003600'))));
  });
});

describe('compileInsights on other engines', () => {
  it.each(['athena', 'clickhouse'] as const)('writes %s SQL without DuckDB-only syntax', (engine) => {
    const query = 'filter isIpInSubnet(srcAddr, "10.0.0.0/8") and dstAddr like "203." | parse @message "* *" as a, b | stats pct(bytes, 90) as p, count_distinct(dstPort) as n, earliest(srcPort) as e by bin(5m) | sort p desc | limit 5';
    const sql = compileInsights(query, { dialect: getDialect(engine), source: flowsSource() }).sql;
    expect(sql).not.toMatch(/UHUGEINT|regexp_matches|quantile_cont|arg_min|strftime|\bWITH\b/);
    expect(sql).toContain(engine === 'athena' ? 'approx_percentile' : 'quantile(0.9)');
  });
});

describe('parse helpers', () => {
  it('keeps one capturing group for engines that refer to groups 1-9 only', () => {
    expect(onlyCapturingGroup('(a)(?:b)(?<n>c)[(]\\(d(e)', 3)).toBe('(?:a)(?:b)(?:c)[(]\\(d(e)');
    expect(onlyCapturingGroup('(a)(?:b)(?<n>c)[(]\\(d(e)', 2)).toBe('(?:a)(?:b)(c)[(]\\(d(?:e)');
    expect(onlyCapturingGroup('[]()](x)', 1)).toBe('[]()](x)');
  });

  it('turns a glob into lazy groups and a greedy last group', () => {
    expect(globToRegex('[*] * The error was: *')).toBe('\\[(.*?)\\] (.*?) The error was: (.*)');
    expect(globToRegex('a*b')).toBe('a(.*?)b');
  });

  it('numbers named groups, skipping non-capturing groups and escaped parentheses', () => {
    const { pattern, groups } = numberNamedGroups('(?:x)\\((?<a>\\d+)([a-z])(?P<b>[(]+)');
    expect(pattern).toBe('(?:x)\\((\\d+)([a-z])([(]+)');
    expect([...groups]).toEqual([['a', 1], ['b', 3]]);
  });

  it('runs on generic events (eventsSource)', async () => {
    const { Store } = await import('../../../src/store/index.js');
    const store = await Store.memory();
    try {
      await store.run("CREATE TABLE events AS SELECT * FROM (VALUES (1700000000000, 'GET /api/v1/users/42 200'), (1700000001000, 'GET /api/v2/users/7 404')) t(timestamp, message)");
      const compiled = compileInsights('parse @message "/api/*/users/* *" as v, id, status | filter status != "404" | display v, id', { dialect: duckdb, source: eventsSource('events') });
      expect((await store.query(compiled.sql)).rows).toEqual([{ v: 'v1', id: '42' }]);
    } finally {
      store.close();
    }
  });
});
