import { gzipSync } from 'node:zlib';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { decodeUnit, parseFlowLogText, parseFormatString } from '../../src/parse/index.js';
import type { ParseIssue } from '../../src/parse/index.js';
import type { FlowRecord } from '../../src/records/index.js';
import { V2_HEADER } from '../helpers/temp-store.js';

const V2 = '2 123456789010 eni-1 10.0.1.5 10.0.2.6 443 49152 6 10 840 1439387263 1439387264 ACCEPT OK';
const HEADER = V2_HEADER;

describe('FlowLogDecoder', () => {
  it('reads header-less default-format lines (CloudWatch messages)', () => {
    const { records } = parseFlowLogText(V2);
    expect(records[0]).toEqual({
      version: 2, account_id: '123456789010', interface_id: 'eni-1', srcaddr: '10.0.1.5', dstaddr: '10.0.2.6', srcport: 443,
      dstport: 49152, protocol: 6, packets: 10, bytes: 840, start: 1439387263, end: 1439387264, action: 'ACCEPT', log_status: 'OK',
    });
  });

  it('switches format at headers repeated mid-file and skips blank lines (concatenated S3 objects)', () => {
    const text = [HEADER, V2, '', 'srcaddr dstaddr action', '10.0.0.1 10.0.0.2 REJECT', '', HEADER, V2, ''].join('\n');
    const { records, issues } = parseFlowLogText(text);
    expect(issues).toEqual([]);
    expect(records.map((r) => Object.keys(r).length)).toEqual([14, 3, 14]);
    expect(records[1]).toEqual({ srcaddr: '10.0.0.1', dstaddr: '10.0.0.2', action: 'REJECT' });
  });

  it('reads headers in any order and subset', () => {
    const { records } = parseFlowLogText('log-status action dstport srcaddr\nOK REJECT 22 203.0.113.9');
    expect(records[0]).toEqual({ log_status: 'OK', action: 'REJECT', dstport: 22, srcaddr: '203.0.113.9' });
  });

  it('unwraps CloudWatch events, subscription payloads and filter-log-events output', () => {
    const event = JSON.stringify({ eventId: 'e1', timestamp: 1439387263000, message: V2 });
    const payload = JSON.stringify({ messageType: 'DATA_MESSAGE', logStream: 'eni-1', logEvents: [{ id: 'e2', timestamp: 1, message: V2 }] });
    const document = JSON.stringify({ events: [{ eventId: 'e3', message: V2 }, { eventId: 'e4', message: V2 }] }, null, 2);
    expect(parseFlowLogText([event, payload].join('\n')).records).toHaveLength(2);
    const pretty = parseFlowLogText(document);
    expect(pretty.issues).toEqual([]);
    expect(pretty.records).toHaveLength(2);
  });

  it('takes a user format in AWS ${field} syntax', () => {
    const format = parseFormatString('${version} ${vpc-id} ${srcaddr} ${tcp-flags} ${flow-direction}');
    const { records } = parseFlowLogText('5 vpc-1 2001:db8::1 18 egress', { format });
    expect(records[0]).toEqual({ version: 5, vpc_id: 'vpc-1', srcaddr: '2001:db8::1', tcp_flags: 18, flow_direction: 'egress' });
  });

  it('refuses a format with an unknown field, naming it', () => {
    expect(() => parseFormatString('${version} ${src-address}')).toThrowError(/src-address/);
    expect(() => parseFormatString('${version} $srcaddr')).toThrowError(/\$srcaddr/);
  });
});

describe('bad input', () => {
  const cases: [string, string, ParseIssue['code'], string | undefined][] = [
    ['too few fields', '2 123456789010 eni-1 10.0.1.5', 'field-count', undefined],
    ['too many fields', `${V2} extra`, 'field-count', undefined],
    ['non-numeric port', V2.replace(' 443 ', ' https '), 'bad-integer', 'srcport'],
    ['port out of range', V2.replace(' 443 ', ' 70000 '), 'out-of-range', 'srcport'],
    ['invalid address', V2.replace('10.0.1.5', '10.0.1.500'), 'bad-address', 'srcaddr'],
    ['unknown action', V2.replace('ACCEPT', 'ALLOW'), 'bad-value', 'action'],
    ['invalid JSON event', '{"message": ', 'bad-json', undefined],
  ];
  it.each(cases)('reports %s with file, line and field, and keeps the neighbours', (_name, bad, code, field) => {
    const { records, issues } = parseFlowLogText([V2, bad, V2].join('\n'), { file: 'x.log' });
    expect(records).toHaveLength(2);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ code, file: 'x.log', line: 2, text: bad });
    if (field) expect(issues[0]?.field).toBe(field);
  });

  it('keeps the records before a truncated gzip and reports where it broke', async () => {
    const lines = Array.from({ length: 5000 }, (_, i) => V2.replace('840', String(i)));
    const gz = gzipSync(`${HEADER}\n${lines.join('\n')}\n`);
    const truncated = gz.subarray(0, Math.floor(gz.length * 0.6));
    const records: FlowRecord[] = [];
    const issues: ParseIssue[] = [];
    const counts = await decodeUnit(
      { key: 'cut.log.gz', kind: 'text', open: async () => Readable.from([truncated]) },
      {
        row: (format, values) => records.push(Object.fromEntries(format.columns.map((c, i) => [c, values[i] ?? null]))),
        issue: (issue) => issues.push(issue),
      },
    );
    expect(records.length).toBeGreaterThan(100);
    expect(records.length).toBeLessThan(5000);
    expect(counts.bad).toBeGreaterThanOrEqual(1);
    expect(issues.at(-1)?.code).toBe('corrupt-input');
    expect(issues.at(-1)?.file).toBe('cut.log.gz');
    // Every record before the break is intact (bytes counted 0, 1, 2, …).
    expect(records.every((r, i) => r.bytes === i)).toBe(true);
    expect(issues).toHaveLength(1);
  });

  it('reads gzip and CRLF line endings', async () => {
    const gz = gzipSync(`${HEADER}\r\n${V2}\r\n`);
    const records: unknown[] = [];
    await decodeUnit({ key: 'a.gz', kind: 'text', open: async () => Readable.from([gz]) }, { row: () => records.push(1), issue: (i) => { throw new Error(i.message); } });
    expect(records).toHaveLength(1);
  });
});
