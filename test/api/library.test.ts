import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  aggregate,
  filterPatternMatcher,
  findip,
  ingest,
  ipset,
  listReports,
  openStore,
  queryRecords,
  readRecords,
  reportSql,
  runInsights,
  runReport,
  runSql,
  toJsonRow,
} from '../../src/index.js';
import * as api from '../../src/index.js';
import type { FlowRecord, IngestProgress, Store } from '../../src/index.js';

const ACCOUNT = '123456789010';
/** Flow lines (v2): [src, dst, dstport, action, bytes, start]. */
const FLOWS: [string, string, number, 'ACCEPT' | 'REJECT', number, number][] = [
  ['10.0.1.5', '10.0.2.6', 443, 'ACCEPT', 1000, 1_700_000_000],
  ['10.0.1.5', '10.0.2.7', 22, 'REJECT', 60, 1_700_000_060],
  ['2001:db8::1', '10.0.2.6', 443, 'ACCEPT', 5000, 1_700_000_120],
  ['198.51.100.9', '10.0.1.5', 22, 'REJECT', 40, 1_700_000_180],
  ['10.0.2.6', '10.0.1.5', 49152, 'ACCEPT', 700, 1_700_000_240],
];
const line = ([src, dst, port, action, bytes, start]: (typeof FLOWS)[number]): string =>
  `2 ${ACCOUNT} eni-0a1b2c3d ${src} ${dst} 40000 ${port} 6 ${Math.ceil(bytes / 100)} ${bytes} ${start} ${start + 60} ${action} OK`;

let folder: string;
let file: string;
let store: Store;

beforeAll(async () => {
  folder = mkdtempSync(join(tmpdir(), 'flowlens-api-'));
  file = join(folder, 'flows.log');
  writeFileSync(file, `${FLOWS.map(line).join('\n')}\nnot a flow record\n`);
  store = await openStore(join(folder, 'flows.duckdb'));
});
afterAll(() => store.close());

describe('readRecords', () => {
  it('yields every record of a file as a snake_case object, bad lines to onIssue', async () => {
    const issues: string[] = [];
    const records: FlowRecord[] = [];
    for await (const record of readRecords(file, { onIssue: (issue) => issues.push(issue.code) })) records.push(record);
    expect(records.map((r) => [r.srcaddr, r.dstaddr, r.dstport, r.action, r.bytes, r.start])).toEqual(FLOWS);
    expect(records[0]).toMatchObject({ version: 2, account_id: ACCOUNT, interface_id: 'eni-0a1b2c3d', log_status: 'OK' });
    expect(issues).toHaveLength(1);
  });

  it('keeps only the selection: action, time window and filter pattern', async () => {
    const select = async (selection: Parameters<typeof readRecords>[1]): Promise<unknown[]> => {
      const out: unknown[] = [];
      for await (const r of readRecords([file], selection)) out.push(r.srcaddr);
      return out;
    };
    expect(await select({ selection: { action: 'REJECT' } })).toEqual(['10.0.1.5', '198.51.100.9']);
    expect(await select({ selection: { start: 1_700_000_100, end: 1_700_000_200 } })).toEqual(['2001:db8::1', '198.51.100.9']);
    expect(await select({ selection: { filterPattern: '[version, account, eni, src = "10.0.1.*", ...]' } })).toEqual(['10.0.1.5', '10.0.1.5']);
  });

  it('stops reading when the loop ends early, even in a file of many batches', async () => {
    const big = join(folder, 'big.log');
    const lines = Array.from({ length: 60_000 }, (_, i) => line(['10.0.0.1', '10.0.0.2', 443, 'ACCEPT', i + 1, 1_700_000_000 + i]));
    writeFileSync(big, `${lines.join('\n')}\n`);
    let seen = 0;
    for await (const record of readRecords(big)) {
      seen++;
      if (record.bytes === 3) break;
    }
    expect(seen).toBe(3);
    let all = 0;
    for await (const record of readRecords(big)) all += record === undefined ? 0 : 1;
    expect(all).toBe(60_000);
  });
});

describe('a store through the API', () => {
  it('ingests once per file with progress callbacks, and re-running adds nothing', async () => {
    const progress: IngestProgress[] = [];
    const first = await ingest(store, file, { onProgress: (p) => progress.push(p) });
    expect(first).toMatchObject({ units: 1, records: FLOWS.length, badLines: 1 });
    expect(progress.at(-1)?.records).toBe(FLOWS.length);
    const again = await ingest(store, [file]);
    expect(again).toMatchObject({ records: 0, skippedUnits: 1 });
  });

  it('reads stored records by selection, findip (IPv4, IPv6, CIDR), ipset and aggregate', async () => {
    const srcs = async (iterable: AsyncIterable<FlowRecord>): Promise<unknown[]> => {
      const out: unknown[] = [];
      for await (const r of iterable) out.push(r.srcaddr);
      return out;
    };
    expect(await srcs(queryRecords(store, { selection: { action: 'REJECT' } }))).toEqual(['10.0.1.5', '198.51.100.9']);
    expect(await srcs(queryRecords(store, { selection: { filterPattern: '[..., action = "ACCEPT", status]' }, limit: 2 }))).toEqual(['10.0.1.5', '2001:db8::1']);
    expect(await srcs(findip(store, '2001:db8::/32'))).toEqual(['2001:db8::1']);
    expect(await srcs(findip(store, ['10.0.2.7', '198.51.100.9']))).toEqual(['10.0.1.5', '198.51.100.9']);
    expect(await ipset(store)).toEqual(['10.0.1.5', '10.0.2.6', '10.0.2.7', '198.51.100.9', '2001:db8::1']);
    const grouped = await aggregate(store, { by: ['dstport'], selection: { action: 'ACCEPT' } });
    expect(grouped.rows.map((r) => [r.dstport, r.flows, r.bytes_sum])).toEqual([[443, 2, 6000], [49152, 1, 700]]);
  });

  it('runs a report by name as the CLI does, and writes it for Athena', async () => {
    const top = await runReport(store, 'rejected-sources');
    expect(top.rows.map((r) => Object.values(r)[0])).toEqual(expect.arrayContaining(['10.0.1.5', '198.51.100.9']));
    expect(top.rows).toHaveLength(2);
    expect(listReports().map((r) => r.name)).toEqual(expect.arrayContaining(['top-talkers', 's3-top-downloaders', 'cloudtrail-s3-by-identity']));
    expect(await reportSql('top-talkers', { engine: 'athena', selection: { start: 1_700_000_000 } })).toContain('vpc_flow_logs_parquet');
    await expect(runReport(store, 'no-such-report')).rejects.toMatchObject({ code: 'unknown-report' });
  });

  it('runs Insights queries and read-only SQL, and gives 128-bit addresses as exact JSON text', async () => {
    const counted = await runInsights(store, 'filter action = "ACCEPT" | stats sum(bytes) as total by dstPort | sort total desc');
    expect(counted.columns).toEqual(['dstPort', 'total']);
    expect(counted.rows).toEqual([{ dstPort: 443, total: 6000 }, { dstPort: 49152, total: 700 }]);
    const sql = await runSql(store, "SELECT srcaddr, src_ip FROM flows WHERE srcaddr = '2001:db8::1'");
    const json = JSON.parse(JSON.stringify(sql.rows.map((row) => toJsonRow(row, sql.columns, sql.types)))) as { src_ip: string }[];
    expect(json[0]?.src_ip).toBe((0x20010db8n << 96n | 1n).toString());
    await expect(runSql(store, 'DROP TABLE flows')).rejects.toMatchObject({ code: 'read-only' });
  });

  it('matches raw flow lines with a filter pattern', () => {
    const rejected = filterPatternMatcher('[..., action = "REJECT", status]');
    expect(FLOWS.map(line).filter(rejected)).toHaveLength(2);
  });
});

describe('the public API', () => {
  it('is documented export by export in docs/api.md', () => {
    const docs = readFileSync(new URL('../../docs/api.md', import.meta.url), 'utf8');
    const undocumented = Object.keys(api).filter((name) => !docs.includes(`\`${name}`));
    expect(undocumented).toEqual([]);
    expect(Object.keys(api).length).toBeGreaterThan(40);
  });
});
