import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildDeployPlan, loadDeployRules, parseDeployRules, parseRules } from '../../src/alerts/index.js';
import { runFlowlens } from '../helpers/cli.js';
import { useTestAwsEnv } from '../sources/helpers/s3-server.js';
import { startFakeCloudWatch } from './fake-cloudwatch.js';
import type { FakeCloudWatch } from './fake-cloudwatch.js';
import { SSH_REJECT_PATTERN, tempFolder } from './helpers.js';

const LOG_GROUP = '/vpc/flow-logs';
const NOTIFIER_TOPIC = 'arn:aws:sns:us-east-1:123456789012:vpc-alerts';
const BYTES_PATTERN = '[version, account, eni, source, destination, srcport, destport, protocol, packets, bytes, start, end, action="ACCEPT", status]';

// Every kind of parameter: a count with defaultValue and unit, a byte value with a dimension, a percentile
// alarm, a fixed-dimension alarm, a '*' alarm, a filter whose value CloudWatch cannot extract, detections.
const RULES = `
metricFilters:
  - filterName: ssh-rejects
    filterPattern: '${SSH_REJECT_PATTERN}'
    metricTransformations: [{ metricName: SSH Rejects, metricNamespace: VPC Flow Logs, metricValue: "1", defaultValue: 0, unit: Count }]
  - filterName: accepted-bytes
    filterPattern: '${BYTES_PATTERN}'
    metricTransformations:
      - metricName: Bytes
        metricNamespace: VPC Flow Logs
        metricValue: $bytes
        unit: Bytes
        dimensions: { eni: $eni }
  - filterName: term-bytes
    filterPattern: 'REJECT'
    metricTransformations: [{ metricName: Rejected bytes, metricNamespace: VPC Flow Logs, metricValue: $bytes }]
alarms:
  - alarmName: SSH-rejects
    alarmDescription: rejected SSH
    metricName: SSH Rejects
    namespace: VPC Flow Logs
    statistic: Sum
    period: 60
    evaluationPeriods: 3
    datapointsToAlarm: 2
    threshold: 1
    comparisonOperator: GreaterThanOrEqualToThreshold
    treatMissingData: notBreaching
  - alarmName: big-flows
    metricName: Bytes
    namespace: VPC Flow Logs
    dimensions: [{ name: eni, value: eni-0a1b2c3d }]
    extendedStatistic: p99
    evaluateLowSampleCountPercentile: ignore
    period: 300
    evaluationPeriods: 2
    threshold: 1000000
    comparisonOperator: GreaterThanThreshold
    alarmActions: [arn:aws:sns:us-east-1:123456789012:pager]
  - alarmName: bytes-per-eni
    metricName: Bytes
    namespace: VPC Flow Logs
    dimensions: [{ name: eni, value: '*' }]
    statistic: Sum
    period: 300
    evaluationPeriods: 1
    threshold: 1
    comparisonOperator: GreaterThanThreshold
  - alarmName: rejected-bytes
    metricName: Rejected bytes
    namespace: VPC Flow Logs
    statistic: Sum
    period: 60
    evaluationPeriods: 1
    threshold: 1
    comparisonOperator: GreaterThanThreshold
detections:
  - type: Portscan
  - type: Anomaly
    name: reject-spike
    metric: rejectedFlows
notify:
  - type: sns
    topicArn: ${NOTIFIER_TOPIC}
    states: [ALARM]
    alarms: [SSH-rejects]
`;

// The parameters CloudWatch must receive, written out by hand from the rules above.
const SSH_FILTER = {
  logGroupName: LOG_GROUP,
  filterName: 'ssh-rejects',
  filterPattern: SSH_REJECT_PATTERN,
  metricTransformations: [{ metricName: 'SSH Rejects', metricNamespace: 'VPC Flow Logs', metricValue: '1', defaultValue: 0, unit: 'Count' }],
};
const BYTES_FILTER = {
  logGroupName: LOG_GROUP,
  filterName: 'accepted-bytes',
  filterPattern: BYTES_PATTERN,
  metricTransformations: [{ metricName: 'Bytes', metricNamespace: 'VPC Flow Logs', metricValue: '$bytes', unit: 'Bytes', dimensions: { eni: '$eni' } }],
};
const SSH_ALARM = {
  AlarmName: 'SSH-rejects',
  AlarmDescription: 'rejected SSH',
  MetricName: 'SSH Rejects',
  Namespace: 'VPC Flow Logs',
  Statistic: 'Sum',
  Period: 60,
  EvaluationPeriods: 3,
  DatapointsToAlarm: 2,
  Threshold: 1,
  ComparisonOperator: 'GreaterThanOrEqualToThreshold',
  TreatMissingData: 'notBreaching',
};
const BIG_FLOWS_ALARM = {
  AlarmName: 'big-flows',
  MetricName: 'Bytes',
  Namespace: 'VPC Flow Logs',
  ExtendedStatistic: 'p99',
  Dimensions: [{ Name: 'eni', Value: 'eni-0a1b2c3d' }],
  Period: 300,
  EvaluationPeriods: 2,
  DatapointsToAlarm: 2,
  Threshold: 1000000,
  ComparisonOperator: 'GreaterThanThreshold',
  TreatMissingData: 'missing',
  EvaluateLowSampleCountPercentile: 'ignore',
};

let folder: Awaited<ReturnType<typeof tempFolder>>;
let rules = '';
let restoreEnv: () => void;
let aws: FakeCloudWatch | undefined;

beforeAll(async () => {
  restoreEnv = useTestAwsEnv();
  folder = await tempFolder();
  rules = join(folder.path, 'rules.yaml');
  await writeFile(rules, RULES);
});
afterAll(async () => {
  restoreEnv?.();
  await folder?.cleanup();
});
afterEach(async () => {
  await aws?.stop();
  aws = undefined;
});

const deployArgs = (endpoint: string, ...extra: string[]) => ['alerts', 'deploy', '--rules', rules, '--log-group', LOG_GROUP, '--endpoint-url', endpoint, '--region', 'us-east-1', ...extra];

describe('alerts deploy', () => {
  it('sends PutMetricFilter (JSON 1.1), PutMetricAlarm (JSON 1.0) and CreateTopic (Query) with every parameter', async () => {
    aws = await startFakeCloudWatch({ logGroups: [LOG_GROUP] });
    const run = await runFlowlens(deployArgs(aws.endpoint, '--topic-name', 'flowlens-alarms', '--format', 'json'));
    expect(run.code).toBe(0);
    const topicArn = 'arn:aws:sns:us-east-1:123456789012:flowlens-alarms';
    expect(aws.calls.map((c) => `${c.protocol} ${c.operation}`)).toEqual([
      'query CreateTopic',
      'json-1.1 PutMetricFilter',
      'json-1.1 PutMetricFilter',
      'json-1.0 PutMetricAlarm',
      'json-1.0 PutMetricAlarm',
    ]);
    const [topic, sshFilter, bytesFilter, sshAlarm, bigAlarm] = aws.calls;
    expect(topic?.params).toEqual({ Action: 'CreateTopic', Version: '2010-03-31', Name: 'flowlens-alarms' });
    expect(sshFilter?.params).toEqual(SSH_FILTER);
    expect(bytesFilter?.params).toEqual(BYTES_FILTER);
    // --topic-name notifies on ALARM and OK; the file's own alarmActions are kept.
    expect(sshAlarm?.params).toEqual({ ...SSH_ALARM, AlarmActions: [topicArn], OKActions: [topicArn] });
    expect(bigAlarm?.params).toEqual({ ...BIG_FLOWS_ALARM, AlarmActions: ['arn:aws:sns:us-east-1:123456789012:pager', topicArn], OKActions: [topicArn] });
    for (const call of aws.calls) expect(call.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=S3RVER\/\d{8}\/us-east-1\/(logs|monitoring|sns)\/aws4_request/);
    expect(sshFilter?.headers['x-amz-target']).toBe('Logs_20140328.PutMetricFilter');
    expect(sshAlarm?.headers['x-amz-target']).toBe('GraniteServiceVersion20100801.PutMetricAlarm');
    const report = JSON.parse(run.stdout) as { topicArn: string; calls: { status: string }[]; notDeployable: { kind: string; name: string; reason: string }[] };
    expect(report.topicArn).toBe(topicArn);
    expect(report.calls.map((c) => c.status)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok']);
    expect(report.notDeployable.map((n) => `${n.kind} ${n.name}`)).toEqual(['metricFilter term-bytes', 'alarm bytes-per-eni', 'alarm rejected-bytes', 'detection Portscan', 'detection reject-spike']);
    expect(report.notDeployable[0]?.reason).toContain('$bytes');
    expect(report.notDeployable[1]?.reason).toContain("'*'");
  });

  it('is idempotent: a second run replaces the same filters and alarms and reuses the topic', async () => {
    aws = await startFakeCloudWatch({ logGroups: [LOG_GROUP] });
    const first = await runFlowlens(deployArgs(aws.endpoint, '--topic-name', 'flowlens-alarms'));
    const snapshot = { filters: [...aws.metricFilters.entries()], alarms: [...aws.alarms.entries()], topics: [...aws.topics.entries()] };
    const second = await runFlowlens(deployArgs(aws.endpoint, '--topic-name', 'flowlens-alarms'));
    expect([first.code, second.code]).toEqual([0, 0]);
    expect({ filters: [...aws.metricFilters.entries()], alarms: [...aws.alarms.entries()], topics: [...aws.topics.entries()] }).toEqual(snapshot);
    expect(aws.metricFilters.size).toBe(2);
    expect(aws.alarms.size).toBe(2);
    expect(second.stdout).toContain('ok      PutMetricAlarm "SSH-rejects"');
    expect(second.stderr).toContain('not deployable: detection "Portscan"');
  });

  it("uses the rules file's SNS notifiers (their states and alarms) when no topic is given", async () => {
    aws = await startFakeCloudWatch({ logGroups: [LOG_GROUP] });
    const run = await runFlowlens(deployArgs(aws.endpoint));
    expect(run.code).toBe(0);
    expect(aws.calls.some((c) => c.operation === 'CreateTopic')).toBe(false);
    expect(aws.alarms.get('SSH-rejects')).toEqual({ ...SSH_ALARM, AlarmActions: [NOTIFIER_TOPIC] });
    expect(aws.alarms.get('big-flows')).toEqual({ ...BIG_FLOWS_ALARM, AlarmActions: ['arn:aws:sns:us-east-1:123456789012:pager'] });
  });

  it('--dry-run prints the calls as JSON and sends nothing', async () => {
    aws = await startFakeCloudWatch({ logGroups: [LOG_GROUP] });
    const run = await runFlowlens(deployArgs(aws.endpoint, '--topic-name', 'flowlens-alarms', '--dry-run'));
    expect(run.code).toBe(0);
    expect(aws.calls).toEqual([]);
    const report = JSON.parse(run.stdout) as { dryRun: boolean; calls: { operation: string; input: Record<string, unknown> }[] };
    expect(report.dryRun).toBe(true);
    expect(report.calls.map((c) => c.operation)).toEqual(['CreateTopic', 'PutMetricFilter', 'PutMetricFilter', 'PutMetricAlarm', 'PutMetricAlarm']);
    expect(report.calls[1]?.input).toEqual(SSH_FILTER);
    expect(report.calls[3]?.input).toEqual({ ...SSH_ALARM, AlarmActions: ['<ARN of flowlens-alarms>'], OKActions: ['<ARN of flowlens-alarms>'] });
  });

  it('reports a missing log group and a denied call, runs the rest, and exits 1', async () => {
    aws = await startFakeCloudWatch({ logGroups: [], deny: ['PutMetricAlarm'] });
    const run = await runFlowlens(deployArgs(aws.endpoint));
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('failed  PutMetricFilter "ssh-rejects" on "/vpc/flow-logs": ResourceNotFoundException');
    expect(run.stdout).toContain('check --log-group and --region');
    expect(run.stdout).toContain('failed  PutMetricAlarm "SSH-rejects": AccessDenied');
    expect(run.stdout).toContain('allow cloudwatch:PutMetricAlarm');
    expect(aws.calls).toHaveLength(4);
  });

  it('stops at the first call when there are no AWS credentials', async () => {
    aws = await startFakeCloudWatch({ logGroups: [LOG_GROUP] });
    const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
    delete process.env.AWS_ACCESS_KEY_ID;
    delete process.env.AWS_SECRET_ACCESS_KEY;
    try {
      const run = await runFlowlens(deployArgs(aws.endpoint));
      expect(run.code).toBe(1);
      expect(run.stderr).toContain('no AWS credentials for PutMetricFilter');
      expect(run.stderr).toContain('pass --profile');
      expect(aws.calls).toEqual([]);
    } finally {
      Object.assign(process.env, { AWS_ACCESS_KEY_ID: saved.id, AWS_SECRET_ACCESS_KEY: saved.secret });
    }
  });

  it('refuses a filter without a log group, and two topic options, as usage errors', async () => {
    const noGroup = await runFlowlens(['alerts', 'deploy', '--rules', rules, '--dry-run']);
    expect(noGroup.code).toBe(2);
    expect(noGroup.stderr).toContain('has no log group');
    const both = await runFlowlens(['alerts', 'deploy', '--rules', rules, '--log-group', LOG_GROUP, '--topic-name', 'a', '--topic-arn', NOTIFIER_TOPIC, '--dry-run']);
    expect(both.code).toBe(2);
  });
});

// Property names of the three resource types, from the CloudFormation template reference
// (aws-resource-logs-metricfilter, aws-properties-logs-metricfilter-metrictransformation,
// aws-resource-cloudwatch-alarm, aws-resource-sns-topic).
const CFN_PROPERTIES: Record<string, string[]> = {
  'AWS::Logs::MetricFilter': ['FilterName', 'FilterPattern', 'LogGroupName', 'MetricTransformations', 'ApplyOnTransformedLogs'],
  'AWS::CloudWatch::Alarm': [
    'ActionsEnabled', 'AlarmActions', 'AlarmDescription', 'AlarmName', 'ComparisonOperator', 'DatapointsToAlarm', 'Dimensions',
    'EvaluateLowSampleCountPercentile', 'EvaluationPeriods', 'ExtendedStatistic', 'InsufficientDataActions', 'MetricName', 'Metrics',
    'Namespace', 'OKActions', 'Period', 'Statistic', 'Tags', 'Threshold', 'ThresholdMetricId', 'TreatMissingData', 'Unit',
  ],
  'AWS::SNS::Topic': ['TopicName', 'DisplayName', 'Subscription', 'KmsMasterKeyId', 'FifoTopic', 'Tags'],
};
const CFN_TRANSFORMATION = ['DefaultValue', 'Dimensions', 'MetricName', 'MetricNamespace', 'MetricValue', 'Unit'];

interface Resource {
  Type: string;
  DependsOn?: string[];
  Properties: Record<string, unknown>;
}

describe('alerts export', () => {
  it.each(['cloudformation', 'cloudformation-json'])('%s: documented property names, the same values deploy sends', async (format) => {
    const run = await runFlowlens(['alerts', 'export', '--rules', rules, '--format', format, '--topic-name', 'flowlens-alarms']);
    expect(run.code).toBe(0);
    const template = (format === 'cloudformation' ? parseYaml(run.stdout) : JSON.parse(run.stdout)) as { AWSTemplateFormatVersion: string; Parameters: unknown; Resources: Record<string, Resource> };
    expect(template.AWSTemplateFormatVersion).toBe('2010-09-09');
    expect(template.Parameters).toEqual({ LogGroupName: { Type: 'String', Description: expect.any(String) } });
    const resources = Object.entries(template.Resources);
    expect(resources.map(([id, r]) => `${id} ${r.Type}`)).toEqual([
      'TopicFlowlensAlarms AWS::SNS::Topic',
      'MetricFilterSshRejects AWS::Logs::MetricFilter',
      'MetricFilterAcceptedBytes AWS::Logs::MetricFilter',
      'AlarmSSHRejects AWS::CloudWatch::Alarm',
      'AlarmBigFlows AWS::CloudWatch::Alarm',
    ]);
    for (const [, resource] of resources) {
      for (const key of Object.keys(resource.Properties)) expect(CFN_PROPERTIES[resource.Type]).toContain(key);
    }
    const props = (id: string) => template.Resources[id]?.Properties ?? {};
    expect(props('MetricFilterSshRejects')).toEqual({
      FilterName: 'ssh-rejects',
      FilterPattern: SSH_REJECT_PATTERN,
      LogGroupName: { Ref: 'LogGroupName' },
      MetricTransformations: [{ MetricName: 'SSH Rejects', MetricNamespace: 'VPC Flow Logs', MetricValue: '1', DefaultValue: 0, Unit: 'Count' }],
    });
    const transformation = (props('MetricFilterAcceptedBytes').MetricTransformations as Record<string, unknown>[])[0] ?? {};
    for (const key of Object.keys(transformation)) expect(CFN_TRANSFORMATION).toContain(key);
    expect(transformation.Dimensions).toEqual([{ Key: 'eni', Value: '$eni' }]);
    expect(props('AlarmSSHRejects')).toEqual({ ...SSH_ALARM, AlarmActions: [{ Ref: 'TopicFlowlensAlarms' }], OKActions: [{ Ref: 'TopicFlowlensAlarms' }] });
    expect(template.Resources.AlarmBigFlows?.DependsOn).toEqual(['MetricFilterAcceptedBytes']);
    expect(run.stderr).toContain('not deployable: alarm "bytes-per-eni"');
  });

  it('aws-cli: the --cli-input-json documents are exactly what deploy sends', async () => {
    const exported = await runFlowlens(['alerts', 'export', '--rules', rules, '--format', 'aws-cli', '--log-group', LOG_GROUP]);
    expect(exported.code).toBe(0);
    const calls = JSON.parse(exported.stdout) as { command: string[]; input: Record<string, unknown> }[];
    aws = await startFakeCloudWatch({ logGroups: [LOG_GROUP] });
    expect((await runFlowlens(deployArgs(aws.endpoint))).code).toBe(0);
    expect(calls.map((c) => c.command.join(' '))).toEqual(['logs put-metric-filter', 'logs put-metric-filter', 'cloudwatch put-metric-alarm', 'cloudwatch put-metric-alarm']);
    expect(calls.map((c) => c.input)).toEqual(aws.calls.map((c) => c.params));
    const withName = await runFlowlens(['alerts', 'export', '--rules', rules, '--format', 'aws-cli', '--log-group', LOG_GROUP, '--topic-name', 'x']);
    expect(withName.code).toBe(2);
  });

  it('terraform: aws_cloudwatch_log_metric_filter, aws_cloudwatch_metric_alarm and aws_sns_topic blocks', async () => {
    const run = await runFlowlens(['alerts', 'export', '--rules', rules, '--format', 'terraform', '--log-group', LOG_GROUP, '--topic-name', 'flowlens-alarms']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('resource "aws_sns_topic" "flowlens-alarms" {\n  name = "flowlens-alarms"\n}');
    expect(run.stdout).toContain(
      [
        'resource "aws_cloudwatch_log_metric_filter" "accepted-bytes" {',
        '  name           = "accepted-bytes"',
        `  pattern        = "${BYTES_PATTERN.replaceAll('"', '\\"')}"`,
        '  log_group_name = "/vpc/flow-logs"',
        '',
        '  metric_transformation {',
        '    name       = "Bytes"',
        '    namespace  = "VPC Flow Logs"',
        '    value      = "$bytes"',
        '    dimensions = { "eni" = "$eni" }',
        '    unit       = "Bytes"',
        '  }',
        '}',
      ].join('\n'),
    );
    expect(run.stdout).toContain(
      [
        'resource "aws_cloudwatch_metric_alarm" "big-flows" {',
        '  alarm_name                            = "big-flows"',
        '  metric_name                           = "Bytes"',
        '  namespace                             = "VPC Flow Logs"',
        '  extended_statistic                    = "p99"',
        '  dimensions                            = { "eni" = "eni-0a1b2c3d" }',
        '  period                                = 300',
        '  evaluation_periods                    = 2',
        '  datapoints_to_alarm                   = 2',
        '  threshold                             = 1000000',
        '  comparison_operator                   = "GreaterThanThreshold"',
        '  treat_missing_data                    = "missing"',
        '  evaluate_low_sample_count_percentiles = "ignore"',
        '  alarm_actions                         = ["arn:aws:sns:us-east-1:123456789012:pager", aws_sns_topic.flowlens-alarms.arn]',
        '  ok_actions                            = [aws_sns_topic.flowlens-alarms.arn]',
        '',
        '  depends_on = [aws_cloudwatch_log_metric_filter.accepted-bytes]',
        '}',
      ].join('\n'),
    );
    expect(run.stdout).not.toContain('term-bytes');
  });
});

describe('buildDeployPlan', () => {
  it('plans examples/rules.yaml: two filters, the SSH alarm, and the rest local with reasons', async () => {
    const plan = buildDeployPlan(await loadDeployRules('examples/rules.yaml'), { topicName: 'vpc-alarms' });
    expect(plan.filters.map((f) => f.params.filterName)).toEqual(['dest-port-22-rejects', 'rejects-by-source']);
    expect(plan.alarms.map((a) => a.params.AlarmName)).toEqual(['SSH-rejects']);
    expect(plan.notDeployable.map((n) => n.name)).toEqual([
      'scanner', 'SSHBruteForce', 'RDPBruteForce', 'SSHBruteForceDistributed', 'RDPBruteForceDistributed', 'PortProbeUnprotectedPort', 'Portscan',
      'PortscanDistributed', 'PortSweep', 'NetworkPortUnusual', 'TrafficVolumeUnusual', 'rejected-flows-spike',
    ]);
    expect(plan.notDeployable.every((n) => n.reason.length > 0 && n.hint)).toBe(true);
    expect(plan.warnings).toEqual([expect.stringContaining('metric filter "rejects-by-source": dimension srcaddr takes srcaddr values')]);
  });

  it('deploys the parameters the local evaluation reads', () => {
    const deploy = parseDeployRules(RULES, 'rules.yaml');
    const plan = buildDeployPlan(deploy);
    const local = parseRules(RULES, 'rules.yaml');
    for (const alarm of plan.alarms) {
      const rule = local.alarms.find((a) => a.alarmName === alarm.params.AlarmName);
      expect(rule).toBeDefined();
      expect(alarm.params).toMatchObject({
        Period: rule?.period,
        EvaluationPeriods: rule?.evaluationPeriods,
        DatapointsToAlarm: rule?.datapointsToAlarm,
        Threshold: rule?.threshold,
        ComparisonOperator: rule?.comparisonOperator,
        TreatMissingData: rule?.treatMissingData,
        MetricName: rule?.metricName,
        Namespace: rule?.namespace,
      });
      expect(alarm.params.Statistic ?? alarm.params.ExtendedStatistic).toBe(rule?.statistic);
    }
    for (const filter of plan.filters) {
      const metric = local.metrics.find((m) => m.filterName === filter.params.filterName);
      expect(filter.params.filterPattern).toBe(metric?.filterPattern);
      expect(filter.params.metricTransformations[0]?.defaultValue).toBe(metric?.defaultValue);
    }
  });
});
