import { parse as parseYaml } from 'yaml';
import { parseFilterPattern } from '../../query/filter-pattern/index.js';
import { UsageError } from '../../records/index.js';
import { parseRules, normalizeRulesDocument, readRulesText } from '../load-rules.js';
import { alarmMetricDefinitions } from '../metric-sql.js';
import { patternFieldBindings } from '../pattern-fields.js';
import { rulesSchema } from '../rules-schema.js';
import type { AlarmInput, MetricFilterInput, NotifierConfig, RulesInput } from '../rules-schema.js';
import type { AlarmRule, Rules } from '../rules.js';
import type { AlarmState } from '../types.js';

/** A rules file as validated for evaluation, plus its entries as written (the text CloudWatch needs back). */
export interface DeployRules {
  rules: Rules;
  input: RulesInput;
}

/** CloudWatch Logs PutMetricFilter input (also `aws logs put-metric-filter --cli-input-json`), without logGroupName. */
export interface MetricFilterParams {
  filterName: string;
  filterPattern: string;
  metricTransformations: {
    metricName: string;
    metricNamespace: string;
    metricValue: string;
    defaultValue?: number;
    dimensions?: Record<string, string>;
    unit?: string;
  }[];
}

/** CloudWatch PutMetricAlarm input (also `aws cloudwatch put-metric-alarm --cli-input-json`), without the actions. */
export interface AlarmParams {
  AlarmName: string;
  AlarmDescription?: string;
  ActionsEnabled?: boolean;
  MetricName: string;
  Namespace: string;
  Statistic?: string;
  ExtendedStatistic?: string;
  Dimensions?: { Name: string; Value: string }[];
  Period: number;
  Unit?: string;
  EvaluationPeriods: number;
  DatapointsToAlarm: number;
  Threshold: number;
  ComparisonOperator: string;
  TreatMissingData: string;
  EvaluateLowSampleCountPercentile?: string;
}

/** An alarm action: a fixed ARN, or the topic the deployment creates (its ARN is known only after CreateTopic). */
export type ActionRef = { arn: string } | { topic: string };

/** The three action lists of PutMetricAlarm, keyed by the parameter names. */
export type AlarmActionLists = Record<'AlarmActions' | 'OKActions' | 'InsufficientDataActions', ActionRef[]>;

/** One metric filter to put: its parameters and the log group it goes on (undefined: the caller's --log-group). */
export interface PlannedFilter {
  logGroupName?: string | undefined;
  params: MetricFilterParams;
}

/** One alarm to put: its parameters, actions, and the metric filters that publish its metric. */
export interface PlannedAlarm {
  params: AlarmParams;
  actions: AlarmActionLists;
  filterNames: string[];
}

/** A rule that has no CloudWatch equivalent, with why and what to do instead. */
export interface NotDeployable {
  kind: 'metricFilter' | 'alarm' | 'detection';
  name: string;
  reason: string;
  hint?: string | undefined;
}

/** Everything a rules file deploys as: metric filters, alarms, the topic to create, and what stays local. */
export interface DeployPlan {
  file: string;
  filters: PlannedFilter[];
  alarms: PlannedAlarm[];
  /** The SNS topic CreateTopic makes (or returns, when it exists), from --topic-name. */
  createTopic?: string | undefined;
  notDeployable: NotDeployable[];
  /** Deployable, but worth a second look (costs, limits). */
  warnings: string[];
}

/** Which SNS topic the alarms notify: an existing ARN, a name to create or reuse, or the rules file's SNS notifiers. */
export interface PlanOptions {
  topicArn?: string | undefined;
  topicName?: string | undefined;
}

/** Reads a rules file for deployment: validated as `alerts run` does, with its entries as written. */
export async function loadDeployRules(path: string): Promise<DeployRules> {
  return parseDeployRules(await readRulesText(path), path);
}

/** Parses rules text for deployment (throws RulesError like parseRules). */
export function parseDeployRules(text: string, file = '<rules>'): DeployRules {
  const rules = parseRules(text, file);
  const input = rulesSchema.parse(normalizeRulesDocument(parseYaml(text) ?? {}));
  return { rules, input };
}

// Alarm states → the PutMetricAlarm list whose actions run on entering that state.
const ACTION_LIST: Record<AlarmState, keyof AlarmActionLists> = { ALARM: 'AlarmActions', OK: 'OKActions', INSUFFICIENT_DATA: 'InsufficientDataActions' };

/**
 * Turns validated rules into the PutMetricFilter / PutMetricAlarm parameters the local evaluation used (pattern,
 * metric value and default, dimensions, statistic, period, M of N, threshold, operator, missing-data rule), and
 * lists what CloudWatch cannot run: detections, anomaly rules, `*` alarms, and fields a pattern does not extract.
 */
export function buildDeployPlan({ rules, input }: DeployRules, options: PlanOptions = {}): DeployPlan {
  checkTopicOptions(options);
  const notDeployable: NotDeployable[] = [];
  const warnings: string[] = [];
  const filters: PlannedFilter[] = [];
  const skippedFilters = new Set<string>();
  for (const filter of input.metricFilters) {
    const problem = filterProblem(filter);
    if (problem) {
      notDeployable.push({ kind: 'metricFilter', name: filter.filterName, ...problem });
      skippedFilters.add(filter.filterName);
    } else {
      filters.push({ logGroupName: filter.logGroupName, params: filterParams(filter) });
      warnings.push(...addressDimensionWarnings(filter, rules));
    }
  }
  const written = new Map(input.alarms.map((alarm) => [alarm.alarmName, alarm]));
  const topics = alarmTopics(rules.notify, options);
  const alarms: PlannedAlarm[] = [];
  for (const alarm of rules.alarms) {
    const filterNames = [...new Set(alarmMetricDefinitions(alarm, rules.metrics).map((m) => m.filterName))];
    const problem = alarmProblem(alarm, filterNames, skippedFilters);
    if (problem) {
      notDeployable.push({ kind: 'alarm', name: alarm.alarmName, ...problem });
      continue;
    }
    const source = written.get(alarm.alarmName);
    alarms.push({ params: alarmParams(alarm, source), actions: alarmActions(alarm.alarmName, source, topics), filterNames });
  }
  for (const detection of rules.detections) notDeployable.push({ kind: 'detection', name: detection.name, ...detectionReason(detection.type) });
  return { file: rules.file, filters, alarms, createTopic: options.topicArn ? undefined : options.topicName, notDeployable, warnings };
}

/** The log group a planned filter goes on: --log-group, else the filter's own logGroupName. */
export function filterLogGroup(filter: PlannedFilter, logGroup: string | undefined): string | undefined {
  return logGroup ?? filter.logGroupName;
}

// SNS topic names: 1 to 256 letters, digits, hyphens and underscores (.fifo ends a FIFO topic's name).
function checkTopicOptions(options: PlanOptions): void {
  if (options.topicArn && options.topicName) throw new UsageError('give --topic-arn or --topic-name, not both');
  if (options.topicName !== undefined && !/^[A-Za-z0-9_-]{1,256}(\.fifo)?$/.test(options.topicName)) {
    throw new UsageError(`--topic-name "${options.topicName}" is not an SNS topic name`, { hint: 'up to 256 letters, digits, - and _' });
  }
  if (options.topicArn !== undefined && !/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/.test(options.topicArn)) {
    throw new UsageError(`--topic-arn "${options.topicArn}" is not an SNS topic ARN`, { hint: 'write arn:aws:sns:REGION:ACCOUNT:TOPIC, as `aws sns list-topics` prints it' });
  }
}

function filterParams(filter: MetricFilterInput): MetricFilterParams {
  return {
    filterName: filter.filterName,
    filterPattern: filter.filterPattern,
    metricTransformations: filter.metricTransformations.map((t) => ({
      metricName: t.metricName,
      metricNamespace: t.metricNamespace,
      metricValue: t.metricValue,
      ...(t.defaultValue !== undefined ? { defaultValue: t.defaultValue } : {}),
      ...(t.dimensions && Object.keys(t.dimensions).length > 0 ? { dimensions: { ...t.dimensions } } : {}),
      ...(t.unit ? { unit: t.unit } : {}),
    })),
  };
}

// CloudWatch publishes a field only when a space-delimited pattern extracts it: by the name the pattern gives
// it, or by position ($N). flowlens also lets `$bytes` name a flow field under any pattern; CloudWatch cannot.
function filterProblem(filter: MetricFilterInput): Omit<NotDeployable, 'kind' | 'name'> | undefined {
  const delimited = filter.filterPattern.trim() !== '' && parseFilterPattern(filter.filterPattern).kind === 'delimited';
  const bound = patternFieldBindings(filter.filterPattern);
  for (const t of filter.metricTransformations) {
    const sources: [string, string][] = [['metricValue', t.metricValue], ...Object.entries(t.dimensions ?? {}).map(([name, value]): [string, string] => [`dimension ${name}`, value])];
    for (const [what, text] of sources) {
      const value = text.trim();
      if (!value.startsWith('$')) continue;
      if (/^\$\d+$/.test(value) ? delimited : bound.has(value.slice(1))) continue;
      return {
        reason: `${what} ${value} is a flow field the filter pattern does not extract; CloudWatch publishes only fields a space-delimited pattern names`,
        hint: `write the pattern space-delimited and name the field, e.g. '[version, account, eni, source, destination, srcport, destport, protocol, packets, bytes, start, end, action, status]' with ${value === '$bytes' || value === '$packets' ? value : '$source'}`,
      };
    }
  }
  return undefined;
}

const ADDRESS_COLUMNS = new Set(['srcaddr', 'dstaddr', 'pkt_srcaddr', 'pkt_dstaddr']);

// CloudWatch bills each dimension value as a custom metric and disables a metric filter that makes 1000
// distinct name/value pairs (PutMetricFilter, MetricTransformation.dimensions): addresses get there fast.
function addressDimensionWarnings(filter: MetricFilterInput, rules: Rules): string[] {
  const metric = rules.metrics.find((m) => m.filterName === filter.filterName);
  return Object.entries(metric?.dimensions ?? {})
    .filter(([, column]) => ADDRESS_COLUMNS.has(column))
    .map(([name, column]) => `metric filter "${filter.filterName}": dimension ${name} takes ${column} values; CloudWatch bills each value as a custom metric and disables the filter at 1000 distinct values`);
}

function alarmProblem(alarm: AlarmRule, filterNames: string[], skipped: ReadonlySet<string>): Omit<NotDeployable, 'kind' | 'name'> | undefined {
  const wildcard = alarm.dimensions.find((d) => d.value === '*');
  if (wildcard) {
    return {
      reason: `dimension ${wildcard.name} has the value '*' (one alarm per value), a flowlens extension: a CloudWatch alarm watches one metric`,
      hint: `deploy one alarm per ${wildcard.name} value with a fixed value, or graph the metric with a Metrics Insights GROUP BY ${wildcard.name}`,
    };
  }
  const missing = filterNames.filter((name) => skipped.has(name));
  if (missing.length > 0) return { reason: `its metric comes from metric filter ${missing.join(', ')}, which is not deployable`, hint: 'fix that metric filter first (see its entry)' };
  return undefined;
}

function alarmParams(alarm: AlarmRule, source: AlarmInput | undefined): AlarmParams {
  const percentile = alarm.percentile !== undefined;
  return {
    AlarmName: alarm.alarmName,
    ...(alarm.description !== undefined ? { AlarmDescription: alarm.description } : {}),
    ...(source?.actionsEnabled !== undefined ? { ActionsEnabled: source.actionsEnabled } : {}),
    MetricName: alarm.metricName,
    Namespace: alarm.namespace,
    ...(percentile ? { ExtendedStatistic: alarm.statistic } : { Statistic: alarm.statistic }),
    ...(alarm.dimensions.length > 0 ? { Dimensions: alarm.dimensions.map((d) => ({ Name: d.name, Value: d.value })) } : {}),
    Period: alarm.period,
    ...(source?.unit ? { Unit: source.unit } : {}),
    EvaluationPeriods: alarm.evaluationPeriods,
    DatapointsToAlarm: alarm.datapointsToAlarm,
    Threshold: alarm.threshold,
    ComparisonOperator: alarm.comparisonOperator,
    TreatMissingData: alarm.treatMissingData,
    ...(percentile && alarm.evaluateLowSampleCountPercentile ? { EvaluateLowSampleCountPercentile: alarm.evaluateLowSampleCountPercentile } : {}),
  };
}

interface TopicTarget {
  ref: ActionRef;
  states: AlarmState[];
  alarms?: string[] | undefined;
}

// --topic-arn / --topic-name notify on ALARM and OK; without them, each SNS notifier of the rules file keeps
// its own `states` and `alarms` filters, as `alerts run --notify` applies them.
function alarmTopics(notify: readonly NotifierConfig[], options: PlanOptions): TopicTarget[] {
  if (options.topicArn) return [{ ref: { arn: options.topicArn }, states: ['ALARM', 'OK'] }];
  if (options.topicName) return [{ ref: { topic: options.topicName }, states: ['ALARM', 'OK'] }];
  return notify.flatMap((n): TopicTarget[] =>
    n.type === 'sns' && (!n.events || n.events.includes('alarm'))
      ? [{ ref: { arn: n.topicArn }, states: n.states ?? ['ALARM', 'OK', 'INSUFFICIENT_DATA'], alarms: n.alarms }]
      : [],
  );
}

function alarmActions(alarmName: string, source: AlarmInput | undefined, topics: readonly TopicTarget[]): AlarmActionLists {
  const lists: AlarmActionLists = {
    AlarmActions: (source?.alarmActions ?? []).map((arn) => ({ arn })),
    OKActions: (source?.okActions ?? []).map((arn) => ({ arn })),
    InsufficientDataActions: (source?.insufficientDataActions ?? []).map((arn) => ({ arn })),
  };
  for (const topic of topics) {
    if (topic.alarms && !topic.alarms.includes(alarmName)) continue;
    for (const state of topic.states) {
      const list = lists[ACTION_LIST[state]];
      if (!list.some((ref) => sameRef(ref, topic.ref))) list.push(topic.ref);
    }
  }
  return lists;
}

function sameRef(a: ActionRef, b: ActionRef): boolean {
  return 'arn' in a && 'arn' in b ? a.arn === b.arn : 'topic' in a && 'topic' in b && a.topic === b.topic;
}

// Why each detection stays local: a metric filter looks at one log event at a time, and an alarm watches one
// metric series, while these rules count per address (or distinct ports and hosts) over a window.
const DETECTION_REASONS: Record<string, string> = {
  SSHBruteForce: 'counts short or rejected SSH attempts per source and target address over a window: that needs one series per address pair, and a CloudWatch alarm watches one series',
  RDPBruteForce: 'counts short or rejected RDP attempts per source and target address over a window: that needs one series per address pair, and a CloudWatch alarm watches one series',
  PortProbeUnprotectedPort: 'counts distinct probing sources per open port and instance; metric filters publish values, not distinct counts',
  Portscan: 'counts distinct destination ports per source address; metric filters publish values, not distinct counts',
  PortSweep: 'counts distinct destination hosts per source address and port; metric filters publish values, not distinct counts',
  NetworkPortUnusual: 'reports each new (instance, port) pair outside an allowed list; a metric filter has no memory of the pairs already seen',
  TrafficVolumeUnusual: 'sums bytes per address over a window and reports each address above the limit: one series per address, and a CloudWatch alarm watches one series',
};

function detectionReason(type: string): Omit<NotDeployable, 'kind' | 'name'> {
  if (type === 'Anomaly') {
    return {
      reason: 'anomaly rules compare each period with a rolling robust baseline; CloudWatch anomaly detection is a different (seasonal) model, so the alarm would not behave the same',
      hint: 'keep it in `flowlens watch`, or create a CloudWatch anomaly detection alarm (ANOMALY_DETECTION_BAND) on the metric by hand',
    };
  }
  return {
    reason: DETECTION_REASONS[type] ?? `${type} is a flowlens detection over windows of flow records, with no metric-filter equivalent`,
    hint: 'keep it in `flowlens watch`, or enable Amazon GuardDuty, which reads VPC flow logs itself',
  };
}
