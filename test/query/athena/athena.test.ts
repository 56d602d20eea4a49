import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jodaToStrftime, mysqlToStrftime, rewritePrestoFormats } from '../../../src/engines/duckdb/index.js';
import { runUserSql } from '../../../src/engines/duckdb/index.js';
import { addressToBigInt, cidrRange, isPrivateAddress } from '../../../src/records/index.js';
import { SqlSandbox } from '../../../src/engines/duckdb/index.js';
import { Store } from '../../../src/store/index.js';
import { fixturePath, loadStore, runFlowlensCli } from '../fixture-store.js';

// The seeds' Athena queries, verbatim but for the table name (seed 003's table is fl06a3a4b9a351a0fd5daily2021120420211204).
const SEED_003 = "SELECT SUM(bytes) as totalbytes, srcaddr, dstaddr from vpc_flow_logs WHERE year='2023' AND month='11' AND day='14' GROUP BY srcaddr, dstaddr ORDER BY totalbytes LIMIT 50";
const SEED_004 = `SELECT day_of_week(from_iso8601_timestamp(dt)) AS
  day,
  dt,
  interfaceid,
  sourceaddress,
  destinationport,
  action,
  protocol
FROM vpc_flow_logs
WHERE action = 'REJECT' AND protocol = 6
order by sourceaddress
LIMIT 100;`;

describe('Athena seed queries through flowlens query', () => {
  let dir: string;
  let db: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'flowlens-athena-'));
    db = join(dir, 'flows.duckdb');
    const ingest = await runFlowlensCli(['ingest', fixturePath('queries/flows-mixed.log'), '--db', db]);
    expect(ingest.code).toBe(0);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("runs seed 003's top-talkers query unchanged on a read-only database", async () => {
    const run = await runFlowlensCli(['query', SEED_003, '--db', db, '--format', 'json']);
    expect(run.stderr).toBe('');
    const rows = JSON.parse(run.stdout) as { totalbytes: number; srcaddr: string; dstaddr: string }[];
    const store = await Store.open(db, { readOnly: true });
    try {
      const expected = await store.query(`SELECT sum(bytes) AS totalbytes, srcaddr, dstaddr FROM flows
        WHERE strftime(to_timestamp(start), '%Y-%m-%d') = '2023-11-14' GROUP BY ALL ORDER BY totalbytes LIMIT 50`);
      expect(rows.map((r) => r.totalbytes)).toEqual(expected.rows.map((r) => r.totalbytes));
      expect(rows.length).toBe(expected.rows.length);
      expect(rows.length).toBeGreaterThan(10);
    } finally {
      store.close();
    }
  });

  it("runs seed 004's REJECT query unchanged", async () => {
    const run = await runFlowlensCli(['query', SEED_004, '--db', db, '--format', 'ndjson']);
    expect(run.code).toBe(0);
    const rows = run.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows).toHaveLength(100);
    expect(Object.keys(rows[0] ?? {})).toEqual(['day', 'dt', 'interfaceid', 'sourceaddress', 'destinationport', 'action', 'protocol']);
    // day is the ISO day of week of the dt partition (Monday = 1).
    for (const r of rows) expect(r.day).toBe(((new Date(`${String(r.dt)}T00:00:00Z`).getUTCDay() + 6) % 7) + 1);
    const sources = rows.map((r) => String(r.sourceaddress));
    expect(sources).toEqual([...sources].sort());
  });

  it('runs the S3 access-log style parse_datetime comparison and json_extract_scalar', async () => {
    const sql = `SELECT count(*) AS n FROM (SELECT '04/Dec/2021:10:00:00 +0000' AS requestdatetime, '{"bucketName":"b","key":{"x":1}}' AS requestParameters)
      WHERE parse_datetime(requestdatetime,'dd/MMM/yyyy:HH:mm:ss Z') BETWEEN parse_datetime('2021-12-01','yyyy-MM-dd') AND parse_datetime('2021-12-05','yyyy-MM-dd')
      AND json_extract_scalar(requestParameters, '$.bucketName') = 'b' AND json_extract_scalar(requestParameters, '$.key') IS NULL`;
    const run = await runFlowlensCli(['query', sql, '--db', db, '--format', 'csv']);
    expect(run.stdout).toBe('n\n1\n');
  });

  it('refuses SQL that writes, with exit code 2', async () => {
    const run = await runFlowlensCli(['query', 'DROP VIEW vpc_flow_logs', '--db', db]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('read-only');
  });
});

describe('vpc_flow_logs view', () => {
  let store: Store;
  beforeAll(async () => {
    store = await loadStore('queries/flows-mixed.log');
  });
  afterAll(() => store.close());

  it('has the AWS docs names, the seed names and the partition columns', async () => {
    const columns = (await store.query('DESCRIBE vpc_flow_logs')).rows.map((r) => r.column_name);
    for (const name of ['srcaddr', 'dstaddr', 'account_id', 'interface_id', 'log_status', 'account', 'interfaceid', 'sourceaddress', 'destinationaddress',
      'sourceport', 'destinationport', 'numpackets', 'numbytes', 'starttime', 'endtime', 'logstatus', 'dt', 'year', 'month', 'day', 'hour']) {
      expect(columns).toContain(name);
    }
    const row = (await store.query("SELECT dt, year, month, day, hour, sourceaddress, numbytes FROM vpc_flow_logs WHERE starttime = 1700000000 AND srcaddr = '10.0.1.10' ORDER BY numbytes LIMIT 1")).rows[0];
    expect(row).toEqual({ dt: '2023-11-14', year: '2023', month: '11', day: '14', hour: '22', sourceaddress: '10.0.1.10', numbytes: 500 });
  });
});

describe('address macros', () => {
  let store: Store;
  beforeAll(async () => {
    store = await Store.memory();
  });
  afterAll(() => store.close());

  const v4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((o) => o.join('.'));
  const v6 = fc.array(fc.nat(0xffff), { minLength: 8, maxLength: 8 }).map((g) => g.map((x) => x.toString(16)).join(':').replace(/(^|:)0(:0)+(:|$)/, '::'));

  // One query over a table of generated samples: binding the macros costs more than running them.
  it('ip_to_number matches addressToBigInt (the encoding of src_ip/dst_ip)', async () => {
    const samples = fc.sample(fc.oneof(v4, v6), { numRuns: 200, seed: 7 });
    const values = samples.map((a) => `('${a}')`).join(', ');
    const rows = (await store.query(`SELECT a, ip_to_number(a)::VARCHAR AS n FROM (VALUES ${values}) t(a)`)).rows;
    expect(rows).toHaveLength(200);
    for (const { a, n } of rows) expect(n).toBe(addressToBigInt(String(a))?.toString());
  });

  it('ip_in_cidr agrees with cidrRange', async () => {
    const samples = fc.sample(fc.tuple(v4, v4, fc.integer({ min: 0, max: 32 })), { numRuns: 200, seed: 11 });
    const values = samples.map(([address, base, prefix]) => `('${address}', '${base}/${prefix}')`).join(', ');
    const rows = (await store.query(`SELECT a, c, ip_in_cidr(a, c) AS inside FROM (VALUES ${values}) t(a, c)`)).rows;
    for (const { a, c, inside } of rows) {
      const { low, high } = cidrRange(String(c));
      const n = addressToBigInt(String(a)) ?? -1n;
      expect(inside).toBe(n >= low && n <= high);
    }
  });

  it.each(['10.1.2.3', '172.16.0.1', '172.32.0.1', '192.168.9.9', '8.8.8.8', '100.64.1.1', '169.254.1.1', '127.0.0.1', 'fd12::1', 'fe80::1', '2001:db8::1', '::1'])(
    'is_private_ip(%s) agrees with isPrivateAddress',
    async (address) => {
      expect(await store.scalar('SELECT is_private_ip(?)', [address])).toBe(isPrivateAddress(address));
      expect(await store.scalar('SELECT is_public_ip(?)', [address])).toBe(!isPrivateAddress(address));
    },
  );

  it('treats the missing value and bad text as no address', async () => {
    const row = (await store.query("SELECT ip_in_cidr('-', '0.0.0.0/0') a, ip_in_cidr(NULL, '::/0') b, is_ipv4('1.2.3.256') c, is_ipv6('1::2::3') d, ip_in_cidr('10.0.0.1', '::/0') e")).rows[0];
    expect(row).toEqual({ a: false, b: false, c: false, d: false, e: false });
  });

  it('provides the Presto date helpers', async () => {
    const sql = `SELECT day_of_week(from_iso8601_timestamp('2021-12-04')) AS dow, to_unixtime(from_unixtime(1418530010)) AS t,
      date_format(from_unixtime(0), '%Y/%m/%d %T') AS f, format_datetime(date_parse('2021-12-01 10:11', '%Y-%m-%d %H:%i'), 'yyyy-MM-dd''T''HH:mm') AS g`;
    const sandbox = await SqlSandbox.open(store);
    expect((await runUserSql(sandbox, sql)).rows[0]).toEqual({ dow: 6, t: 1418530010, f: '1970/01/01 00:00:00', g: '2021-12-01T10:11' });
    await sandbox.close();
  });
});

describe('presto format translation', () => {
  it.each([
    ['dd/MMM/yyyy:HH:mm:ss Z', '%d/%b/%Y:%H:%M:%S %z'],
    ['yyyy-MM-dd', '%Y-%m-%d'],
    ["yyyy-MM-dd'T'HH:mm:ss.SSS", '%Y-%m-%dT%H:%M:%S.%g'],
    ["h:mm a, EEEE ''", '%I:%M %p, %A \''],
  ])('Joda %s → %s', (joda, strftime) => {
    expect(jodaToStrftime(joda)).toBe(strftime);
  });

  it('translates MySQL formats, minutes (%i) and month names (%M) included', () => {
    expect(mysqlToStrftime('%Y-%m-%d %H:%i:%s %M %T')).toBe('%Y-%m-%d %H:%M:%S %B %H:%M:%S');
  });

  it('rewrites only the format literal of Presto calls, leaving strings and other calls alone', () => {
    expect(rewritePrestoFormats("SELECT parse_datetime(x, 'yyyy-MM-dd'), 'parse_datetime(y, ''dd'')', my_parse_datetime(z, 'yyyy')")).toBe(
      "SELECT parse_datetime(x, '%Y-%m-%d'), 'parse_datetime(y, ''dd'')', my_parse_datetime(z, 'yyyy')",
    );
    expect(rewritePrestoFormats("SELECT DATE_PARSE(concat(a, ','), '%d %i')")).toBe("SELECT DATE_PARSE(concat(a, ','), '%d %M')");
  });

  it('fails with a clear code on an unsupported pattern letter', () => {
    expect(() => jodaToStrftime('yyyy ww')).toThrow(/"ww"/);
  });
});
