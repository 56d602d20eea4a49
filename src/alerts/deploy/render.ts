import { Document } from 'yaml';
import { UsageError } from '../../records/index.js';
import { filterLogGroup } from './plan.js';
import type { ActionRef, AlarmActionLists, DeployPlan, PlannedAlarm } from './plan.js';

/** The output formats of `flowlens alerts export`. */
export const DEPLOY_EXPORT_FORMATS = ['cloudformation', 'cloudformation-json', 'terraform', 'aws-cli'] as const;
/** One export format. */
export type DeployExportFormat = (typeof DEPLOY_EXPORT_FORMATS)[number];

/** Options of the renderers: the log group the filters go on (else a template parameter / variable). */
export interface RenderDeployOptions {
  logGroup?: string | undefined;
}

/** Renders a deploy plan in one of the export formats. */
export function renderDeployExport(plan: DeployPlan, format: DeployExportFormat, options: RenderDeployOptions = {}): string {
  switch (format) {
    case 'cloudformation':
      return renderYamlTemplate(buildCloudFormationTemplate(plan, options));
    case 'cloudformation-json':
      return `${JSON.stringify(buildCloudFormationTemplate(plan, options), null, 2)}\n`;
    case 'terraform':
      return renderTerraform(plan, options);
    case 'aws-cli':
      return `${JSON.stringify(buildAwsCliInputs(plan, options), null, 2)}\n`;
  }
}

/**
 * A CloudFormation template: AWS::Logs::MetricFilter, AWS::CloudWatch::Alarm (DependsOn the filters that
 * publish its metric) and, for --topic-name, AWS::SNS::Topic. Without --log-group the filters take the
 * LogGroupName parameter.
 */
export function buildCloudFormationTemplate(plan: DeployPlan, options: RenderDeployOptions = {}): Record<string, unknown> {
  const ids = new LogicalIds();
  const resources: Record<string, unknown> = {};
  const topicId = plan.createTopic ? ids.make('Topic', plan.createTopic) : undefined;
  if (plan.createTopic && topicId) resources[topicId] = { Type: 'AWS::SNS::Topic', Properties: { TopicName: plan.createTopic } };
  const filterIds = new Map<string, string>();
  let needsParameter = false;
  for (const filter of plan.filters) {
    const id = ids.make('MetricFilter', filter.params.filterName);
    filterIds.set(filter.params.filterName, id);
    const group = filterLogGroup(filter, options.logGroup);
    if (group === undefined) needsParameter = true;
    resources[id] = {
      Type: 'AWS::Logs::MetricFilter',
      Properties: {
        FilterName: filter.params.filterName,
        FilterPattern: filter.params.filterPattern,
        LogGroupName: group ?? { Ref: 'LogGroupName' },
        MetricTransformations: filter.params.metricTransformations.map((t) => ({
          MetricName: t.metricName,
          MetricNamespace: t.metricNamespace,
          MetricValue: t.metricValue,
          ...(t.defaultValue !== undefined ? { DefaultValue: t.defaultValue } : {}),
          ...(t.dimensions ? { Dimensions: Object.entries(t.dimensions).map(([Key, Value]) => ({ Key, Value })) } : {}),
          ...(t.unit ? { Unit: t.unit } : {}),
        })),
      },
    };
  }
  const topicArn = (ref: ActionRef): unknown => ('arn' in ref ? ref.arn : { Ref: topicId });
  for (const alarm of plan.alarms) {
    const dependsOn = alarm.filterNames.flatMap((name) => filterIds.get(name) ?? []);
    resources[ids.make('Alarm', alarm.params.AlarmName)] = {
      Type: 'AWS::CloudWatch::Alarm',
      ...(dependsOn.length > 0 ? { DependsOn: dependsOn } : {}),
      Properties: { ...alarm.params, ...actionLists(alarm.actions, topicArn) },
    };
  }
  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Description: `flowlens metric filters and alarms from ${plan.file}`,
    ...(needsParameter ? { Parameters: { LogGroupName: { Type: 'String', Description: 'The CloudWatch Logs log group the VPC flow logs are delivered to' } } } : {}),
    Resources: resources,
    ...(topicId ? { Outputs: { TopicArn: { Description: 'The SNS topic the alarms notify', Value: { Ref: topicId } } } } : {}),
  };
}

/** One `aws … --cli-input-json` call: the CLI service and operation, and the input document. */
export interface AwsCliCall {
  command: [string, string];
  input: Record<string, unknown>;
}

/**
 * The PutMetricFilter and PutMetricAlarm inputs in the `--cli-input-json` shape, in order (filters first, so
 * the metric exists before its alarm). They need a log group and, for alarm actions, topic ARNs.
 */
export function buildAwsCliInputs(plan: DeployPlan, options: RenderDeployOptions = {}): AwsCliCall[] {
  if (plan.createTopic) {
    throw new UsageError('--format aws-cli needs the topic ARN, not its name', {
      hint: `create it with \`aws sns create-topic --name ${plan.createTopic}\` and pass the TopicArn it prints as --topic-arn`,
    });
  }
  const calls: AwsCliCall[] = plan.filters.map((filter) => {
    const group = filterLogGroup(filter, options.logGroup);
    if (group === undefined) {
      throw new UsageError(`metric filter "${filter.params.filterName}" has no log group`, { hint: 'pass --log-group NAME (the log group the flow logs are delivered to)' });
    }
    return { command: ['logs', 'put-metric-filter'], input: { logGroupName: group, ...filter.params } };
  });
  for (const alarm of plan.alarms) {
    calls.push({ command: ['cloudwatch', 'put-metric-alarm'], input: { ...alarm.params, ...actionLists(alarm.actions, (ref) => ('arn' in ref ? ref.arn : '')) } });
  }
  return calls;
}

/**
 * Terraform HCL: aws_cloudwatch_log_metric_filter, aws_cloudwatch_metric_alarm (depends_on its filters) and,
 * for --topic-name, aws_sns_topic; without --log-group the filters take var.log_group_name.
 */
export function renderTerraform(plan: DeployPlan, options: RenderDeployOptions = {}): string {
  const names = new ResourceNames();
  const blocks: string[] = [`# flowlens metric filters and alarms from ${plan.file}`];
  if (plan.filters.some((f) => filterLogGroup(f, options.logGroup) === undefined)) {
    blocks.push(block('variable "log_group_name"', [attr('type', 'string'), attr('description', hcl('The CloudWatch Logs log group the VPC flow logs are delivered to'))]));
  }
  const topic = plan.createTopic ? names.make('aws_sns_topic', plan.createTopic) : undefined;
  if (plan.createTopic && topic) blocks.push(block(`resource "aws_sns_topic" "${topic}"`, [attr('name', hcl(plan.createTopic))]));
  const filterNames = new Map<string, string>();
  for (const filter of plan.filters) {
    const name = names.make('aws_cloudwatch_log_metric_filter', filter.params.filterName);
    filterNames.set(filter.params.filterName, name);
    const group = filterLogGroup(filter, options.logGroup);
    const lines = [attr('name', hcl(filter.params.filterName)), attr('pattern', hcl(filter.params.filterPattern)), attr('log_group_name', group === undefined ? 'var.log_group_name' : hcl(group))];
    for (const t of filter.params.metricTransformations) {
      const inner = [attr('name', hcl(t.metricName)), attr('namespace', hcl(t.metricNamespace)), attr('value', hcl(t.metricValue))];
      if (t.defaultValue !== undefined) inner.push(attr('default_value', hcl(String(t.defaultValue))));
      if (t.dimensions) inner.push(attr('dimensions', hclMap(t.dimensions)));
      if (t.unit) inner.push(attr('unit', hcl(t.unit)));
      lines.push('', ...block('metric_transformation', inner).split('\n'));
    }
    blocks.push(block(`resource "aws_cloudwatch_log_metric_filter" "${name}"`, lines));
  }
  const topicArn = (ref: ActionRef): string => ('arn' in ref ? hcl(ref.arn) : `aws_sns_topic.${topic}.arn`);
  for (const alarm of plan.alarms) blocks.push(terraformAlarm(alarm, names.make('aws_cloudwatch_metric_alarm', alarm.params.AlarmName), filterNames, topicArn));
  return `${blocks.join('\n\n')}\n`;
}

function terraformAlarm(alarm: PlannedAlarm, name: string, filterNames: ReadonlyMap<string, string>, topicArn: (ref: ActionRef) => string): string {
  const p = alarm.params;
  const lines = [attr('alarm_name', hcl(p.AlarmName))];
  if (p.AlarmDescription !== undefined) lines.push(attr('alarm_description', hcl(p.AlarmDescription)));
  if (p.ActionsEnabled !== undefined) lines.push(attr('actions_enabled', String(p.ActionsEnabled)));
  lines.push(attr('metric_name', hcl(p.MetricName)), attr('namespace', hcl(p.Namespace)));
  if (p.Statistic) lines.push(attr('statistic', hcl(p.Statistic)));
  if (p.ExtendedStatistic) lines.push(attr('extended_statistic', hcl(p.ExtendedStatistic)));
  if (p.Dimensions) lines.push(attr('dimensions', hclMap(Object.fromEntries(p.Dimensions.map((d) => [d.Name, d.Value])))));
  lines.push(attr('period', String(p.Period)));
  if (p.Unit) lines.push(attr('unit', hcl(p.Unit)));
  lines.push(
    attr('evaluation_periods', String(p.EvaluationPeriods)),
    attr('datapoints_to_alarm', String(p.DatapointsToAlarm)),
    attr('threshold', String(p.Threshold)),
    attr('comparison_operator', hcl(p.ComparisonOperator)),
    attr('treat_missing_data', hcl(p.TreatMissingData)),
  );
  if (p.EvaluateLowSampleCountPercentile) lines.push(attr('evaluate_low_sample_count_percentiles', hcl(p.EvaluateLowSampleCountPercentile)));
  const keys: [keyof AlarmActionLists, string][] = [['AlarmActions', 'alarm_actions'], ['OKActions', 'ok_actions'], ['InsufficientDataActions', 'insufficient_data_actions']];
  for (const [key, argument] of keys) if (alarm.actions[key].length > 0) lines.push(attr(argument, `[${alarm.actions[key].map(topicArn).join(', ')}]`));
  const dependsOn = alarm.filterNames.flatMap((f) => (filterNames.has(f) ? [`aws_cloudwatch_log_metric_filter.${filterNames.get(f)}`] : []));
  if (dependsOn.length > 0) lines.push('', attr('depends_on', `[${dependsOn.join(', ')}]`));
  return block(`resource "aws_cloudwatch_metric_alarm" "${name}"`, lines);
}

// The format version is a string; unquoted, YAML 1.1 readers would take it for a date.
function renderYamlTemplate(template: Record<string, unknown>): string {
  const doc = new Document(template);
  const version = doc.get('AWSTemplateFormatVersion', true) as { type?: string } | undefined;
  if (version) version.type = 'QUOTE_DOUBLE';
  return doc.toString({ lineWidth: 0 });
}

function actionLists(actions: AlarmActionLists, resolve: (ref: ActionRef) => unknown): Record<string, unknown[]> {
  const out: Record<string, unknown[]> = {};
  for (const key of ['AlarmActions', 'OKActions', 'InsufficientDataActions'] as const) if (actions[key].length > 0) out[key] = actions[key].map(resolve);
  return out;
}

// Laid out as `terraform fmt` does: two-space indents, the `=` of consecutive one-line arguments aligned.
function block(header: string, lines: string[]): string {
  const aligned = [...lines];
  for (let start = 0; start < aligned.length; ) {
    let end = start;
    while (end < aligned.length && isArgument(aligned[end] ?? '')) end++;
    const width = Math.max(0, ...aligned.slice(start, end).map((line) => line.indexOf(' = ')));
    for (let i = start; i < end; i++) {
      const line = aligned[i] ?? '';
      const at = line.indexOf(' = ');
      aligned[i] = `${line.slice(0, at).padEnd(width)}${line.slice(at)}`;
    }
    start = end === start ? start + 1 : end;
  }
  return [`${header} {`, ...aligned.map((line) => (line === '' ? '' : `  ${line}`)), '}'].join('\n');
}

function isArgument(line: string): boolean {
  return /^[a-z_]+ = /.test(line);
}

function attr(name: string, value: string): string {
  return `${name} = ${value}`;
}

function hclMap(map: Readonly<Record<string, string>>): string {
  return `{ ${Object.entries(map).map(([k, v]) => `${hcl(k)} = ${hcl(v)}`).join(', ')} }`;
}

/** A quoted HCL string: backslash escapes, and `${` / `%{` doubled so Terraform does not interpolate them. */
function hcl(text: string): string {
  const escaped = text
    .replaceAll('\\', '\\\\')
    .replaceAll('"', '\\"')
    .replaceAll('\n', '\\n')
    .replaceAll('\r', '\\r')
    .replaceAll('\t', '\\t')
    .replaceAll('${', '$${')
    .replaceAll('%{', '%%{');
  return `"${escaped}"`;
}

// CloudFormation logical ids: letters and digits only, unique in the template.
class LogicalIds {
  private readonly used = new Set<string>();

  make(prefix: string, name: string): string {
    const base = prefix + name.replace(/[^A-Za-z0-9]+(.)?/g, (_, c: string | undefined) => (c ?? '').toUpperCase()).replace(/^[a-z]/, (c) => c.toUpperCase());
    return unique(base.slice(0, 240), this.used);
  }
}

// Terraform resource names: letters, digits, _ and -, starting with a letter or _, unique per resource type.
class ResourceNames {
  private readonly used = new Map<string, Set<string>>();

  make(type: string, name: string): string {
    const used = this.used.get(type) ?? new Set<string>();
    this.used.set(type, used);
    const base = name.toLowerCase().replace(/[^a-z0-9_-]+/g, '_').replace(/^_+|_+$/g, '') || 'rule';
    return unique(/^[a-z_]/.test(base) ? base : `r_${base}`, used);
  }
}

function unique(base: string, used: Set<string>): string {
  let name = base;
  for (let i = 2; used.has(name); i++) name = `${base}${i}`;
  used.add(name);
  return name;
}
