import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listReports } from '../../src/reports/run-report.js';
import { planInPlace } from '../../src/sources/in-place.js';
import { runFlowlens } from '../helpers/cli.js';
import type { CliRun } from '../helpers/cli.js';

const fixtures = join(import.meta.dirname, '../fixtures');
const shared = join(import.meta.dirname, '../../../shared');
const HEADER = 'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status';
const OFF = { FLOWLENS_IN_PLACE: 'off' };

// Flow-log files of every VPC layout the fixtures hold, bad lines included, in one folder (names kept apart).
const FIXTURE_FILES = [
  join(fixtures, 'aws-docs/default-v2.log'),
  join(fixtures, 'aws-docs/nat-gateway-custom.log'),
  join(fixtures, 'aws-docs/tcp-flag-sequence-v3.log'),
  join(fixtures, 'aws-docs/traffic-path-v5.log'),
  join(fixtures, 'aws-docs/transit-gateway-custom-v3.log'),
  join(fixtures, 'queries/flows-mixed.log'),
  join(fixtures, 'graph/flows.log'),
  join(fixtures, 'filter-patterns/ssh-lab.log'),
  join(shared, 'conformance/otel-collector-contrib/valid_vpc_flow_log.log'),
  join(shared, 'conformance/otel-collector-contrib/valid_vpc_flow_log_ecs.log'),
  join(shared, 'conformance/otel-collector-contrib/valid_vpc_flow_log_multi.log'),
  join(shared, 'conformance/otel-collector-contrib/vpc_flow_log_too_few_fields.log'),
  join(shared, 'conformance/otel-collector-contrib/vpc_flow_log_too_many_fields.log'),
];

let folder: string;
let all: string;

/**
 * Runs the command reading in place and through ingest; both must print the same and exit the same. `anyOrder`: the
 * query leaves the order of some rows open (ties of a sort), so the rows are compared as a multiset.
 */
async function both(argv: string[], anyOrder = false): Promise<{ inPlace: CliRun; ingest: CliRun }> {
  const inPlace = await runFlowlens(argv);
  const ingest = await runFlowlens(argv, { env: OFF });
  const rows = (text: string): string | string[] => (anyOrder ? text.split('\n').sort() : text);
  expect({ code: inPlace.code, stdout: rows(inPlace.stdout), stderr: inPlace.stderr }).toEqual({ code: ingest.code, stdout: rows(ingest.stdout), stderr: ingest.stderr });
  return { inPlace, ingest };
}

beforeAll(() => {
  folder = mkdtempSync(join(tmpdir(), 'flowlens-in-place-'));
  all = join(folder, 'all');
  mkdirSync(all);
  FIXTURE_FILES.forEach((file, i) => {
    const target = join(all, `${String(i).padStart(2, '0')}-${basename(file)}`);
    // Every other file gzip-compressed: both compressions are read in place.
    if (i % 2) writeFileSync(`${target}.gz`, gzipSync(readFileSync(file)));
    else copyFileSync(file, target);
  });
});

afterAll(() => rmSync(folder, { recursive: true, force: true }));

describe('planInPlace', () => {
  it('groups the fixture files by layout and compression, every file once', async () => {
    const plan = await planInPlace([all, join(all, '00-default-v2.log')]);
    expect(plan?.files).toHaveLength(FIXTURE_FILES.length);
    expect(new Set(plan?.groups.map((g) => g.compression))).toEqual(new Set(['gzip', 'none']));
    expect(plan?.groups.flatMap((g) => g.files).sort()).toEqual([...(plan?.files ?? [])].sort());
  });

  it.each([
    ['standard input', () => '-'],
    ['an S3 source', () => 's3://bucket/prefix/'],
    ['a CloudWatch Logs JSON export', () => join(shared, 'conformance/otel-collector-contrib/valid_vpc_flow_cw.json')],
    ['a Transit Gateway layout', () => join(shared, 'conformance/otel-collector-contrib/valid_tgw_flow_log.log')],
    ['an S3 access log', () => join(fixtures, 's3-access/aws-docs-current.log')],
    ['a header-less file', () => writeFile('headerless.log', '2 123 eni-1 10.0.0.1 10.0.0.2 1 2 6 10 100 1700000000 1700000060 ACCEPT OK\n')],
    ['a Parquet file', () => writeFile('flows.parquet', 'PAR1')],
    ['a missing file', () => join(folder, 'missing.log')],
    ['a folder holding one file it cannot read', () => join(writeFile('mixed/b.json', '{"message": "x"}\n', 'mixed/a.log', `${HEADER}\n`), '..')],
  ])('leaves %s to ingest', async (_name, source) => {
    expect(await planInPlace([source()])).toBeUndefined();
  });
});

describe('SOURCE commands reading files in place', () => {
  // aws-services needs `flowlens enrich --aws-ranges` first: both paths refuse it (tested in test/enrich).
  const needsUserRanges = (r: { name: string }): boolean => r.name === 'aws-services';
  it.each(listReports().filter((r) => r.logType === 'vpc' && r.params.every((p) => p.default !== null) && !needsUserRanges(r)).map((r) => r.name))(
    'report %s prints what the ingest path prints',
    async (name) => {
      await both(['report', name, all, '--format', 'ndjson']);
    },
  );

  it('reports the bad lines of the fixtures with file and line, as ingest does', async () => {
    const { inPlace } = await both(['report', 'top-talkers', all]);
    expect(inPlace.stderr).toMatch(/11-vpc_flow_log_too_few_fields\.log\.gz:2: expected 14 fields/);
    expect(inPlace.stderr).toMatch(/12-vpc_flow_log_too_many_fields\.log:2: expected 14 fields/);
    expect(inPlace.code).toBe(0);
  });

  it.each([
    ['--start and --end', ['--start', '1700000000', '--end', '1700000300']],
    ['--action', ['--action', 'REJECT']],
    ['--filter-pattern', ['--filter-pattern', '[version, account, eni, source, destination, srcport, destport="22", ...]']],
  ])('applies %s as the ingest path does', async (_name, args) => {
    const { inPlace } = await both(['report', 'top-talkers', all, '--format', 'ndjson', ...args]);
    expect(inPlace.stdout.length).toBeGreaterThan(0);
  });

  it.each([
    ['default 5-tuple', []],
    ['--by srcaddr,dstport -n 5', ['--by', 'srcaddr,dstport', '-n', '5']],
    ['--by account-id,action', ['--by', 'account-id,action']],
  ])('aggregate %s prints what the ingest path prints', async (_name, args) => {
    await both(['aggregate', all, '--format', 'csv', ...args]);
  });

  const insightsCases = (JSON.parse(readFileSync(join(fixtures, 'queries/insights-cases.json'), 'utf8')) as { cases: { id: string; query: string }[] }).cases;
  it.each(insightsCases.map((c) => [c.id, c.query]))('insights %s prints what the ingest path prints', async (_id, query) => {
    await both(['insights', query, all, '--format', 'ndjson'], true);
  });

  it.each([
    'SELECT count(*) AS n, sum(bytes) AS b, count(DISTINCT unit_id) AS units FROM flows',
    'SELECT * FROM flows ORDER BY ALL',
    'SELECT srcaddr, src_ip, dst_ip, "start", "end" FROM flows WHERE src_ip IS NOT NULL ORDER BY ALL',
    'SELECT sourceaddress, dt, "hour" FROM vpc_flow_logs ORDER BY ALL',
  ])('query %s prints what the ingest path prints', async (sql) => {
    await both(['query', sql, all, '--format', 'csv']);
  });

  it('reads a file delivered twice (same bytes, another name) once, as ingest does', async () => {
    const text = readFileSync(join(fixtures, 'graph/flows.log'));
    const twice = join(writeFile('twice/a.log.gz', gzipSync(text), 'twice/b.log.gz', gzipSync(text), 'twice/c.log', text), '..');
    const plan = await planInPlace([twice]);
    expect(plan?.files.map((f) => basename(f))).toEqual(['a.log.gz', 'c.log']);
    const { inPlace } = await both(['query', 'SELECT count(*) AS n FROM flows', twice, '--format', 'csv']);
    expect(inPlace.stdout).toBe('n\n34\n');
    await both(['report', 'top-talkers', twice, '--format', 'csv']);
  });

  it('graph prints what the ingest path prints', async () => {
    await both(['graph', '--export', 'json', all]);
  });
});

describe('lines DuckDB refuses', () => {
  const lines = [
    HEADER,
    '2 123 eni-1 10.0.0.1 10.0.0.2 1 2 6 10 100 1700000000 1700000060 ACCEPT OK',
    '',
    '2 123 eni-1 10.0.0.1  10.0.0.2 1 2 6 10 100 1700000000 1700000060 ACCEPT OK',
    '2 123 eni-1 10.0.0.1 10.0.0.2 99999 2 6 10 100 1700000000 1700000060 ACCEPT OK',
    '2 123 eni-1 10.0.0.1 10.0.0.2 1 2 6 10 100 1700000000 1700000060 MAYBE OK',
    HEADER,
    '2 123 eni-1 - - - - - - - - - - NODATA',
    '2 123 eni-1 10.0.0.1 10.0.0.2 1 2 6 10 100 1700000000 1700000060 ACCEPT',
    '2 123 eni-1 10.0.0.3 10.0.0.4 1 2 6 10 100 1700000000123 1700000060123 REJECT OK',
    '2 123 eni-1 10.0.0.1 10.0.0.2 -1 2 6 10 100 1700000000 1700000060 ACCEPT OK',
    '2 123 eni-1 10.0.0.5\t10.0.0.6 1 2 6 10 100 1700000000 1700000060 ACCEPT OK',
  ];

  it.each([
    ['plain', (text: string) => writeFile('bad/bad.log', text)],
    ['gzip', (text: string) => writeFile('bad-gz/bad.log.gz', gzipSync(text))],
  ])('%s: bad lines named with file:line as ingest names them, odd spacing read as ingest reads it', async (_name, write) => {
    const file = write(`${lines.join('\n')}\n`);
    const questions = [
      ['report', 'top-talkers', file, '--format', 'ndjson'],
      ['query', 'SELECT * FROM flows ORDER BY ALL', file, '--format', 'csv'],
      ['insights', 'stats count(*) as flows by action | sort action', file, '--format', 'csv'],
      ['aggregate', '--by', 'action', file, '--format', 'csv'],
      ['graph', '--export', 'json', file],
    ];
    for (const argv of questions) {
      const { inPlace } = await both(argv);
      expect(inPlace.stderr).toContain(`${file}:5: srcport 99999 is outside 0..65535`);
      expect(inPlace.stderr).toContain(`${file}:11: srcport "-1" is not a number`);
      expect(inPlace.stderr).toContain('warning: 4 bad lines skipped');
    }
    const { inPlace } = await both(['query', "SELECT srcaddr, \"start\" FROM flows WHERE srcaddr IN ('10.0.0.3', '10.0.0.5') ORDER BY 1", file, '--format', 'csv']);
    expect(inPlace.stdout).toBe('srcaddr,start\n10.0.0.3,1700000000\n10.0.0.5,1700000000\n');
  });

  it.each([
    ['a header of another layout mid-file', `${HEADER}\n2 123 eni-1 10.0.0.1 10.0.0.2 1 2 6 10 100 1700000000 1700000060 ACCEPT OK\nversion srcaddr dstaddr bytes\n2 10.9.9.9 10.8.8.8 77\n`],
    ['mixed line ends', `${HEADER}\r\n2 123 eni-1 10.0.0.1 10.0.0.2 1 2 6 10 100 1700000000 1700000060 ACCEPT OK\n2 123 eni-1 10.0.0.1 10.0.0.2 1 2 6 10 100 1700000000 1700000060 ACCEPT OK\r\n`],
  ])('reads a file with %s through ingest', async (name, text) => {
    const file = writeFile(`odd/${name.replace(/\W+/g, '-')}.log`, text);
    await both(['report', 'top-talkers', file, '--format', 'ndjson']);
    await both(['query', 'SELECT * FROM flows ORDER BY ALL', file, '--format', 'csv']);
  });
});

describe('SOURCE files as large as the memory limit', () => {
  it('answers user SQL and Insights from them as ingest does, within the limit', async () => {
    // 400,000 records of distinct address pairs: all their columns loaded take about as much as the 48 MB limit.
    const lines = [HEADER];
    for (let i = 0; i < 400_000; i++) {
      lines.push(`2 123456789012 eni-${i % 50} 10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255} 172.16.${(i >> 8) & 255}.${i & 255} ${1024 + (i % 60000)} 443 6 ${1 + (i % 7)} ${100 + i} ${1700000000 + (i % 3600)} ${1700000060 + (i % 3600)} ${i % 5 ? 'ACCEPT' : 'REJECT'} OK`);
    }
    const file = writeFile('large/flows.log', `${lines.join('\n')}\n`);
    const limited = { FLOWLENS_MEMORY_LIMIT: '48MB' };
    const questions = [
      ['query', 'SELECT * FROM flows ORDER BY bytes DESC LIMIT 3', file, '--format', 'csv'],
      ['insights', 'stats count(*) as flows, sum(bytes) as bytes by action | sort action', file, '--format', 'csv'],
    ];
    for (const argv of questions) {
      const inPlace = await runFlowlens(argv, { env: limited });
      const ingest = await runFlowlens(argv, { env: OFF });
      expect(inPlace.stderr).toBe('');
      expect({ code: inPlace.code, stdout: inPlace.stdout }).toEqual({ code: ingest.code, stdout: ingest.stdout });
    }
  }, 120_000);
});

describe('files that are read through ingest', () => {
  it.each([
    ['a CloudWatch Logs JSON export', () => join(shared, 'conformance/otel-collector-contrib/valid_vpc_flow_cw.json')],
    ['a Transit Gateway layout', () => join(shared, 'conformance/otel-collector-contrib/valid_tgw_flow_log.log')],
    ['a header-less file', () => writeFile('fallback/headerless.log', '2 123 eni-1 10.0.0.1 10.0.0.2 1 2 6 10 100 1700000000 1700000060 ACCEPT OK\n')],
  ])('%s gives the same answers', async (_name, source) => {
    const { inPlace } = await both(['query', 'SELECT count(*) AS n FROM flows', source(), '--format', 'csv']);
    expect(inPlace.code).toBe(0);
    await both(['report', 'top-talkers', source(), '--format', 'csv']);
  });
});

describe('user SQL on SOURCE files', () => {
  it.each([
    (file: string) => `SELECT content FROM read_text('${file}')`,
    (file: string) => `SELECT * FROM read_csv('${file}')`,
    () => "SELECT content FROM read_text('/etc/hostname')",
  ])('is refused file access (%#)', async (sql) => {
    const file = join(all, '00-default-v2.log');
    const run = await runFlowlens(['query', sql(file), file]);
    expect(run.code).not.toBe(0);
    expect(run.stdout).toBe('');
    expect(run.stderr).not.toContain('172.31.16.139');
  });
});

function writeFile(...pairs: (string | Buffer)[]): string {
  let first = '';
  for (let i = 0; i < pairs.length; i += 2) {
    const path = join(folder, pairs[i] as string);
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, pairs[i + 1] as string | Buffer);
    if (i === 0) first = path;
  }
  return first;
}
