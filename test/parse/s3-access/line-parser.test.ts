import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  parseAccessLogTime,
  parseLogText,
  parseS3AccessLine,
  S3_ACCESS_COLUMNS,
  S3_ACCESS_MIN_FIELDS,
  S3AccessDecoder,
  tokenizeAccessLogLine,
} from '../../../src/parse/index.js';
import type { LogValue, ParseIssue } from '../../../src/parse/index.js';

const fixture = (name: string): string => readFileSync(new URL(`../../fixtures/s3-access/${name}`, import.meta.url), 'utf8');
const OWNER = '79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be';
const RECORD_COLUMNS = S3_ACCESS_COLUMNS.filter((c) => c.record).map((c) => c.name);

function parse(line: string): Record<string, LogValue> {
  const values: LogValue[] = [];
  const problem = parseS3AccessLine(line, values);
  expect(problem).toBeNull();
  return Object.fromEntries(S3_ACCESS_COLUMNS.map((c, i) => [c.name, values[i] ?? null]));
}

describe('parseS3AccessLine', () => {
  it("reads every field of AWS's current documented example (ACL required and source region included)", () => {
    const [first, second] = fixture('aws-docs-current.log').trim().split('\n') as [string, string];
    expect(parse(first)).toEqual({
      bucketowner: OWNER,
      bucket_name: 'amzn-s3-demo-bucket1',
      requestdatetime: '06/Feb/2019:00:00:38 +0000',
      remoteip: '192.0.2.3',
      requester: OWNER,
      requestid: '3E57427F3EXAMPLE',
      operation: 'REST.GET.VERSIONING',
      key: null,
      request_uri: 'GET /amzn-s3-demo-bucket1?versioning HTTP/1.1',
      httpstatus: 200,
      errorcode: null,
      bytessent: 113,
      objectsize: null,
      totaltime: 7,
      turnaroundtime: null,
      referrer: null,
      useragent: 'S3Console/0.4',
      versionid: null,
      hostid: 's9lzHYrFp76ZVxRcpX9+5cjAnEH2ROuNkd2BHfIa6UkFVdtjf5mKR3/eTPFvsiP/XV/VLi31234=',
      sigv: 'SigV4',
      ciphersuite: 'ECDHE-RSA-AES128-GCM-SHA256',
      authtype: 'AuthHeader',
      endpoint: 'amzn-s3-demo-bucket1.s3.us-west-1.amazonaws.com',
      tlsversion: 'TLSV1.2',
      accesspointarn: 'arn:aws:s3:us-west-1:123456789012:accesspoint/example-AP',
      aclrequired: 'Yes',
      sourceregion: 'us-east-1',
      request_time: Date.UTC(2019, 1, 6, 0, 0, 38),
    });
    expect(parse(second)).toMatchObject({ operation: 'REST.GET.LOGGING_STATUS', accesspointarn: null, aclrequired: null, sourceregion: 'us-east-1' });
  });

  it("reads AWS's 2019 example (24 fields) with the newer trailing fields null", () => {
    const records = fixture('aws-docs-2019.log').trim().split('\n').map(parse);
    expect(records).toHaveLength(5);
    expect(records.map((r) => [r.operation, r.httpstatus, r.errorcode])).toEqual([
      ['REST.GET.VERSIONING', 200, null],
      ['REST.GET.LOGGING_STATUS', 200, null],
      ['REST.GET.BUCKETPOLICY', 404, 'NoSuchBucketPolicy'],
      ['REST.GET.VERSIONING', 200, null],
      ['REST.PUT.OBJECT', 200, null],
    ]);
    expect(records[4]).toMatchObject({ key: 's3-dg.pdf', bytessent: null, objectsize: 4406583, totaltime: 41754, turnaroundtime: 28, sigv: 'SigV4', tlsversion: 'TLSV1.1' });
    expect(records[4]).toMatchObject({ accesspointarn: null, aclrequired: null, sourceregion: null });
  });

  it.each([
    ['17 fields (through user-agent)', 17, { useragent: 'Wget/1.21', versionid: null, hostid: null, tlsversion: null }],
    ['18 fields (version id)', 18, { versionid: '3HL4kqtJvjVBH40Nrjfkd', hostid: null }],
    ['24 fields (TLS version)', 24, { tlsversion: 'TLSv1.2', accesspointarn: null }],
    ['26 fields (ACL required)', 26, { aclrequired: 'Yes', sourceregion: null }],
  ])('accepts older lines with %s', (_label, count, expected) => {
    const tail = ['3HL4kqtJvjVBH40Nrjfkd', 'hostid=', 'SigV4', 'ECDHE-RSA-AES128-GCM-SHA256', 'AuthHeader', 'b.s3.amazonaws.com', 'TLSv1.2', 'arn:aws:s3:us-east-1:1:accesspoint/ap', 'Yes'];
    const head = `${OWNER} b [02/Dec/2021:05:06:07 +0000] 203.0.113.200 - E3A4 WEBSITE.GET.OBJECT index.html "GET /index.html HTTP/1.1" 200 - 512 512 3 1 "http://example.com/" "Wget/1.21"`;
    const line = [head, ...tail.slice(0, count - S3_ACCESS_MIN_FIELDS)].join(' ');
    expect(parse(line)).toMatchObject({ requester: null, httpstatus: 200, referrer: 'http://example.com/', ...expected });
  });

  it('ignores fields AWS may add after the known ones', () => {
    const line = `${fixture('aws-docs-current.log').split('\n')[0]} future-field another`;
    expect(parse(line)).toMatchObject({ sourceregion: 'us-east-1' });
  });

  it('keeps spaces inside quoted fields and undoes \\" and \\\\ escapes', () => {
    const line = `${OWNER} b [01/Dec/2021:09:40:11 +0000] 198.51.100.7 - 6B2C REST.GET.OBJECT a%20b.txt "GET /b/a%20b.txt?x=\\"y\\" HTTP/1.1" 200 - 10 10 2 1 "https://example.com/a b" "Mozilla/5.0 (X11; Linux) \\"Quoted\\" C:\\\\dir" -`;
    expect(parse(line)).toMatchObject({
      key: 'a%20b.txt',
      request_uri: 'GET /b/a%20b.txt?x="y" HTTP/1.1',
      referrer: 'https://example.com/a b',
      useragent: 'Mozilla/5.0 (X11; Linux) "Quoted" C:\\dir',
    });
  });

  it('reads `-` as null whether quoted or not, including the Request-URI', () => {
    const line = `${OWNER} b [01/Dec/2021:09:40:11 +0000] - - - REST.GET.OBJECT - - - - - - - - "-" "-"`;
    const record = parse(line);
    for (const column of RECORD_COLUMNS.filter((c) => !['bucketowner', 'bucket_name', 'requestdatetime', 'operation'].includes(c))) expect(record[column]).toBeNull();
  });

  it.each([
    ['too few fields', `${OWNER} b [01/Dec/2021:09:40:11 +0000] 1.2.3.4 - ID REST.GET.OBJECT k "GET / HTTP/1.1" 200`, 'field-count', undefined],
    ['an unterminated quote', `${OWNER} b [01/Dec/2021:09:40:11 +0000] 1.2.3.4 - ID REST.GET.OBJECT k "GET / HTTP/1.1 200 - 1 1 1 1 "-" "ua`, 'bad-value', undefined],
    ['an unterminated bracket', `${OWNER} b [01/Dec/2021:09:40:11 +0000 1.2.3.4 - ID REST.GET.OBJECT k "GET /" 200 - 1 1 1 1 "-" "ua"`, 'bad-value', undefined],
    ['a malformed time', `${OWNER} b [2021-12-01T09:40:11Z] 1.2.3.4 - ID REST.GET.OBJECT k "GET /" 200 - 1 1 1 1 "-" "ua"`, 'bad-value', 'requestdatetime'],
    ['a non-numeric status', `${OWNER} b [01/Dec/2021:09:40:11 +0000] 1.2.3.4 - ID REST.GET.OBJECT k "GET /" OK - 1 1 1 1 "-" "ua"`, 'bad-integer', 'httpstatus'],
    ['a negative size', `${OWNER} b [01/Dec/2021:09:40:11 +0000] 1.2.3.4 - ID REST.GET.OBJECT k "GET /" 200 - 1 -5 1 1 "-" "ua"`, 'bad-integer', 'objectsize'],
  ])('refuses a line with %s', (_label, line, code, field) => {
    const problem = parseS3AccessLine(line, []);
    expect(problem?.code).toBe(code);
    expect(problem?.field).toBe(field);
  });

  it('round-trips generated records through the AWS line layout', () => {
    const token = fc.stringMatching(/^[A-Za-z0-9._:/+=%-]{1,20}$/).filter((s) => s !== '-');
    const quoted = fc.string({ maxLength: 30 }).filter((s) => !/[\n\r]/.test(s) && s !== '-' && s !== '');
    const count = fc.option(fc.integer({ min: 0, max: 2 ** 40 }), { nil: null });
    fc.assert(
      fc.property(token, quoted, quoted, fc.option(quoted, { nil: null }), count, count, fc.integer({ min: 100, max: 599 }), (key, uri, agent, referrer, sent, size, status) => {
        const line = `${OWNER} bucket [31/Dec/2021:23:59:59 -0130] 192.0.2.1 - REQ REST.GET.OBJECT ${key} ${quote(uri)} ${status} - ${sent ?? '-'} ${size ?? '-'} 5 - ${referrer === null ? '-' : quote(referrer)} ${quote(agent)} -`;
        const record = parse(line);
        expect(record).toMatchObject({ key, request_uri: uri, useragent: agent, referrer, bytessent: sent, objectsize: size, httpstatus: status });
        expect(record.request_time).toBe(Date.UTC(2022, 0, 1, 1, 29, 59));
      }),
    );
  });
});

describe('tokenizeAccessLogLine', () => {
  it('keeps the bracketed time as one token without brackets', () => {
    expect(tokenizeAccessLogLine('a [06/Feb/2019:00:00:38 +0000] "x y" z')).toEqual(['a', '06/Feb/2019:00:00:38 +0000', 'x y', 'z']);
  });

  it('treats a quote followed by text as part of the quoted value', () => {
    expect(tokenizeAccessLogLine('"say "hi"there" end')).toEqual(['say "hi"there', 'end']);
  });
});

describe('parseAccessLogTime', () => {
  it.each([
    ['06/Feb/2019:00:00:38 +0000', Date.UTC(2019, 1, 6, 0, 0, 38)],
    ['06/Feb/2019:01:00:38 +0100', Date.UTC(2019, 1, 6, 0, 0, 38)],
    ['05/Feb/2019:19:00:38 -0500', Date.UTC(2019, 1, 6, 0, 0, 38)],
  ])('reads %s as UTC', (text, expected) => {
    expect(parseAccessLogTime(text)).toBe(expected);
  });

  it.each(['06/Foo/2019:00:00:38 +0000', '2019-02-06 00:00:38', '36/Feb/2019:00:00:38 +0000'])('refuses %s', (text) => {
    expect(parseAccessLogTime(text)).toBeUndefined();
  });
});

describe('S3AccessDecoder', () => {
  it('skips blank lines and reports bad ones with file, line, code and text', () => {
    const rows: string[] = [];
    const issues: ParseIssue[] = [];
    const decoder = new S3AccessDecoder({ row: (_type, values) => rows.push(String(values[5])), issue: (issue) => issues.push(issue) }, 'logs/2021-12-01');
    const lines = fixture('aws-docs-2019.log').trim().split('\n');
    decoder.pushLines([lines[0] as string, '', 'not an access log line', lines[1] as string], 10);
    expect(rows).toEqual(['3E57427F3EXAMPLE', '891CE47D2EXAMPLE']);
    expect(issues).toEqual([
      expect.objectContaining({ code: 'field-count', file: 'logs/2021-12-01', line: 12, text: 'not an access log line' }),
    ]);
    expect([decoder.records, decoder.bad]).toEqual([2, 1]);
  });
});

describe('parseLogText on S3 access logs', () => {
  it('detects the type and returns records keyed like the Athena DDL', () => {
    const result = parseLogText(fixture('downloads-2021-12.log'));
    expect(result.logType).toBe('s3-access');
    expect(result.issues).toEqual([]);
    expect(result.records).toHaveLength(11);
    expect(Object.keys(result.records[0] ?? {})).toEqual(RECORD_COLUMNS);
  });
});

function quote(text: string): string {
  return `"${text.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}
