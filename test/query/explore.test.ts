import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exploreFlows, presentDimensions } from '../../src/query/explore.js';
import type { ExploreMetric, ExploreOptions, ExploreResult } from '../../src/query/explore.js';
import { refreshRollups } from '../../src/store/index.js';
import type { Store } from '../../src/store/index.js';
import { exploreStore, makeRecords, T0 } from './explore-fixture.js';
import type { Rec } from './explore-fixture.js';

/** The reference: groups, totals and per-bucket sums computed in JS from the records. */
function reference(records: Rec[], options: ExploreOptions, keep: (r: Rec) => boolean = () => true) {
  const value = (r: Rec, metric: ExploreMetric): number => (metric === 'flows' ? 1 : r[metric]);
  const inRange = records.filter((r) => (options.start === undefined || r.start >= options.start) && (options.end === undefined || r.start < options.end) && keep(r));
  const groups = new Map<string, { key: (string | number)[]; value: number }>();
  for (const r of inRange) {
    const key = options.dimensions.map((d) => r[d as keyof Rec]);
    const id = JSON.stringify(key);
    const group = groups.get(id) ?? { key, value: 0 };
    group.value += value(r, options.metric);
    groups.set(id, group);
  }
  const compare = (a: string | number | undefined, b: string | number | undefined): number => (a === b ? 0 : (a as string | number) < (b as string | number) ? -1 : 1);
  const sorted = [...groups.values()].sort((a, b) => b.value - a.value || a.key.reduce<number>((c, k, i) => c || compare(k, b.key[i]), 0));
  const total = inRange.reduce((sum, r) => sum + value(r, options.metric), 0);
  return { rows: sorted.slice(0, options.limit ?? 10), total, groups: groups.size };
}

let dir: string;
let store: Store;
let plain: Store;
let data: Rec[];


const sumOf = (values: number[]): number => values.reduce((a, b) => a + b, 0);

function checkSeries(result: ExploreResult): void {
  // Every top group's series adds up to its total, "other" to the rest, and buckets are evenly spaced.
  for (const [i, row] of result.rows.entries()) expect(sumOf(result.series.values[i] ?? [])).toBeCloseTo(row.value, 3);
  expect(sumOf(result.series.values[result.rows.length] ?? [])).toBeCloseTo(result.other, 3);
  for (let i = 1; i < result.series.t.length; i++) expect((result.series.t[i] ?? 0) - (result.series.t[i - 1] ?? 0)).toBe(result.bucketSeconds);
}

describe('exploreFlows', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'flowlens-explore-'));
    const { lines, records } = makeRecords();
    data = records;
    const file = join(dir, 'flows.log');
    writeFileSync(file, `${lines.join('\n')}\n`);
    store = await exploreStore(file);
    await refreshRollups(store);
    // Without rollups every question reads the records.
    plain = await exploreStore(file);
  });

  afterAll(() => {
    store?.close();
    plain?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it.each<[string, ExploreOptions, 'rollups' | 'flows']>([
    ['bytes by source address', { dimensions: ['srcaddr'], metric: 'bytes' }, 'rollups'],
    ['flows by destination and port', { dimensions: ['dstaddr', 'dstport'], metric: 'flows', limit: 7 }, 'rollups'],
    ['packets by protocol, action and port in two whole hours', { dimensions: ['protocol', 'action', 'dstport'], metric: 'packets', start: T0 + 3600, end: T0 + 3 * 3600 }, 'rollups'],
    ['bytes by ENI and direction', { dimensions: ['interface_id', 'flow_direction'], metric: 'bytes' }, 'flows'],
    ['flows by subnet in a window off the hour', { dimensions: ['subnet_id'], metric: 'flows', start: T0 + 1000, end: T0 + 9000 }, 'flows'],
  ])('answers %s as the reference does, from the %s', async (_name, options, source) => {
    const result = await exploreFlows(store, options);
    const expected = reference(data, options);
    expect(result.rows.map((r) => r.key)).toEqual(expected.rows.map((r) => r.key));
    expect(result.rows.map((r) => r.value)).toEqual(expected.rows.map((r) => r.value));
    expect(result.total).toBe(expected.total);
    expect(result.groups).toBe(expected.groups);
    expect(result.other).toBe(expected.total - sumOf(expected.rows.map((r) => r.value)));
    expect(result.source.top).toBe(source);
    checkSeries(result);
    // The records give the same answer as the rollups.
    const fromRecords = await exploreFlows(plain, options);
    expect(fromRecords.source).toEqual({ top: 'flows', series: 'flows' });
    expect({ ...fromRecords, source: undefined, sql: undefined }).toEqual({ ...result, source: undefined, sql: undefined });
  });

  it('reads the hourly rollups for a series in whole hours and the records for finer buckets', async () => {
    const day = await exploreFlows(store, { dimensions: ['srcaddr'], metric: 'bytes', points: 10 });
    expect(day.bucketSeconds).toBe(3600);
    expect(day.source).toEqual({ top: 'rollups', series: 'rollups' });
    expect(day.series.t[0]).toBe(T0);
    const fine = await exploreFlows(store, { dimensions: ['srcaddr'], metric: 'bytes', points: 120 });
    expect(fine.bucketSeconds).toBe(300);
    expect(fine.source).toEqual({ top: 'rollups', series: 'flows' });
    checkSeries(day);
    checkSeries(fine);
  });

  it('applies an Insights filter expression (and the rollups answer it when it reads their columns)', async () => {
    const options: ExploreOptions = { dimensions: ['srcaddr', 'dstport'], metric: 'bytes', filter: 'action = "REJECT" and dstPort in [22, 5432] and isIpv4InSubnet(srcAddr, "10.0.1.0/24")' };
    const result = await exploreFlows(store, options);
    const expected = reference(data, options, (r) => r.action === 'REJECT' && (r.dstport === 22 || r.dstport === 5432) && r.srcaddr.startsWith('10.0.1.'));
    expect(result.rows).toEqual(expected.rows);
    expect(result.total).toBe(expected.total);
    expect(result.source.top).toBe('rollups');
    const byDirection = await exploreFlows(store, { dimensions: ['action'], metric: 'flows', filter: 'flowDirection = "ingress" and bytes > 50000' });
    expect(byDirection.source.top).toBe('flows');
    expect(byDirection.total).toBe(data.filter((r) => r.flow_direction === 'ingress' && r.bytes > 50_000).length);
  });

  it.each([
    'action = "REJECT" and dstPort in [22, 3389]',
    'isIpv4InSubnet(srcAddr, "10.0.0.0/16") and not isIpv4InSubnet(dstAddr, "10.0.0.0/16")',
    'flowDirection = "egress" and bytes > 50000',
    'dstAddr like /^10\\.0\\.2/ or protocol = 17',
  ])('runs the documented filter %s', async (filter) => {
    const result = await exploreFlows(store, { dimensions: ['dstport', 'action'], metric: 'flows', filter });
    expect(result.total).toBeGreaterThan(0);
  });

  it('leaves NODATA records out', async () => {
    const result = await exploreFlows(store, { dimensions: ['subnet_id'], metric: 'flows', limit: 50 });
    expect(result.rows.map((r) => r.key[0])).not.toContain('subnet-09');
    expect(result.total).toBe(data.length);
  });

  it('treats quotes in filter strings as data, not SQL', async () => {
    const result = await exploreFlows(store, { dimensions: ['srcaddr'], metric: 'flows', filter: `srcAddr = "10.0.0.1' OR '1'='1"` });
    expect(result.rows).toEqual([]);
    expect(result.total).toBe(0);
    expect(result.series).toEqual({ t: [], values: [] });
    const few = await exploreFlows(store, { dimensions: ['interface_id'], metric: 'flows', filter: `interfaceId = "eni-1' OR '1'='1"` });
    expect({ rows: few.rows, total: few.total, groups: few.groups, series: few.series }).toEqual({ rows: [], total: 0, groups: 0, series: { t: [], values: [] } });
  });

  it.each([
    [{ dimensions: ['srcaddr; DROP TABLE flows'], metric: 'bytes' }, 'bad-request'],
    [{ dimensions: [], metric: 'bytes' }, 'bad-request'],
    [{ dimensions: ['srcaddr', 'dstaddr', 'dstport', 'protocol'], metric: 'bytes' }, 'bad-request'],
    [{ dimensions: ['srcaddr', 'srcaddr'], metric: 'bytes' }, 'bad-request'],
    [{ dimensions: ['srcaddr'], metric: 'bytes) FROM x --' }, 'bad-request'],
    [{ dimensions: ['srcaddr'], metric: 'bytes', limit: 0 }, 'bad-request'],
    [{ dimensions: ['srcaddr'], metric: 'bytes', start: 10, end: 5 }, 'bad-request'],
    [{ dimensions: ['srcaddr'], metric: 'bytes', filter: 'srcAdress = "10.0.0.1"' }, 'unknown-field'],
    [{ dimensions: ['srcaddr'], metric: 'bytes', filter: 'action = ' }, 'syntax'],
    [{ dimensions: ['srcaddr'], metric: 'bytes', filter: 'action = "REJECT" | stats count(*)' }, 'syntax'],
    [{ dimensions: ['srcaddr'], metric: 'bytes', filter: 'sum(bytes) > 10' }, 'syntax'],
  ] as [ExploreOptions, string][])('refuses %j with %s', async (options, code) => {
    await expect(exploreFlows(store, options)).rejects.toMatchObject({ code });
  });

  it('lists the dimensions that hold values', async () => {
    const ids = (await presentDimensions(store)).map((d) => d.id);
    expect(ids).toEqual(['srcaddr', 'dstaddr', 'srcport', 'dstport', 'protocol', 'action', 'interface_id', 'subnet_id', 'flow_direction', 'account_id']);
  });
});
