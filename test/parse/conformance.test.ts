import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildFormat, parseFlowLogText } from '../../src/parse/index.js';

// Other parsers' published cases (../shared/conformance); optional: skipped when the folder is absent.
const root = join(import.meta.dirname, '../../../shared/conformance');
const present = existsSync(root);

interface VrlCase {
  name: string;
  input: string;
  format: string | null;
  expected?: Record<string, unknown>;
}

describe.skipIf(!present)('conformance: vectordotdev VRL parse_aws_vpc_flow_log', () => {
  const data = present
    ? (JSON.parse(readFileSync(join(root, 'vectordotdev-vrl/cases.json'), 'utf8')) as { cases_with_expected: VrlCase[]; cases_must_parse: VrlCase[] })
    : { cases_with_expected: [], cases_must_parse: [] };

  it.each(data.cases_with_expected.map((c) => [c.name, c] as const))('%s gives the expected object', (_name, c) => {
    const { records, issues } = parseFlowLogText(c.input, c.format ? { format: buildFormat(c.format.split(' ')) } : {});
    expect(issues).toEqual([]);
    expect(records[0]).toEqual(c.expected);
  });

  it.each(data.cases_must_parse.map((c, i) => [`${i}: ${c.name}`, c] as const))('%s parses', (_name, c) => {
    const { records, issues } = parseFlowLogText(c.input, c.format ? { format: buildFormat(c.format.split(' ')) } : {});
    expect(issues).toEqual([]);
    expect(records).toHaveLength(1);
  });
});

describe.skipIf(!present)('conformance: OpenTelemetry collector awslogsencodingextension', () => {
  const otel = (name: string): string => readFileSync(join(root, 'otel-collector-contrib', name), 'utf8');

  it.each(['valid_vpc_flow_log.log', 'valid_vpc_flow_log_multi.log', 'valid_vpc_flow_log_ecs.log', 'valid_tgw_flow_log.log'])(
    '%s parses every line by its header',
    (name) => {
      const text = otel(name);
      const { records, issues } = parseFlowLogText(text, { file: name });
      expect(issues).toEqual([]);
      expect(records.length).toBe(text.trim().split('\n').length - 1);
    },
  );

  it('reads transit gateway packets-lost counters as numbers', () => {
    const { records } = parseFlowLogText(otel('valid_tgw_flow_log.log'));
    expect(records[0]).toMatchObject({ version: 6, tgw_id: 'tgw-0abc12345def67890', packets_lost_no_route: 1, packets_lost_ttl_expired: 4, region: 'us-east-1' });
  });

  it('unwraps a CloudWatch Logs subscription payload', () => {
    const { records, issues } = parseFlowLogText(otel('valid_vpc_flow_cw.json'));
    expect(issues).toEqual([]);
    expect(records.map((r) => r.action)).toEqual(['ACCEPT', 'REJECT']);
  });

  it('unwraps a custom-format subscription payload with --log-format', () => {
    const { records, issues } = parseFlowLogText(otel('valid_vpc_flow_cw_custom.json'), { format: buildFormat(['version', 'interface-id', 'srcaddr', 'dstaddr']) });
    expect(issues).toEqual([]);
    expect(records[1]).toEqual({ version: 2, interface_id: 'eni-1235b8ca123456789', srcaddr: '172.31.9.69', dstaddr: '172.31.9.12' });
  });

  // OpenTelemetry accepts these lines leniently; flowlens's contract (issue 2) reports a wrong field count as a bad line.
  it.each(['vpc_flow_log_too_few_fields.log', 'vpc_flow_log_too_many_fields.log'])('%s is reported as a bad line', (name) => {
    const { records, issues } = parseFlowLogText(otel(name), { file: name });
    expect(records).toEqual([]);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ code: 'field-count', file: name, line: 2 });
  });
});
