import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseNdjson, runFlowlens } from '../helpers/cli.js';
import { V2_HEADER } from '../helpers/temp-store.js';

const fixtures = join(import.meta.dirname, '../fixtures/aws-docs');
const v2 = join(fixtures, 'default-v2.log');
const HEADER = V2_HEADER;

describe('flowlens print', () => {
  it('prints ndjson with exactly the fields of the record format, numbers as numbers, missing as null', async () => {
    const run = await runFlowlens(['print', '--format', 'ndjson', join(fixtures, 'nat-gateway-custom.log')]);
    expect(run.code).toBe(0);
    const records = parseNdjson(run.stdout);
    expect(records).toHaveLength(6);
    expect(records[0]).toEqual({ instance_id: null, interface_id: 'eni-1235b8ca123456789', srcaddr: '10.0.1.5', dstaddr: '10.0.0.220', pkt_srcaddr: '10.0.1.5', pkt_dstaddr: '203.0.113.5' });
  });

  it('keeps the flow-log layout with --format text, so grep and awk work', async () => {
    const run = await runFlowlens(['print', '--format', 'text', v2]);
    const lines = run.stdout.trim().split('\n');
    expect(lines).toEqual(readFileSync(v2, 'utf8').trim().split('\n').slice(1));
    expect(lines.filter((l) => l.split(' ')[5] === '20641')).toHaveLength(1);
  });

  it('filters by time window on start and by action', async () => {
    const run = await runFlowlens(['print', '-f', 'ndjson', '--start', '1432917000', '--end', '2016-11-01T00:00:00Z', '--action', 'REJECT', v2]);
    expect(parseNdjson(run.stdout).map((r) => r.srcaddr)).toEqual(['172.31.16.139']);
  });

  it('reads stdin with -, picks fields, and renders csv', async () => {
    const run = await runFlowlens(['print', '-', '--fields', 'srcaddr,dst-port,action', '--format', 'csv'], { stdin: readFileSync(v2) });
    expect(run.stderr).toMatch(/dst-port/);
    expect(run.code).toBe(2);
    const ok = await runFlowlens(['print', '-', '--fields', 'srcaddr,dstport,action', '--format', 'csv'], { stdin: readFileSync(v2) });
    expect(ok.stdout.split('\n').slice(0, 2)).toEqual(['srcaddr,dstport,action', '172.31.16.139,22,ACCEPT']);
  });

  it('warns about bad lines with file and line, goes on, and fails under --strict', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flowlens-cli-'));
    const path = join(dir, 'bad.log');
    writeFileSync(path, `${HEADER}\n2 1 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 1 100 160 ACCEPT OK\n2 1 eni-1 10.0.0.1 10.0.0.2 one 2 6 1 1 100 160 ACCEPT OK\n`);
    const run = await runFlowlens(['print', '-f', 'ndjson', path]);
    expect(run.code).toBe(0);
    expect(parseNdjson(run.stdout)).toHaveLength(1);
    expect(run.stderr).toContain(`${path}:3: srcport "one" is not a number`);
    const strict = await runFlowlens(['print', '--strict', path]);
    expect(strict.code).toBe(1);
    expect(strict.stderr).toMatch(/bad\.log:3/);
  });
});

describe('flowlens ingest and database commands', () => {
  let db: string;
  beforeAll(async () => {
    db = join(mkdtempSync(join(tmpdir(), 'flowlens-db-')), 'flows.duckdb');
    const first = await runFlowlens(['ingest', fixtures, '--db', db]);
    expect(first.code).toBe(0);
    expect(first.stderr).toMatch(/ingested 27 records, 0 bad lines, 5 units read/);
  });

  it('re-ingesting adds nothing', async () => {
    const again = await runFlowlens(['ingest', fixtures, '--db', db, '--format', 'json']);
    expect(JSON.parse(again.stdout)).toMatchObject({ records: 0, units: 0, skippedUnits: 5 });
    const total = await runFlowlens(['query', 'SELECT count(*) AS n FROM flows', '--db', db, '-f', 'json']);
    expect(JSON.parse(total.stdout)).toEqual([{ n: 27 }]);
  });

  it('ipset lists unique addresses in numeric order', async () => {
    const run = await runFlowlens(['ipset', '--db', db]);
    const addresses = run.stdout.trim().split('\n');
    expect(addresses[0]).toBe('10.0.0.62');
    expect(addresses).toContain('2001:db8:1234:a100:8d6e:3477:df66:f105');
    expect(new Set(addresses).size).toBe(addresses.length);
  });

  it('findip finds every flow of an address or CIDR, on the database and on files', async () => {
    const db1 = parseNdjson((await runFlowlens(['findip', '203.0.113.12', '--db', db, '-f', 'ndjson'])).stdout);
    expect(db1).toHaveLength(2);
    const files = parseNdjson((await runFlowlens(['findip', '203.0.113.0/24', '--in', v2, '-f', 'ndjson'])).stdout);
    expect(files.map((r) => r.bytes)).toEqual([336, 336]);
    const v6 = parseNdjson((await runFlowlens(['findip', '2001:db8:1234:a102::/64', '--db', db, '-f', 'ndjson'])).stdout);
    expect(v6).toHaveLength(1);
  });

  it('aggregate groups by 5-tuple with packet and byte statistics', async () => {
    const run = await runFlowlens(['aggregate', '--by', 'srcaddr,dstaddr', '--db', db, '-f', 'json', '--start', '1566848000', '--end', '1566950000']);
    const rows = JSON.parse(run.stdout) as Record<string, number | string>[];
    const top = rows[0]!;
    expect(top).toMatchObject({ srcaddr: '52.213.180.42', dstaddr: '10.0.0.62', flows: 4, packets_sum: 70 + 8 + 15774 + 17, bytes_sum: 100701 + 568 + 23294588 + 1260, bytes_max: 23294588 });
  });

  it('print on the database shows the columns that have values', async () => {
    const run = await runFlowlens(['print', '--db', db, '-f', 'ndjson', '--action', 'REJECT']);
    const rows = parseNdjson(run.stdout);
    expect(rows.length).toBe(2);
    expect(Object.keys(rows[0]!)).toEqual(HEADER.split(' ').map((f) => f.replace('-', '_')));
    const accepted = parseNdjson((await runFlowlens(['print', '--db', db, '-f', 'ndjson', '--action', 'ACCEPT'])).stdout);
    expect(Object.keys(accepted[0]!)).toContain('traffic_path');
  });

  it('refuses SQL that writes, with exit code 2', async () => {
    const run = await runFlowlens(['query', 'DELETE FROM flows', '--db', db]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/read-only/);
  });

  it('narrows flows to the selection options for the SQL (the sandbox sees the TEMP flows view)', async () => {
    const all = await runFlowlens(['query', 'SELECT count(*) AS n FROM flows', '--db', db, '--format', 'csv']);
    const rejected = await runFlowlens(['query', 'SELECT count(*) AS n FROM flows', '--db', db, '--action', 'REJECT', '--format', 'csv']);
    const expected = await runFlowlens(['query', "SELECT count(*) AS n FROM flows WHERE action = 'REJECT'", '--db', db, '--format', 'csv']);
    expect(rejected.code).toBe(0);
    expect(rejected.stdout).toBe(expected.stdout);
    expect(rejected.stdout).not.toBe(all.stdout);
  });
});

describe('usage errors', () => {
  it.each([
    [['print', '--start', 'yesterday-ish', v2], /--start "yesterday-ish" is not a time/],
    [['print', '--log-format', '${version} ${nope}', v2], /unknown flow-log field "nope"/],
    [['print', '--action', 'DROP', v2], /Allowed choices are ACCEPT, REJECT/],
    [['nonsense'], /unknown command/],
    [['findip', '10.0.0.0/99', '--in', v2], /invalid prefix/],
  ])('%j exits 2 with a message', async (argv, message) => {
    const run = await runFlowlens(argv);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
  });

  it('names a missing file', async () => {
    const run = await runFlowlens(['print', '/no/such/file.log']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/cannot read \/no\/such\/file.log/);
  });
});
