import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { duckdb, getDialect } from '../../../src/engines/index.js';
import { compileInsights, eventsSource, flowsSource } from '../../../src/query/insights/index.js';
import { Store } from '../../../src/store/index.js';

// Messages and the pattern each must fall into (the naming rule of docs/queries.md, written out by hand).
const SAMPLES: [string, string][] = [
  ['[INFO] Request time: 327 ms', '[INFO] Request time: <Time-1> ms'],
  ['[INFO] Request time: 45 ms', '[INFO] Request time: <Time-1> ms'],
  ['[INFO] Request time: 1.5 ms', '[INFO] Request time: <Time-1> ms'],
  ['[ERROR] connect to 10.0.0.1 port 443 failed after 3 retries', '[ERROR] connect to <IP-1> port <Number-2> failed after <Number-3> retries'],
  ['[ERROR] connect to 192.168.7.20 port 5432 failed after 12 retries', '[ERROR] connect to <IP-1> port <Number-2> failed after <Number-3> retries'],
  ['2024-05-01T10:00:00Z WARN user 7f3e9a2c-1b2d-4c5e-8f9a-0b1c2d3e4f5a on eni-0abc1234567 took latency=87ms', '<Timestamp-1> WARN user <UUID-2> on <ID-3> took latency=87ms'],
  ['2024-05-02T11:30:05.123Z WARN user 00000000-1b2d-4c5e-8f9a-0b1c2d3e4f5a on eni-0fff1234567 took latency=87ms', '<Timestamp-1> WARN user <UUID-2> on <ID-3> took latency=87ms'],
  ['debug: status=200 bytes=512 from 2001:db8::1 mac 0a:1b:2c:3d:4e:5f hash deadbeef42', 'debug: status=<Status-1> bytes=<Bytes-2> from <IP-3> mac <MAC-4> hash <Hex-5>'],
  ['plain words only', 'plain words only'],
];

describe('pattern', () => {
  let store: Store;
  beforeAll(async () => {
    store = await Store.memory();
    await store.run('CREATE TABLE events (timestamp BIGINT, message VARCHAR)');
    for (const [i, [m]] of SAMPLES.entries()) await store.run('INSERT INTO events VALUES (?, ?)', [1_700_000_000_000 + i * 1000, m]);
  });
  afterAll(() => store.close());

  const run = async (query: string) => {
    const compiled = compileInsights(query, { dialect: duckdb, source: eventsSource('events') });
    return { columns: compiled.columns, rows: (await store.query(compiled.sql)).rows };
  };
  /** Expected @pattern → @sampleCount for some of the samples. */
  const countsOf = (samples: readonly [string, string][]): Map<string, number> => {
    const counts = new Map<string, number>();
    for (const [, p] of samples) counts.set(p, (counts.get(p) ?? 0) + 1);
    return counts;
  };

  it('groups messages by pattern with counts and ratios, most frequent first', async () => {
    const { columns, rows } = await run('pattern @message');
    expect(columns).toEqual(['@pattern', '@ratio', '@sampleCount', '@severityLabel']);
    const counts = countsOf(SAMPLES);
    expect(new Map(rows.map((r) => [r['@pattern'], r['@sampleCount']]))).toEqual(counts);
    for (const row of rows) expect(row['@ratio']).toBeCloseTo((counts.get(String(row['@pattern'])) ?? 0) / SAMPLES.length, 12);
    const sampleCounts = rows.map((r) => Number(r['@sampleCount']));
    expect(sampleCounts).toEqual([...sampleCounts].sort((a, b) => b - a));
  });

  it('labels severity by the first log-level word', async () => {
    const { rows } = await run('pattern @message');
    const label = new Map(rows.map((r) => [String(r['@pattern']).slice(0, 14), r['@severityLabel']]));
    expect(label.get('[INFO] Request')).toBe('Info');
    expect(label.get('[ERROR] connec')).toBe('Error');
    expect(label.get('<Timestamp-1> ')).toBe('Warning');
    expect(label.get('debug: status=')).toBe('Debug');
    expect(label.get('plain words on')).toBe('Unknown');
  });

  it('runs after filter and parse, and before sort, filter and limit', async () => {
    const errors = SAMPLES.filter(([m]) => m.includes('ERROR') || m.includes('INFO'));
    const { rows } = await run('filter @message like /ERROR|INFO/ | parse @message "] *" as text | pattern text | sort @sampleCount asc | limit 1');
    const counts = countsOf(errors.map(([m, p]) => [m, p.slice(p.indexOf('] ') + 2)]));
    const fewest = Math.min(...counts.values());
    expect(rows).toHaveLength(1);
    expect(rows[0]?.['@sampleCount']).toBe(fewest);
    expect(rows[0]?.['@ratio']).toBeCloseTo(fewest / errors.length, 12);
    expect(counts.get(String(rows[0]?.['@pattern']))).toBe(fewest);
    const kept = await run('pattern @message | filter @sampleCount > 1 | display @pattern');
    expect(kept.rows.map((r) => r['@pattern']).sort()).toEqual([...countsOf(SAMPLES)].filter(([, n]) => n > 1).map(([p]) => p).sort());
  });

  it('leaves out rows without the field (a parse that did not match)', async () => {
    const { rows } = await run('parse @message "user * on" as user | pattern user');
    expect(rows).toEqual([{ '@pattern': '<UUID-1>', '@ratio': 1, '@sampleCount': 2, '@severityLabel': 'Unknown' }]);
  });

  it('clusters flow-log messages on the flows table', async () => {
    const flows = await Store.memory();
    try {
      const { ingestSources } = await import('../../../src/store/index.js');
      const { resolveSource } = await import('../../../src/sources/index.js');
      const { Readable } = await import('node:stream');
      const lines = ['2 123456789010 eni-0a1b2c3d4 10.0.1.5 10.0.2.9 443 49152 6 10 840 1700000000 1700000060 ACCEPT OK', '2 123456789010 eni-0a1b2c3d4 10.0.1.6 10.0.2.9 443 49153 6 12 900 1700000000 1700000060 REJECT OK'];
      await ingestSources(flows, [await resolveSource('-', { stdin: Readable.from([Buffer.from(`${lines.join('\n')}\n`)]) })]);
      const { sql } = compileInsights('pattern @message | display @pattern, @sampleCount', { dialect: duckdb, source: flowsSource() });
      expect((await flows.query(sql)).rows).toEqual([
        { '@pattern': '<Number-1> <Number-2> <ID-3> <IP-4> <IP-5> <Number-6> <Number-7> <Number-8> <Number-9> <Number-10> <Number-11> <Number-12> ACCEPT OK', '@sampleCount': 1 },
        { '@pattern': '<Number-1> <Number-2> <ID-3> <IP-4> <IP-5> <Number-6> <Number-7> <Number-8> <Number-9> <Number-10> <Number-11> <Number-12> REJECT OK', '@sampleCount': 1 },
      ]);
    } finally {
      flows.close();
    }
  });

  it.each(['athena', 'clickhouse'] as const)('compiles for %s', (engine) => {
    const { sql } = compileInsights('filter @message like "ERROR" | pattern @message | sort @ratio desc', { dialect: getDialect(engine), source: eventsSource('events') });
    expect(sql).toContain(engine === 'athena' ? 'zip_with' : 'arrayEnumerate');
    expect(sql).not.toMatch(/list_transform|lambda /);
  });
});
