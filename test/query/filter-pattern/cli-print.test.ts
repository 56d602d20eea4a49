import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseNdjson, runFlowlens } from '../../helpers/cli.js';

const SSH =
  '[version, account, eni, source, destination, srcport, destport="22", protocol="6", packets, bytes, windowstart, windowend, action="REJECT", flowlogstatus]';
const fixture = join(import.meta.dirname, '../../fixtures/filter-patterns/ssh-lab.log');
const V2 = [
  'version',
  'account_id',
  'interface_id',
  'srcaddr',
  'dstaddr',
  'srcport',
  'dstport',
  'protocol',
  'packets',
  'bytes',
  'start',
  'end',
  'action',
  'log_status',
];

/** The records of an ndjson print as comparable v2 lines. */
const asLines = (stdout: string): string[] =>
  parseNdjson(stdout)
    .map((r) => V2.map((c) => (r[c] === null || r[c] === undefined ? '-' : String(r[c]))).join(' '))
    .sort();

describe('--filter-pattern on print: straight from a file and from the database', () => {
  let db: string;
  beforeAll(async () => {
    db = join(mkdtempSync(join(tmpdir(), 'flowlens-fp-')), 'flows.duckdb');
    const ingest = await runFlowlens(['ingest', fixture, '--db', db]);
    expect(ingest.code).toBe(0);
  });

  it('selects the seed SSH rejects from the file (JS matcher on raw lines)', async () => {
    const run = await runFlowlens(['print', '--filter-pattern', SSH, '-f', 'ndjson', fixture]);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    expect(parseNdjson(run.stdout).map((r) => r.srcaddr)).toEqual([
      '61.177.172.128',
      '182.68.238.8',
      '198.51.100.23',
      '2001:db8::7',
    ]);
  });

  it.each([
    SSH,
    '[version, account, eni, source, destination, srcport, destport=22, protocol=6, packets, bytes, windowstart, windowend, action=REJECT, flowlogstatus]',
    '[..., bytes >= 100, windowstart, windowend, action, status]',
    '[..., action = "-", status]',
    'REJECT -"22 6"',
    '?NODATA ?ACCEPT',
    '%2001:db8::[0-9]+ 2001%',
  ])('selects the same records from the database (compiled SQL): %s', async (pattern) => {
    const fromFile = await runFlowlens(['print', '--filter-pattern', pattern, '-f', 'ndjson', fixture]);
    const fromDb = await runFlowlens(['print', '--db', db, '--filter-pattern', pattern, '-f', 'ndjson']);
    expect(fromFile.code).toBe(0);
    expect(fromDb.code).toBe(0);
    expect(asLines(fromDb.stdout)).toEqual(asLines(fromFile.stdout));
    expect(asLines(fromDb.stdout).length).toBeGreaterThan(0);
  });

  it('keeps only matching records at ingest time', async () => {
    const only = join(mkdtempSync(join(tmpdir(), 'flowlens-fp-')), 'ssh.duckdb');
    const ingest = await runFlowlens([
      'ingest',
      fixture,
      '--db',
      only,
      '--filter-pattern',
      SSH,
      '-f',
      'ndjson',
    ]);
    expect(ingest.code).toBe(0);
    expect(JSON.parse(ingest.stdout)).toMatchObject({ records: 4 });
    const all = await runFlowlens(['print', '--db', only, '-f', 'ndjson']);
    const fromFile = await runFlowlens(['print', '--filter-pattern', SSH, '-f', 'ndjson', fixture]);
    expect(asLines(all.stdout)).toEqual(asLines(fromFile.stdout));
  });

  it.each([
    // A pattern that cannot apply to flow logs is an error in what the user typed: exit 2, like a syntax error.
    ['a JSON pattern', '{ $.action = "REJECT" }', 2, /cannot match VPC flow log records/],
    ['a syntax error', '[version, account', 2, /column 18: expected/],
  ])('fails with one message, no stack, on %s', async (_what, pattern, code, message) => {
    for (const argv of [
      ['print', '--filter-pattern', pattern, fixture],
      ['print', '--db', db, '--filter-pattern', pattern],
    ]) {
      const run = await runFlowlens(argv);
      expect(run.code).toBe(code);
      expect(run.stdout).toBe('');
      expect(run.stderr).toMatch(message);
      expect(run.stderr).not.toMatch(/\n\s+at /);
    }
  });
});
