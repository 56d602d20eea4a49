import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { parseNdjson, runFlowlens } from '../helpers/cli.js';

const SSH =
  '[version, account, eni, source, destination, srcport, destport="22", protocol="6", packets, bytes, windowstart, windowend, action="REJECT", flowlogstatus]';
const LAB = [
  '2 086112738802 eni-0d5d75b41f9befe9e 61.177.172.128 172.31.83.158 39611 22 6 1 40 1563108188 1563108227 REJECT OK',
  '2 086112738802 eni-0d5d75b41f9befe9e 182.68.238.8 172.31.83.158 42227 22 6 1 44 1563109030 1563109067 REJECT OK',
  '2 086112738802 eni-0d5d75b41f9befe9e 42.171.23.181 172.31.83.158 52417 22 6 24 4065 1563191069 1563191121 ACCEPT OK',
  '2 086112738802 eni-0d5d75b41f9befe9e 61.177.172.128 172.31.83.158 39611 80 6 1 40 1563108188 1563108227 REJECT OK',
];
const APACHE = [
  '127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /apache_pb.gif HTTP/1.0" 200 1534',
  '127.0.0.1 - frank [10/Oct/2000:13:35:22 -0700] "GET /apache_pb.gif HTTP/1.0" 500 5324',
  '127.0.0.1 - frank [10/Oct/2000:13:50:35 -0700] "GET /apache_pb.gif HTTP/1.0" 200 4355',
];

describe('flowlens test-pattern', () => {
  it('prints the 2 of 4 lab records the seed SSH pattern matches, as ndjson with the extracted values', async () => {
    const run = await runFlowlens(['test-pattern', '--format', 'ndjson', SSH], {
      stdin: `${LAB.join('\n')}\n`,
    });
    expect(run.code).toBe(0);
    const matches = parseNdjson(run.stdout);
    expect(matches.map((m) => m.line)).toEqual(LAB.slice(0, 2));
    expect(matches[0]?.extracted).toEqual({
      $version: '2',
      $account: '086112738802',
      $eni: 'eni-0d5d75b41f9befe9e',
      $source: '61.177.172.128',
      $destination: '172.31.83.158',
      $srcport: '39611',
      $destport: '22',
      $protocol: '6',
      $packets: '1',
      $bytes: '40',
      $windowstart: '1563108188',
      $windowend: '1563108227',
      $action: 'REJECT',
      $flowlogstatus: 'OK',
    });
  });

  it('reads any text from files (gzip too) and gives TestMetricFilter’s extracted values', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flowlens-tp-'));
    const path = join(dir, 'access.log.gz');
    writeFileSync(path, gzipSync(`${APACHE.join('\n')}\n`));
    const run = await runFlowlens([
      'test-pattern',
      '-f',
      'ndjson',
      '[ip, identity, user_id, timestamp, request, status_code = 5*, size]',
      path,
    ]);
    expect(run.code).toBe(0);
    expect(parseNdjson(run.stdout)).toEqual([
      {
        line: APACHE[1],
        extracted: {
          $ip: '127.0.0.1',
          $identity: '-',
          $user_id: 'frank',
          $timestamp: '10/Oct/2000:13:35:22 -0700',
          $request: 'GET /apache_pb.gif HTTP/1.0',
          $status_code: '500',
          $size: '5324',
        },
      },
    ]);
  });

  it('omits extracted values for term, regex and JSON patterns', async () => {
    // Terms are substrings: 80 alone would also be found in the account id 086112738802.
    for (const [pattern, expected] of [
      ['REJECT -" 80 "', [0, 1]],
      ['%^2 .* 80 .*REJECT OK$%', [3]],
    ] as const) {
      const run = await runFlowlens(['test-pattern', '-f', 'ndjson', pattern], { stdin: LAB.join('\n') });
      expect(parseNdjson(run.stdout)).toEqual(expected.map((i) => ({ line: LAB[i] })));
    }
    const json = await runFlowlens(['test-pattern', '-f', 'ndjson', '{ $.eventName = Console* }'], {
      stdin: '{"eventName": "ConsoleLogin"}\n{"eventName": "GetObject"}\nnot json\n',
    });
    expect(parseNdjson(json.stdout)).toEqual([{ line: '{"eventName": "ConsoleLogin"}' }]);
  });

  it('renders a table with line numbers, the line and one column per extracted value, and a count on stderr', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flowlens-tp-'));
    const path = join(dir, 'lab.log');
    writeFileSync(path, `${LAB.join('\n')}\n\n`);
    const run = await runFlowlens(['test-pattern', '[..., action="REJECT", status]', path]);
    expect(run.code).toBe(0);
    const [header, rule, ...rows] = run.stdout.trimEnd().split('\n');
    expect(header?.split(/\s{2,}/).slice(0, 3)).toEqual(['line_number', 'line', '$1']);
    expect(header).toMatch(/\$action\s+\$status$/);
    expect(rule).toMatch(/^-+ {2}-+/);
    expect(rows.map((r) => r.trim().split(/\s+/)[0])).toEqual(['1', '2', '4']);
    expect(run.stderr).toBe('3 of 4 events matched\n');
  });

  it('adds a file column when reading several files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flowlens-tp-'));
    const a = join(dir, 'a.log');
    const b = join(dir, 'b.log');
    writeFileSync(a, 'ERROR one\nINFO two\n');
    writeFileSync(b, 'ERROR three\n');
    const run = await runFlowlens(['test-pattern', 'ERROR', a, b]);
    expect(run.stdout.split('\n')[0]?.split(/\s+/)).toEqual(['file', 'line_number', 'line']);
    expect(run.stdout).toContain('ERROR three');
    expect(run.stderr).toBe('2 of 3 events matched\n');
  });

  it.each([
    ['[a, b', /^error: filter pattern, column 6: expected/],
    ['%a(b)%', /^error: filter pattern, column 3: expected/],
    ['foo-bar', /^error: filter pattern, column 4: expected a letter, digit or _/],
  ])('exits 2 with a one-line error for the bad pattern %j', async (pattern, message) => {
    const run = await runFlowlens(['test-pattern', pattern], { stdin: 'x\n' });
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(message);
    expect(run.stderr.trimEnd().split('\n')[0]).toMatch(message);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it('fails on a missing file', async () => {
    const run = await runFlowlens(['test-pattern', 'ERROR', join(tmpdir(), 'flowlens-no-such-file.log')]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/no such file/);
  });
});
