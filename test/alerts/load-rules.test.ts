import { describe, expect, it } from 'vitest';
import { parseRules, RulesError } from '../../src/alerts/index.js';
import type { RuleIssue } from '../../src/alerts/index.js';
import { SSH_REJECT_PATTERN } from './helpers.js';

const VALID = `
metricFilters:
  - filterName: dest-port-22-rejects
    filterPattern: '${SSH_REJECT_PATTERN}'
    metricTransformations:
      - metricName: SSH Rejects
        metricNamespace: VPC Flow Logs
        metricValue: "1"
alarms:
  - alarmName: SSH-rejects
    metricName: SSH Rejects
    namespace: VPC Flow Logs
    statistic: Sum
    period: 60
    evaluationPeriods: 1
    threshold: 1
    comparisonOperator: GreaterThanOrEqualToThreshold
detections:
  - type: UnauthorizedAccess:EC2/SSHBruteForce
    minAttempts: 5
    window: 10m
notify:
  - type: webhook
    url: http://127.0.0.1:9/hook
`;

function issuesOf(text: string): RuleIssue[] {
  try {
    parseRules(text, 'rules.yaml');
  } catch (error) {
    expect(error).toBeInstanceOf(RulesError);
    expect((error as RulesError).code).toBe('rules-invalid');
    return (error as RulesError).issues;
  }
  throw new Error('expected the rules to be rejected');
}

describe('parseRules', () => {
  it('reads the seed alarm with CloudWatch defaults filled in', () => {
    const rules = parseRules(VALID);
    expect(rules.metrics).toEqual([
      expect.objectContaining({ metricName: 'SSH Rejects', namespace: 'VPC Flow Logs', value: { kind: 'literal', value: 1 }, dimensions: {} }),
    ]);
    expect(rules.alarms[0]).toMatchObject({ datapointsToAlarm: 1, treatMissingData: 'missing', dimensions: [] });
    expect(rules.detections[0]).toMatchObject({ type: 'SSHBruteForce', name: 'SSHBruteForce', minAttempts: 5, window: 600, ports: [22] });
    expect(rules.notify[0]).toMatchObject({ type: 'webhook', retries: 3, retryDelay: 1, timeout: 10 });
  });

  it('accepts PascalCase keys from `aws cloudwatch put-metric-alarm --cli-input-json` and CloudFormation', () => {
    const rules = parseRules(
      JSON.stringify({
        MetricFilters: [
          {
            FilterName: 'bytes-by-source',
            FilterPattern: '',
            MetricTransformations: [{ MetricName: 'Bytes', MetricNamespace: 'Flows', MetricValue: '$bytes', Dimensions: [{ Key: 'Source', Value: '$srcaddr' }] }],
          },
        ],
        Alarms: [
          {
            AlarmName: 'big',
            MetricName: 'Bytes',
            Namespace: 'Flows',
            ExtendedStatistic: 'p99',
            Dimensions: [{ Name: 'Source', Value: '*' }],
            Period: 300,
            EvaluationPeriods: 3,
            DatapointsToAlarm: 2,
            Threshold: 1e6,
            ComparisonOperator: 'GreaterThanThreshold',
            TreatMissingData: 'notBreaching',
            OKActions: [],
          },
        ],
      }),
    );
    expect(rules.metrics[0]).toMatchObject({ value: { kind: 'column', column: 'bytes' }, dimensions: { Source: 'srcaddr' } });
    expect(rules.alarms[0]).toMatchObject({ statistic: 'p99', percentile: 99, datapointsToAlarm: 2, dimensions: [{ name: 'Source', value: '*' }] });
  });

  it.each([
    ['a misspelt key', VALID.replace('period: 60', 'peroid: 60'), { path: 'alarms[0].peroid', line: 14, message: 'unknown key', hint: 'did you mean "period"?' }],
    [
      'an unknown operator',
      VALID.replace('comparisonOperator: GreaterThanOrEqualToThreshold', 'comparisonOperator: GreaterOrEqual'),
      { path: 'alarms[0].comparisonOperator', line: 17, hint: expect.stringContaining('GreaterThanOrEqualToThreshold') },
    ],
    ['a missing threshold', VALID.replace('    threshold: 1\n', ''), { path: 'alarms[0].threshold', message: 'missing' }],
    ['an alarm on an unknown metric', VALID.replace('metricName: SSH Rejects\n    namespace', 'metricName: SSH Reject\n    namespace'), { path: 'alarms[0].metricName', hint: expect.stringContaining('VPC Flow Logs / SSH Rejects') }],
    ['M larger than N', VALID.replace('evaluationPeriods: 1', 'evaluationPeriods: 1\n    datapointsToAlarm: 2'), { path: 'alarms[0].datapointsToAlarm', line: 16 }],
    ['a period CloudWatch refuses', VALID.replace('period: 60', 'period: 45'), { path: 'alarms[0].period', line: 14 }],
    ['an unknown statistic', VALID.replace('statistic: Sum', 'statistic: Total'), { path: 'alarms[0].statistic' }],
    ['a JSON metric value', VALID.replace('metricValue: "1"', 'metricValue: $.bytes'), { path: 'metricFilters[0].metricTransformations[0].metricValue', line: 8 }],
    ['an unknown $field', VALID.replace('metricValue: "1"', 'metricValue: $size'), { path: 'metricFilters[0].metricTransformations[0].metricValue', message: expect.stringContaining('it names version, account') }],
    ['an unknown detection', VALID.replace('UnauthorizedAccess:EC2/SSHBruteForce', 'Brute'), { path: 'detections[0].type', hint: expect.stringContaining('SSHBruteForce') }],
    ['a bad duration', VALID.replace('window: 10m', 'window: ten minutes'), { path: 'detections[0].window', hint: expect.stringContaining('5m') }],
    ['a webhook without http', VALID.replace('http://127.0.0.1:9/hook', 'ftp://example.com/'), { path: 'notify[0].url' }],
    ['a filter pattern that does not parse', VALID.replace(`filterPattern: '${SSH_REJECT_PATTERN}'`, `filterPattern: '[a, b="22'`), { path: 'metricFilters[0].filterPattern', line: 4, message: expect.stringContaining('closing "') }],
    ['defaultValue with dimensions', VALID.replace('metricValue: "1"', 'metricValue: "1"\n        defaultValue: 0\n        dimensions: {srcaddr: $srcaddr}'), { path: 'metricFilters[0].metricTransformations[0].defaultValue' }],
  ])('rejects %s with its path, line and a hint', (_name, text, expected) => {
    expect(issuesOf(text)).toContainEqual(expect.objectContaining(expected));
  });

  it('asks for every dimension of a metric published with dimensions', () => {
    const text = VALID.replace('metricValue: "1"', 'metricValue: "1"\n        dimensions: {srcaddr: $source}');
    expect(issuesOf(text)).toContainEqual(expect.objectContaining({ path: 'alarms[0].dimensions', hint: expect.stringContaining("{name: srcaddr, value: '*'}") }));
  });

  it('reports a YAML syntax error with its line', () => {
    expect(issuesOf('alarms:\n  - alarmName: x\n   bad: [')[0]).toMatchObject({ line: expect.any(Number), message: expect.stringContaining('YAML syntax') });
  });

  it('lists every problem in one error message, each with file, line and path', () => {
    try {
      parseRules(VALID.replace('period: 60', 'period: 45').replace('statistic: Sum', 'statistic: Total'), 'rules.yaml');
      throw new Error('not rejected');
    } catch (error) {
      expect((error as Error).message).toMatch(/^2 problems in rules file rules.yaml:\n {2}rules.yaml:13: alarms\[0\]\.statistic: /);
      expect((error as Error).message).toContain('rules.yaml:14: alarms[0].period: 45 seconds is not a valid period (CloudWatch takes 10, 30 or a multiple of 60 seconds)');
    }
  });
});
