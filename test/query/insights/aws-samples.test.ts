import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { duckdb } from '../../../src/engines/index.js';
import { compileInsights, flowsSource } from '../../../src/query/insights/index.js';
import type { Store } from '../../../src/store/index.js';
import { loadStore, valuesOf } from '../fixture-store.js';

// The AWS sample queries for VPC flow logs, verbatim (shared/docs/cloudwatch-syntax.md §3.6: the console list and the
// user guide's "Queries for Amazon VPC flow logs"), each with a hand-written SQL computing the same rows.
const SAMPLES: { title: string; query: string; reference: string; ordered: boolean }[] = [
  {
    title: 'Average, min, and max byte transfers by source and destination IP addresses',
    query: 'stats avg(bytes), min(bytes), max(bytes) by srcAddr, dstAddr',
    reference: 'SELECT srcaddr, dstaddr, avg(bytes), min(bytes), max(bytes) FROM flows GROUP BY ALL ORDER BY srcaddr NULLS LAST, dstaddr NULLS LAST',
    ordered: true,
  },
  {
    title: 'IP addresses using UDP transfer protocol',
    query: 'filter protocol=17 | stats count(*) by srcAddr',
    reference: 'SELECT srcaddr, count(*) FROM flows WHERE protocol = 17 GROUP BY srcaddr ORDER BY srcaddr',
    ordered: true,
  },
  {
    title: 'Top 10 byte transfers by source and destination IP addresses',
    query: 'stats sum(bytes) as bytesTransferred by srcAddr, dstAddr |\nsort bytesTransferred desc |\nlimit 10',
    reference: 'SELECT srcaddr, dstaddr, sum(bytes) AS b FROM flows GROUP BY ALL ORDER BY b DESC NULLS LAST LIMIT 10',
    ordered: false,
  },
  {
    title: 'Top 20 source IP addresses with highest number of rejected requests',
    query: 'filter action="REJECT" |\nstats count(*) as numRejections by srcAddr |\nsort numRejections desc |\nlimit 20',
    reference: "SELECT srcaddr, count(*) AS n FROM flows WHERE action = 'REJECT' GROUP BY srcaddr ORDER BY n DESC LIMIT 20",
    ordered: false,
  },
  {
    title: 'Find the top 15 packet transfers across hosts',
    query: 'stats sum(packets) as packetsTransferred by srcAddr, dstAddr\n    | sort packetsTransferred  desc\n    | limit 15',
    reference: 'SELECT srcaddr, dstaddr, sum(packets) AS p FROM flows GROUP BY ALL ORDER BY p DESC NULLS LAST LIMIT 15',
    ordered: false,
  },
  {
    title: 'Find the top 15 byte transfers for hosts on a given subnet',
    query: 'filter isIpv4InSubnet(srcAddr, "10.0.1.0/24")\n    | stats sum(bytes) as bytesTransferred by dstAddr\n    | sort bytesTransferred desc\n    | limit 15',
    reference: "SELECT dstaddr, sum(bytes) AS b FROM flows WHERE srcaddr LIKE '10.0.1.%' GROUP BY dstaddr ORDER BY b DESC LIMIT 15",
    ordered: false,
  },
  {
    title: 'Find the IP addresses where flow records were skipped during the capture window',
    query: 'filter logStatus="SKIPDATA"\n    | stats count(*) by bin(1h) as t\n    | sort t',
    reference: "SELECT strftime(make_timestamp((start // 3600 * 3600) * 1000000), '%Y-%m-%d %H:%M:%S.000') AS t, count(*) FROM flows WHERE log_status = 'SKIPDATA' GROUP BY 1 ORDER BY 1",
    ordered: true,
  },
  {
    title: 'Find a single record per connection (the interface id replaced by one of the fixture)',
    query:
      "fields @timestamp, srcAddr, dstAddr, srcPort, dstPort, protocol, bytes\n| filter logStream = 'eni-0a1-all' and interfaceId = 'eni-0a1'\n| sort @timestamp desc\n| dedup srcAddr, dstAddr, srcPort, dstPort, protocol\n| limit 20",
    reference: `SELECT strftime(make_timestamp(start * 1000000), '%Y-%m-%d %H:%M:%S.000'), srcaddr, dstaddr, srcport, dstport, protocol, bytes FROM (
      SELECT *, CASE WHEN srcaddr IS NULL OR dstaddr IS NULL OR srcport IS NULL OR dstport IS NULL OR protocol IS NULL THEN 1
        ELSE row_number() OVER (PARTITION BY srcaddr, dstaddr, srcport, dstport, protocol ORDER BY start DESC) END AS rn
      FROM flows WHERE interface_id = 'eni-0a1') WHERE rn = 1 ORDER BY start DESC LIMIT 20`,
    ordered: false,
  },
  {
    title: 'NAT gateway: traffic through the NAT gateway (x.x.x.x = 10.0.1.10, y.y. = 203.0.)',
    query: "filter (dstAddr like '10.0.1.10' and srcAddr like '203.0.')\n| stats sum(bytes) as bytesTransferred by srcAddr, dstAddr | sort bytesTransferred desc | limit 10",
    reference: "SELECT srcaddr, dstaddr, sum(bytes) AS b FROM flows WHERE contains(dstaddr, '10.0.1.10') AND contains(srcaddr, '203.0.') GROUP BY ALL ORDER BY b DESC LIMIT 10",
    ordered: false,
  },
  {
    title: 'NAT gateway: traffic to and from the instances',
    query:
      "filter (dstAddr like '10.0.1.10' and srcAddr like '203.0.') or (srcAddr like '10.0.1.10' and dstAddr like '203.0.')\n| stats sum(bytes) as bytesTransferred by srcAddr, dstAddr\n| sort bytesTransferred desc\n| limit 10",
    reference:
      "SELECT srcaddr, dstaddr, sum(bytes) AS b FROM flows WHERE (contains(dstaddr, '10.0.1.10') AND contains(srcaddr, '203.0.')) OR (contains(srcaddr, '10.0.1.10') AND contains(dstaddr, '203.0.')) GROUP BY ALL ORDER BY b DESC LIMIT 10",
    ordered: false,
  },
  {
    title: 'NAT gateway: uploads',
    query: "filter (srcAddr like '10.0.1.10' and dstAddr not like '10.0.')\n| stats sum(bytes) as bytesTransferred by srcAddr, dstAddr | sort bytesTransferred desc | limit 10",
    reference: "SELECT srcaddr, dstaddr, sum(bytes) AS b FROM flows WHERE contains(srcaddr, '10.0.1.10') AND NOT contains(dstaddr, '10.0.') GROUP BY ALL ORDER BY b DESC LIMIT 10",
    ordered: false,
  },
  {
    title: 'NAT gateway: downloads',
    query: "filter (dstAddr like '10.0.1.10' and srcAddr not like '10.0.')\n| stats sum(bytes) as bytesTransferred by srcAddr, dstAddr | sort bytesTransferred desc | limit 10",
    reference: "SELECT srcaddr, dstaddr, sum(bytes) AS b FROM flows WHERE contains(dstaddr, '10.0.1.10') AND NOT contains(srcaddr, '10.0.') GROUP BY ALL ORDER BY b DESC LIMIT 10",
    ordered: false,
  },
  {
    title: '25 most recently added log events',
    query: 'fields @timestamp, @message | sort @timestamp desc | limit 25',
    reference: `SELECT strftime(make_timestamp(start * 1000000), '%Y-%m-%d %H:%M:%S.000'), concat_ws(' ', version, account_id, interface_id,
      coalesce(srcaddr, '-'), coalesce(dstaddr, '-'), coalesce(srcport::VARCHAR, '-'), coalesce(dstport::VARCHAR, '-'), coalesce(protocol::VARCHAR, '-'),
      coalesce(packets::VARCHAR, '-'), coalesce(bytes::VARCHAR, '-'), start, "end", coalesce(action, '-'), log_status) FROM flows ORDER BY start DESC LIMIT 25`,
    ordered: false,
  },
];

describe('AWS sample Insights queries for VPC flow logs', () => {
  let store: Store;
  beforeAll(async () => {
    store = await loadStore('queries/flows-mixed.log');
  });
  afterAll(() => store.close());

  it.each(SAMPLES)('runs unchanged and equals hand-written SQL: $title', async ({ query, reference, ordered }) => {
    const compiled = compileInsights(query, { dialect: duckdb, source: flowsSource() });
    const actual = valuesOf((await store.query(compiled.sql)).rows);
    const expected = valuesOf((await store.query(reference)).rows);
    expect(actual.length).toBeGreaterThan(0);
    if (ordered) {
      expect(actual).toEqual(expected);
      return;
    }
    // Top-N with ties at the cut: the ranked values must match, and every row must be a row of the uncut result.
    const last = (rows: unknown[][]): string[] => rows.map((r) => JSON.stringify(r.at(-1))).sort();
    expect(last(actual)).toEqual(last(expected));
    const all = valuesOf((await store.query(reference.replace(/LIMIT \d+$/, ''))).rows).map((r) => JSON.stringify(r));
    for (const row of actual) expect(all).toContain(JSON.stringify(row));
  });
});
