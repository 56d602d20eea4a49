import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planInPlace } from '../../src/sources/in-place.js';
import type { InPlacePlan } from '../../src/sources/in-place.js';
import { FLOW_COLUMNS, Store } from '../../src/store/index.js';
import { openInPlace, runInPlaceQuery } from '../../src/store/in-place.js';

const HEADER = 'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status';
const V5_HEADER = 'version srcaddr dstaddr srcport dstport protocol start end packets bytes action log-status flow-direction';

let folder: string;
let plan: InPlacePlan;

beforeAll(async () => {
  folder = mkdtempSync(join(tmpdir(), 'flowlens-in-place-store-'));
  writeFileSync(
    join(folder, 'a.log'),
    [
      HEADER,
      '2 123 eni-1 10.0.0.1 10.0.0.2 1 22 6 10 100 1700000000 1700000060 ACCEPT OK',
      '2 123 eni-1 10.0.0.1 10.0.0.2 99999 22 6 10 100 1700000000 1700000060 ACCEPT OK',
      '2 123 eni-1 10.0.0.1  10.0.0.2 1 22 6 10 100 1700000000 1700000060 ACCEPT OK',
      '2 123 eni-1 2001:db8::1 2001:db8::2 1 22 6 10 100 1700000000123 1700000060 REJECT OK',
      '',
    ].join('\n'),
  );
  writeFileSync(join(folder, 'b.log.gz'), gzipSync(`${V5_HEADER}\n5 10.0.0.9 10.0.0.1 443 1 6 1700000100 1700000160 3 300 ACCEPT OK egress\n`));
  plan = (await planInPlace([folder])) as InPlacePlan;
});

afterAll(() => rmSync(folder, { recursive: true, force: true }));

describe('openInPlace', () => {
  it('plans one group per layout and compression', () => {
    expect(plan.groups.map((g) => [g.compression, g.format.header, g.files.length])).toEqual([
      ['none', HEADER, 1],
      ['gzip', V5_HEADER, 1],
    ]);
  });

  it.each(['view', 'table'] as const)('%s: flows holds exactly the records ingest reads, typed as the stored view', async (mode) => {
    const store = await Store.memory();
    try {
      const loaded = await openInPlace(store, plan, mode);
      let sql = `SELECT srcaddr, srcport, "start", action, flow_direction, src_ip = ip_to_number(srcaddr) AS same_ip, unit_id FROM flows ORDER BY ALL`;
      if (mode === 'view') {
        expect(loaded).toBeUndefined();
        const answered = await runInPlaceQuery(store, plan, sql);
        expect(answered).toBeDefined();
        sql = answered?.sql ?? '';
        expect(answered?.rejects.issues.map((i) => [i.line, i.code, i.field])).toEqual([[3, 'out-of-range', 'srcport']]);
        expect(answered?.rejects.records).toHaveLength(1);
      } else {
        expect(loaded?.issues.map((i) => [i.line, i.code, i.field])).toEqual([[3, 'out-of-range', 'srcport']]);
      }
      const result = await store.query(sql);
      expect(result.rows).toEqual([
        { srcaddr: '10.0.0.1', srcport: 1, start: 1700000000, action: 'ACCEPT', flow_direction: null, same_ip: true, unit_id: 1 },
        { srcaddr: '10.0.0.1', srcport: 1, start: 1700000000, action: 'ACCEPT', flow_direction: null, same_ip: true, unit_id: 1 },
        { srcaddr: '10.0.0.9', srcport: 443, start: 1700000100, action: 'ACCEPT', flow_direction: 'egress', same_ip: true, unit_id: 2 },
        { srcaddr: '2001:db8::1', srcport: 1, start: 1700000000, action: 'REJECT', flow_direction: null, same_ip: true, unit_id: 1 },
      ]);
      const described = await store.query('DESCRIBE SELECT * FROM flows');
      expect(described.rows.map((r) => [r.column_name, r.column_type])).toEqual(FLOW_COLUMNS.map((c) => [c.name, c.type]));
    } finally {
      store.close();
    }
  });
});

describe('openInPlace table mode with the statements it answers', () => {
  it('loads only the fields they read, still refuses lines by every field, and fails a read of another field', async () => {
    const store = await Store.memory();
    try {
      const loaded = await openInPlace(store, plan, 'table', { reads: ['SELECT action, sum(bytes) AS bytes FROM flows GROUP BY action ORDER BY action'], where: '"start" >= 0' });
      // Line 3's srcport is out of range: refused although no statement reads srcport.
      expect(loaded?.issues.map((i) => [i.line, i.code, i.field])).toEqual([[3, 'out-of-range', 'srcport']]);
      const columns = await store.query("SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = 'in_place_flows' ORDER BY column_index");
      // action is kept as its ENUM code (one byte a row); the flows view gives its text.
      expect(columns.rows.map((r) => [r.column_name, r.data_type])).toEqual([['bytes', 'UBIGINT'], ['start', 'BIGINT'], ['action', 'ENUM(\'ACCEPT\', \'REJECT\')']]);
      expect((await store.query('SELECT action, sum(bytes)::BIGINT AS bytes, count(*)::INTEGER AS n FROM flows GROUP BY action ORDER BY action')).rows).toEqual([
        { action: 'ACCEPT', bytes: 500, n: 3 },
        { action: 'REJECT', bytes: 100, n: 1 },
      ]);
      expect((await store.query("SELECT count(*)::INTEGER AS n FROM flows WHERE action > 'B' AND action LIKE 'R%'")).rows).toEqual([{ n: 1 }]);
      await expect(store.query('SELECT max(dstport) FROM flows')).rejects.toThrow(/did not load column dstport/);
      const described = await store.query('DESCRIBE SELECT * FROM flows');
      expect(described.rows.map((r) => [r.column_name, r.column_type])).toEqual(FLOW_COLUMNS.map((c) => [c.name, c.type]));
    } finally {
      store.close();
    }
  });

  it('loads one field when the statements read none, so rows can be counted, and every field for *', async () => {
    const store = await Store.memory();
    try {
      await openInPlace(store, plan, 'table', { reads: ['SELECT count(*) AS n FROM flows'] });
      expect(Number(await store.scalar('SELECT count(*) FROM flows'))).toBe(4);
      expect(Number(await store.scalar("SELECT count(*) FROM duckdb_columns() WHERE table_name = 'in_place_flows'"))).toBe(1);
      await openInPlace(store, plan, 'table', { reads: ['SELECT * FROM flows'] });
      expect(Number(await store.scalar("SELECT count(*) FROM duckdb_columns() WHERE table_name = 'in_place_flows'"))).toBe(16);
    } finally {
      store.close();
    }
  });
});
