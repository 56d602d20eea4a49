import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseNdjson, runFlowlens } from '../helpers/cli.js';
import { V2_HEADER } from '../helpers/temp-store.js';

const V2 = '2 123456789010 eni-1 10.0.1.5 10.0.2.6 443 49152 6 10 840 1439387263 1439387264 ACCEPT OK';
const V5_EXAMPLE =
  '5 52.95.128.179 10.0.0.71 80 34210 6 1616729292 1616729349 IPv4 14 15044 123456789012 vpc-abcdefab012345678 subnet-aaaaaaaa012345678 i-0c50d5961bcb2d47b eni-1235b8ca123456789 ap-southeast-2 apse2-az3 - - ACCEPT 19 52.95.128.179 10.0.0.71 S3 - - ingress OK';

function write(name: string, text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'flowlens-layouts-')), name);
  writeFileSync(path, text);
  return path;
}

describe('headers and layouts on the command line', () => {
  it('print stops at a misspelt header with an error naming the field, instead of reading the file as v2', async () => {
    const path = write('typo.log', `${V2_HEADER.replace('log-status', 'log-stauts').replace('srcaddr dstaddr', 'dstaddr srcaddr')}\n${V2}\n`);
    const run = await runFlowlens(['print', '-f', 'ndjson', path]);
    expect(run.code).not.toBe(0);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('typo.log:1');
    expect(run.stderr).toContain('did you mean "log-status"');
  });

  it('ingest leaves a file with a bad header out, keeps the others, and fails', async () => {
    const good = write('good.log', `${V2_HEADER}\n${V2}\n`);
    const bad = write('bad.log', `version srcaddr srcaddr action\n2 10.0.0.1 10.0.0.2 ACCEPT\n`);
    const db = join(mkdtempSync(join(tmpdir(), 'flowlens-layouts-db-')), 'flows.duckdb');
    const run = await runFlowlens(['ingest', '--no-rollups', '--db', db, good, bad]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/bad\.log:1: .*"srcaddr" twice/);
    const count = await runFlowlens(['query', '--db', db, '-f', 'json', 'SELECT count(*) AS n FROM flows']);
    expect(JSON.parse(count.stdout)).toEqual([{ n: 1 }]);
  });

  it('reads header-less v5 lines with one notice on stderr, and takes --log-format by layout name', async () => {
    const path = write('v5.log', `${V5_EXAMPLE}\n${V5_EXAMPLE}\n`);
    const run = await runFlowlens(['print', '-f', 'ndjson', path]);
    expect(run.code).toBe(0);
    expect(parseNdjson(run.stdout)).toHaveLength(2);
    expect(run.stderr.match(/notice: .*--log-format v5-traffic-path/g)).toHaveLength(1);
    const named = await runFlowlens(['print', '-f', 'ndjson', '--log-format', 'v5-traffic-path', path]);
    expect(named.stderr).toBe('');
    expect(parseNdjson(named.stdout)[0]).toMatchObject({ traffic_path: null, pkt_src_aws_service: 'S3' });
  });
});
