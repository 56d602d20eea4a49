import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Store } from '../../src/store/index.js';
import { readPhysicalColumns } from '../../src/store/flow-columns.js';
import { runFlowlens } from '../helpers/cli.js';
import { V2_HEADER } from '../helpers/temp-store.js';

// The published sample files (../shared); a store of either layout must print them byte for byte alike.
const shared = join(import.meta.dirname, '../../../shared');
const SAMPLE_FOLDERS = [join(shared, 'fixtures/aws-docs'), join(shared, 'conformance/otel-collector-contrib')];

// The physical table as stores were created before the narrow layout: every field as text, plus the address numbers.
const TEXT_LAYOUT_TABLE = `CREATE TABLE flow_records (version INTEGER, account_id VARCHAR, interface_id VARCHAR, srcaddr VARCHAR,
  dstaddr VARCHAR, srcport INTEGER, dstport INTEGER, protocol INTEGER, packets UBIGINT, bytes UBIGINT, "start" BIGINT, "end" BIGINT,
  "action" VARCHAR, log_status VARCHAR, src_ip UHUGEINT, dst_ip UHUGEINT, event_id VARCHAR, unit_id INTEGER)`;

// Lines the narrow form must give back exactly: IPv6 on either side, IPv4 with leading zeros, missing addresses,
// every action and log status, an account with leading zeros, and a line with doubled spaces (the string path).
const EDGE_LINES = [
  '2 000123456789 eni-0a1b2c3d4e5f60718 2001:db8::1 10.0.0.1 443 50000 6 10 840 1700000000 1700000060 ACCEPT OK',
  '2 123456789012 eni-0a1b2c3d4e5f60718 10.0.0.1 2001:DB8:0:0::2 50000 443 6 12 1200 1700000005 1700000065 REJECT OK',
  '2 123456789012 eni-0a1b2c3d4e5f60718 010.001.002.003 10.0.0.09 22 50001 6 3 180 1700000010 1700000070 ACCEPT OK',
  '2 123456789012 eni-0a1b2c3d4e5f60718 0.0.0.0 255.255.255.255 0 0 17 1 60 1700000020 1700000080 REJECT OK',
  '2 123456789012 eni-0a1b2c3d4e5f60718 - - - - - - - 1700000030 1700000090 - NODATA',
  '2 123456789012 eni-0a1b2c3d4e5f60718 - - - - - - - 1700000040 1700000100 - SKIPDATA',
  '2 123456789012 eni-0a1b2c3d4e5f60718  192.168.0.1 10.0.0.1 1 2 6 1 40 1700000050 1700000110 ACCEPT OK',
  '2 123456789012 eni-0a1b2c3d4e5f60718 ::ffff:10.0.0.1 fe80::1 1 2 6 1 40 1700000050 1700000110 ACCEPT OK',
];

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'flowlens-narrow-'));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

// A folder with every sample .log file and the edge lines.
function sampleFolder(): string {
  const folder = join(dir, 'logs');
  mkdirSync(folder);
  for (const source of SAMPLE_FOLDERS.filter(existsSync)) {
    for (const name of readdirSync(source).filter((n) => n.endsWith('.log'))) copyFileSync(join(source, name), join(folder, name));
  }
  writeFileSync(join(folder, 'edges.log'), `${V2_HEADER}\n${EDGE_LINES.join('\n')}\n`);
  return folder;
}

async function createTextLayoutStore(path: string): Promise<void> {
  const store = await Store.open(path);
  store.close();
  // Replace the new layout's empty table with the old one, as a store from before the change has it.
  const old = await Store.open(path);
  await old.run('DROP VIEW IF EXISTS flows');
  await old.run('DROP TABLE flow_records');
  await old.run(TEXT_LAYOUT_TABLE);
  old.close();
}

async function ingestInto(db: string, source: string): Promise<void> {
  const run = await runFlowlens(['ingest', source, '--db', db]);
  expect(run.code, run.stderr).toBe(0);
}

async function printCsv(db: string): Promise<string> {
  const run = await runFlowlens(['print', '--db', db, '--format', 'csv']);
  expect(run.code).toBe(0);
  return run.stdout;
}

describe('the narrow stored row', () => {
  it('keeps addresses as numbers and codes, and prints every sample byte for byte as a text-layout store does', async () => {
    const folder = sampleFolder();
    const narrow = join(dir, 'narrow.duckdb');
    const text = join(dir, 'text.duckdb');
    await createTextLayoutStore(text);
    for (const db of [narrow, text]) await ingestInto(db, folder);

    const narrowStore = await Store.open(narrow, { readOnly: true });
    const textStore = await Store.open(text, { readOnly: true });
    try {
      const physical = await readPhysicalColumns(narrowStore);
      expect(physical.has('src_text') && physical.has('action_code') && physical.has('log_status_code')).toBe(true);
      expect(['srcaddr', 'dstaddr', 'action', 'log_status'].some((c) => physical.has(c))).toBe(false);
      // Only the addresses whose number does not give them back keep a text.
      const sides = await narrowStore.query(
        "SELECT src_text FROM flow_records WHERE src_text IS NOT NULL AND interface_id = 'eni-0a1b2c3d4e5f60718' ORDER BY src_text",
      );
      expect(sides.rows.map((r) => r.src_text)).toEqual(['010.001.002.003', '2001:db8::1', '::ffff:10.0.0.1']);
      expect((await readPhysicalColumns(textStore)).has('srcaddr')).toBe(true);
      // Same columns, same types, same values.
      const describe = async (store: Store): Promise<unknown[]> => (await store.query('DESCRIBE flows')).rows.map((r) => [r.column_name, r.column_type]);
      expect(await describe(narrowStore)).toEqual(await describe(textStore));
      const all = 'SELECT * FROM flows ORDER BY unit_id, "start", srcaddr NULLS FIRST, dstaddr NULLS FIRST, bytes NULLS FIRST';
      const narrowRows = (await narrowStore.query(all)).rows;
      expect(narrowRows.length).toBeGreaterThan(EDGE_LINES.length);
      expect(narrowRows).toEqual((await textStore.query(all)).rows);
      const edges = await narrowStore.query("SELECT srcaddr, dstaddr, action, log_status, account_id FROM flows WHERE interface_id = 'eni-0a1b2c3d4e5f60718' ORDER BY \"start\", srcaddr");
      expect(edges.rows.map((r) => `${r.srcaddr} ${r.dstaddr} ${r.action} ${r.log_status}`)).toEqual([
        '2001:db8::1 10.0.0.1 ACCEPT OK',
        '10.0.0.1 2001:DB8:0:0::2 REJECT OK',
        '010.001.002.003 10.0.0.09 ACCEPT OK',
        '0.0.0.0 255.255.255.255 REJECT OK',
        'null null null NODATA',
        'null null null SKIPDATA',
        '192.168.0.1 10.0.0.1 ACCEPT OK',
        '::ffff:10.0.0.1 fe80::1 ACCEPT OK',
      ]);
      expect(edges.rows[0]?.account_id).toBe('000123456789');
      // Address numbers are never bit-packed (DuckDB unpacks narrow 128-bit packs slowly), but stored in runs.
      const compression = async (table: string): Promise<string[]> =>
        (await narrowStore.query(`SELECT DISTINCT column_name || ' ' || compression AS c FROM pragma_storage_info('${table}') WHERE column_name IN ('src_ip', 'dst_ip') AND segment_type <> 'VALIDITY' ORDER BY c`)).rows.map((r) => String(r.c));
      for (const table of ['flow_records', 'flow_rollup_ports_v3_rows', 'flow_rollup_pairs_v3_rows', 'flow_rollup_ports_all_v2_rows', 'flow_rollup_pairs_all_v2_rows']) {
        expect(await compression(table)).toEqual(['dst_ip RLE', 'src_ip RLE']);
      }
    } finally {
      narrowStore.close();
      textStore.close();
    }
    const printed = await printCsv(narrow);
    expect(printed.split('\n').length).toBeGreaterThan(EDGE_LINES.length);
    expect(printed).toBe(await printCsv(text));
  });

  it('reads and keeps adding to a store in the text layout, with its rollups and reports', async () => {
    const db = join(dir, 'old.duckdb');
    await createTextLayoutStore(db);
    const first = join(dir, 'a.log');
    writeFileSync(first, `${V2_HEADER}\n${EDGE_LINES.slice(0, 4).join('\n')}\n`);
    await ingestInto(db, first);
    const second = join(dir, 'b.log');
    writeFileSync(second, `${V2_HEADER}\n${EDGE_LINES.slice(4).join('\n')}\n`);
    await ingestInto(db, second);
    const store = await Store.open(db, { readOnly: true });
    try {
      const physical = await readPhysicalColumns(store);
      expect(physical.has('srcaddr') && !physical.has('src_text')).toBe(true);
      expect(Number(await store.scalar('SELECT count(*) FROM flows'))).toBe(EDGE_LINES.length);
      expect(Number(await store.scalar("SELECT count(*) FROM flows WHERE action = 'REJECT'"))).toBe(2);
    } finally {
      store.close();
    }
    const report = await runFlowlens(['report', 'top-talkers', '--db', db, '--format', 'json']);
    expect(report.code).toBe(0);
    expect((JSON.parse(report.stdout) as { srcaddr: string }[])[0]?.srcaddr).toBe('10.0.0.1');
  });
});
