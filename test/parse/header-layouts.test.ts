import { describe, expect, it } from 'vitest';
import { findLayout, parseFlowLogText, parseFormatString, resolveLogFormat, STANDARD_LAYOUTS } from '../../src/parse/index.js';
import { SourceError } from '../../src/records/index.js';
import { V2_HEADER } from '../helpers/temp-store.js';

const V2 = '2 123456789010 eni-1 10.0.1.5 10.0.2.6 443 49152 6 10 840 1439387263 1439387264 ACCEPT OK';
// AWS's "traffic path" example record (29 fields, v5) and "TCP flag sequence" example (21 fields, v3).
const V5_EXAMPLE =
  '5 52.95.128.179 10.0.0.71 80 34210 6 1616729292 1616729349 IPv4 14 15044 123456789012 vpc-abcdefab012345678 subnet-aaaaaaaa012345678 i-0c50d5961bcb2d47b eni-1235b8ca123456789 ap-southeast-2 apse2-az3 - - ACCEPT 19 52.95.128.179 10.0.0.71 S3 - - ingress OK';
const V3_EXAMPLE =
  '3 vpc-abcdefab012345678 subnet-aaaaaaaa012345678 i-01234567890123456 eni-1235b8ca123456789 123456789010 IPv4 52.213.180.42 10.0.0.62 43416 5001 52.213.180.42 10.0.0.62 6 568 8 1566848875 1566848933 ACCEPT 2 OK';

function failure(run: () => unknown): SourceError {
  try {
    run();
  } catch (error) {
    if (error instanceof SourceError) return error;
    throw error;
  }
  throw new Error('expected a SourceError');
}

describe('header lines that are not valid headers', () => {
  it('stops the file at a header with an unknown field, naming it and the closest known name', () => {
    const header = V2_HEADER.replace('log-status', 'log-stauts').replace('srcaddr dstaddr', 'dstaddr srcaddr');
    const error = failure(() => parseFlowLogText([header, V2].join('\n'), { file: 'a.log' }));
    expect(error.code).toBe('bad-header');
    expect(error.message).toContain('a.log:1');
    expect(error.message).toContain('"log-stauts"');
    expect(error.message).toContain('"log-status"');
  });

  it('stops the file at a header naming a field twice', () => {
    const error = failure(() => parseFlowLogText(['version srcaddr srcaddr action', '2 10.0.0.1 10.0.0.2 ACCEPT'].join('\n'), { file: 'b.log' }));
    expect(error.code).toBe('bad-header');
    expect(error.message).toContain('"srcaddr"');
  });

  it('still reads record lines made only of words as records, not headers', () => {
    const { records, issues } = parseFlowLogText('vpc-id action log-status\nvpc-1 ACCEPT OK');
    expect(issues).toEqual([]);
    expect(records).toEqual([{ vpc_id: 'vpc-1', action: 'ACCEPT', log_status: 'OK' }]);
  });
});

describe('header-less lines of a standard layout', () => {
  it('reads an unambiguous standard layout with one notice', () => {
    const { records, issues, notices } = parseFlowLogText([V5_EXAMPLE, V5_EXAMPLE].join('\n'));
    expect(issues).toEqual([]);
    expect(records).toHaveLength(2);
    expect(records[0]).toMatchObject({ version: 5, srcaddr: '52.95.128.179', traffic_path: null, flow_direction: 'ingress', bytes: 15044 });
    expect(notices).toHaveLength(1);
    expect(notices[0]).toContain('--log-format v5-traffic-path');
  });

  it('reads the v3 example layout and the all-fields v4 layout', () => {
    expect(parseFlowLogText(V3_EXAMPLE).records[0]).toMatchObject({ vpc_id: 'vpc-abcdefab012345678', tcp_flags: 2, bytes: 568, packets: 8 });
    const v4 = findLayout('v4');
    const sample: Record<string, string> = { int32: '6', int64: '100', address: '10.0.0.1', string: 'x' };
    const fixed = (v4?.format.fields ?? []).map((f) => (f.name === 'action' ? 'ACCEPT' : f.name === 'log-status' ? 'OK' : (sample[f.kind] ?? '-')));
    expect(fixed).toHaveLength(25);
    const { records, notices } = parseFlowLogText(fixed.join(' '));
    expect(records).toHaveLength(1);
    expect(notices[0]).toContain('--log-format v4');
  });

  it('names the layouts when the field count matches several and the line fits none', () => {
    const bad = V5_EXAMPLE.replace(' 80 34210 ', ' http 34210 ');
    const { records, issues } = parseFlowLogText(bad);
    expect(records).toEqual([]);
    expect(issues[0]?.code).toBe('field-count');
    expect(issues[0]?.message).toMatch(/29 fields/);
    expect(issues[0]?.message).toContain('--log-format v5');
  });

  it('does not guess when the user gave a format or the file has a header', () => {
    const given = parseFlowLogText(V5_EXAMPLE, { format: parseFormatString('${version} ${srcaddr}') });
    expect(given.records).toEqual([]);
    expect(given.notices).toEqual([]);
    const headed = parseFlowLogText([V2_HEADER, V5_EXAMPLE].join('\n'));
    expect(headed.records).toEqual([]);
    expect(headed.issues[0]?.code).toBe('field-count');
  });

  it('takes a layout name as --log-format', () => {
    expect(resolveLogFormat('v5').columns).toHaveLength(29);
    expect(resolveLogFormat('tgw').columns[1]).toBe('resource_type');
    expect(new Set(STANDARD_LAYOUTS.map((l) => l.name)).size).toBe(STANDARD_LAYOUTS.length);
  });
});
