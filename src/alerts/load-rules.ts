import { readFile } from 'node:fs/promises';
import { LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { FlowlensError, REDACTED, findField, redactUrl } from '../records/index.js';
import { patternCondition } from './metric-sql.js';
import { resolveValueSource } from './pattern-fields.js';
import { DETECTION_TYPE_ALIASES, KNOWN_KEYS, rulesSchema } from './rules-schema.js';
import type { AlarmInput, RulesInput } from './rules-schema.js';
import type { AlarmRule, DetectionRule, MetricDefinition, Rules } from './rules.js';

/** One problem in a rules file: where (path like `alarms[0].period`, and line), what, and what to do. */
export interface RuleIssue {
  path: string;
  line?: number | undefined;
  message: string;
  hint?: string | undefined;
}

/** A rules file that cannot be used; `issues` lists every problem found. */
export class RulesError extends FlowlensError {
  override name = 'RulesError';
  readonly issues: RuleIssue[];

  constructor(file: string, issues: RuleIssue[]) {
    issues.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
    const lines = issues.map((issue) => `  ${file}${issue.line ? `:${issue.line}` : ''}: ${issue.path || '(top level)'}: ${issue.message}${issue.hint ? ` (${issue.hint})` : ''}`);
    super('rules-invalid', `${issues.length === 1 ? 'a problem' : `${issues.length} problems`} in rules file ${file}:\n${lines.join('\n')}`, {
      hint: 'see docs/alerts.md for the rules file reference; check a file with `flowlens alerts check --rules FILE`',
    });
    this.issues = issues;
  }
}

/** Reads and validates a rules file (YAML or JSON). */
export async function loadRulesFile(path: string): Promise<Rules> {
  return parseRules(await readRulesText(path), path);
}

/** Reads a rules file's text; a missing or unreadable file is FlowlensError 'rules-not-found' with a hint. */
export async function readRulesText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new FlowlensError('rules-not-found', `cannot read rules file ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, {
      hint: 'pass --rules with the path of a YAML rules file (see examples/rules.yaml)',
      cause: error,
    });
  }
}

/** Parses and validates rules text; throws RulesError listing every problem with its path, line and a hint. */
export function parseRules(text: string, file = '<rules>'): Rules {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length > 0) {
    throw new RulesError(
      file,
      doc.errors.map((error) => ({ path: '', line: lineCounter.linePos(error.pos[0]).line, message: `YAML syntax: ${error.message.split('\n')[0]}`, hint: 'check indentation and quoting' })),
    );
  }
  const lineOf = (path: readonly PropertyKey[], key?: string): number | undefined => {
    // A missing key has no node: the line of the object that lacks it is the next best.
    const node = doc.getIn(path as unknown[], true) as { range?: [number, number]; items?: { key?: { value?: unknown; range?: [number, number] } }[] } | undefined;
    const keyRange = key === undefined ? undefined : node?.items?.find((item) => item.key?.value === key)?.key?.range;
    const offset = keyRange?.[0] ?? node?.range?.[0];
    if (offset === undefined) return path.length > 0 ? lineOf(path.slice(0, -1)) : undefined;
    return lineCounter.linePos(offset).line;
  };
  const raw = normalizeRulesDocument(doc.toJS() ?? {});
  const parsed = rulesSchema.safeParse(raw);
  if (!parsed.success) throw new RulesError(file, parsed.error.issues.flatMap((issue) => describeIssue(issue, raw, lineOf)));
  const issues: RuleIssue[] = [];
  const rules = buildRules(parsed.data, file, issues);
  if (issues.length > 0) {
    for (const issue of issues) issue.line ??= lineOf(pathFromText(issue.path));
    throw new RulesError(file, issues);
  }
  return rules;
}

/**
 * Accepts the PascalCase keys of CLI JSON and CloudFormation (`AlarmName`, `MetricTransformations`,
 * `Dimensions: [{Key, Value}]`) by lower-casing the first letter of the AWS sections' structural keys;
 * user-chosen dimension names are left alone. Detection types may be full finding names.
 */
export function normalizeRulesDocument(input: unknown): unknown {
  if (!isRecord(input)) return input;
  const root = lowerKeys(input);
  if (Array.isArray(root.metricFilters)) {
    root.metricFilters = root.metricFilters.map((filter) => {
      if (!isRecord(filter)) return filter;
      const out = lowerKeys(filter);
      if (Array.isArray(out.metricTransformations)) {
        out.metricTransformations = out.metricTransformations.map((t) => {
          if (!isRecord(t)) return t;
          const tt = lowerKeys(t);
          if (Array.isArray(tt.dimensions)) tt.dimensions = tt.dimensions.map((d) => (isRecord(d) ? lowerKeys(d) : d));
          return tt;
        });
      }
      return out;
    });
  }
  if (Array.isArray(root.alarms)) {
    root.alarms = root.alarms.map((alarm) => {
      if (!isRecord(alarm)) return alarm;
      const out = lowerKeys(alarm);
      if (out.oKActions !== undefined) {
        out.okActions = out.oKActions;
        delete out.oKActions;
      }
      if (Array.isArray(out.dimensions)) out.dimensions = out.dimensions.map((d) => (isRecord(d) ? lowerKeys(d) : d));
      return out;
    });
  }
  if (Array.isArray(root.detections)) {
    root.detections = root.detections.map((d) =>
      isRecord(d) && typeof d.type === 'string' && DETECTION_TYPE_ALIASES[d.type] ? { ...d, type: DETECTION_TYPE_ALIASES[d.type] } : d,
    );
  }
  return root;
}

function buildRules(input: RulesInput, file: string, issues: RuleIssue[]): Rules {
  const metrics: MetricDefinition[] = [];
  const filterNames = new Set<string>();
  input.metricFilters.forEach((filter, i) => {
    if (filterNames.has(filter.filterName)) issues.push({ path: `metricFilters[${i}].filterName`, message: `"${filter.filterName}" is used twice`, hint: 'filter names are unique' });
    filterNames.add(filter.filterName);
    const compiles = attempt(issues, `metricFilters[${i}].filterPattern`, () => patternCondition(filter.filterPattern), 'see docs/filter-patterns.md; try it with `flowlens test-pattern`');
    if (compiles === undefined) return;
    filter.metricTransformations.forEach((t, j) => {
      const at = `metricFilters[${i}].metricTransformations[${j}]`;
      const dims = Object.entries(t.dimensions ?? {});
      if (t.defaultValue !== undefined && dims.length > 0) {
        issues.push({ path: `${at}.defaultValue`, message: 'defaultValue cannot be combined with dimensions', hint: 'CloudWatch rejects this too; drop one of them' });
      }
      if (dims.length > 3) issues.push({ path: `${at}.dimensions`, message: `${dims.length} dimensions, CloudWatch allows 3` });
      const value = attempt(issues, `${at}.metricValue`, () => resolveValueSource(t.metricValue, filter.filterPattern, true), 'use 1 (count matching records) or a field such as $bytes or $packets');
      const dimensions: Record<string, string> = {};
      for (const [name, source] of dims) {
        const resolved = attempt(issues, `${at}.dimensions.${name}`, () => resolveValueSource(source, filter.filterPattern, false), 'dimension values are fields, e.g. $srcaddr');
        if (resolved?.kind === 'column') dimensions[name] = resolved.column;
      }
      if (value) {
        metrics.push({ filterName: filter.filterName, filterPattern: filter.filterPattern, metricName: t.metricName, namespace: t.metricNamespace, value, defaultValue: t.defaultValue, dimensions, unit: t.unit });
      }
    });
  });
  const alarmNames = new Set<string>();
  const alarms = input.alarms.flatMap((alarm, i) => {
    if (alarmNames.has(alarm.alarmName)) issues.push({ path: `alarms[${i}].alarmName`, message: `"${alarm.alarmName}" is used twice`, hint: 'alarm names are unique' });
    alarmNames.add(alarm.alarmName);
    const rule = buildAlarm(alarm, `alarms[${i}]`, issues);
    if (rule) checkAlarmMetric(rule, metrics, `alarms[${i}]`, issues);
    return rule ? [rule] : [];
  });
  const detectionNames = new Set<string>();
  const detections = input.detections.map((detection, i): DetectionRule => {
    const name = detection.name ?? detection.type;
    if (detectionNames.has(name)) issues.push({ path: `detections[${i}].name`, message: `"${name}" is used twice`, hint: 'give each detection of the same type its own name' });
    detectionNames.add(name);
    if (detection.type === 'Anomaly') {
      if (detection.by !== undefined && detection.by !== 'none' && !findField(detection.by)) {
        issues.push({ path: `detections[${i}].by`, message: `"${detection.by}" is not a flow-log field`, hint: 'e.g. srcaddr, dstaddr, interface-id, or none for one series' });
      }
      if (detection.by !== undefined && typeof detection.metric === 'object') {
        issues.push({ path: `detections[${i}].by`, message: 'a metric filter metric is split by its own dimensions', hint: 'remove `by`, or add dimensions to the metric filter' });
      }
      if (typeof detection.metric === 'object') {
        const { metricName, namespace } = detection.metric;
        if (!metrics.some((m) => m.metricName === metricName && m.namespace === namespace)) {
          issues.push({ path: `detections[${i}].metric`, message: `no metric filter publishes ${namespace} / ${metricName}`, hint: knownMetricsHint(metrics) });
        }
      }
    }
    return { ...detection, name };
  });
  return { file, metrics, alarms, detections, notify: input.notify, network: input.network, suppressions: input.suppressions };
}

function buildAlarm(alarm: AlarmInput, at: string, issues: RuleIssue[]): AlarmRule | undefined {
  const before = issues.length;
  const statistic = alarm.extendedStatistic ?? alarm.statistic;
  let percentile: number | undefined;
  if (alarm.statistic !== undefined && alarm.extendedStatistic !== undefined) {
    issues.push({ path: `${at}.extendedStatistic`, message: 'statistic and extendedStatistic are both set', hint: 'PutMetricAlarm takes one of them' });
  } else if (statistic === undefined) {
    issues.push({ path: `${at}.statistic`, message: 'missing', hint: 'one of Sum, SampleCount, Average, Minimum, Maximum, or extendedStatistic: p99' });
  } else if (/^p\d/.test(statistic)) {
    percentile = parsePercentile(statistic);
    if (percentile === undefined) issues.push({ path: `${at}.${alarm.extendedStatistic ? 'extendedStatistic' : 'statistic'}`, message: `"${statistic}" is not a percentile`, hint: 'write p50, p90, p99 or p99.9' });
  } else if (!['Sum', 'SampleCount', 'Average', 'Minimum', 'Maximum'].includes(statistic)) {
    issues.push({ path: `${at}.statistic`, message: `"${statistic}" is not a statistic`, hint: 'one of Sum, SampleCount, Average, Minimum, Maximum, or a percentile such as p99' });
  }
  if (alarm.period !== 10 && alarm.period !== 30 && alarm.period % 60 !== 0) {
    issues.push({ path: `${at}.period`, message: `${alarm.period} seconds is not a valid period`, hint: 'CloudWatch takes 10, 30 or a multiple of 60 seconds' });
  }
  if (alarm.period * alarm.evaluationPeriods > 86400) {
    issues.push({ path: `${at}.evaluationPeriods`, message: `period × evaluationPeriods is ${alarm.period * alarm.evaluationPeriods} seconds, over one day`, hint: 'CloudWatch limits the evaluation interval to 86400 seconds' });
  }
  const datapointsToAlarm = alarm.datapointsToAlarm ?? alarm.evaluationPeriods;
  if (datapointsToAlarm > alarm.evaluationPeriods) {
    issues.push({ path: `${at}.datapointsToAlarm`, message: `${datapointsToAlarm} is more than evaluationPeriods (${alarm.evaluationPeriods})`, hint: 'M of N needs M ≤ N' });
  }
  if (issues.length > before || statistic === undefined) return undefined;
  return {
    alarmName: alarm.alarmName,
    description: alarm.alarmDescription,
    metricName: alarm.metricName,
    namespace: alarm.namespace,
    statistic: statistic as AlarmRule['statistic'],
    percentile,
    evaluateLowSampleCountPercentile: alarm.evaluateLowSampleCountPercentile,
    dimensions: alarm.dimensions,
    period: alarm.period,
    evaluationPeriods: alarm.evaluationPeriods,
    datapointsToAlarm,
    threshold: alarm.threshold,
    comparisonOperator: alarm.comparisonOperator,
    treatMissingData: alarm.treatMissingData,
  };
}

// CloudWatch keeps one metric per combination of dimensions: an alarm must name all of them
// (AlarmThatSendsEmail: "you must include all of the dimensions for the custom metric").
function checkAlarmMetric(alarm: AlarmRule, metrics: MetricDefinition[], at: string, issues: RuleIssue[]): void {
  const candidates = metrics.filter((m) => m.metricName === alarm.metricName && m.namespace === alarm.namespace);
  if (candidates.length === 0) {
    issues.push({ path: `${at}.metricName`, message: `no metric filter publishes ${alarm.namespace} / ${alarm.metricName}`, hint: knownMetricsHint(metrics) });
    return;
  }
  const wanted = alarm.dimensions.map((d) => d.name).sort().join(',');
  if (candidates.some((m) => Object.keys(m.dimensions).sort().join(',') === wanted)) return;
  const published = [...new Set(candidates.map((m) => Object.keys(m.dimensions).sort().join(',')))];
  const example = published.find((p) => p.length > 0);
  issues.push({
    path: `${at}.dimensions`,
    message: wanted ? `the metric has no dimensions [${wanted}]` : 'the metric is published only with dimensions, and CloudWatch keeps a separate metric per dimension value',
    hint: example
      ? `name every dimension: ${example.split(',').map((d) => `{name: ${d}, value: '*'}`).join(', ')} (value '*' evaluates one alarm per value)`
      : 'the metric has no dimensions; remove them from the alarm',
  });
}

function describeIssue(issue: z.core.$ZodIssue, raw: unknown, lineOf: (path: readonly PropertyKey[], key?: string) => number | undefined): RuleIssue[] {
  const path = issue.path;
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({ path: formatPath([...path, key]), line: lineOf(path, key), message: 'unknown key', hint: suggestKey(key) }));
  }
  const at = { path: formatPath(path), line: lineOf(path) };
  const value = shownValue(path, valueAt(raw, path));
  switch (issue.code) {
    case 'invalid_value':
      return [{ ...at, message: `${JSON.stringify(value)} is not allowed`, hint: `one of ${issue.values.map(String).join(', ')}` }];
    case 'invalid_union':
      if ('discriminator' in issue && issue.discriminator) {
        const options = (issue as { options?: unknown[] }).options ?? [];
        return [{ ...at, message: value === undefined ? 'missing' : `${JSON.stringify(value)} is not a known type`, hint: `one of ${options.map(String).join(', ')}` }];
      }
      return [{ ...at, message: `${JSON.stringify(value)} has the wrong form`, hint: 'see docs/alerts.md' }];
    case 'invalid_type':
      return [{ ...at, message: value === undefined ? 'missing' : `expected ${issue.expected}, got ${JSON.stringify(value)}`, hint: value === undefined ? 'this key is required' : undefined }];
    case 'custom':
      return [{ ...at, message: issue.message, hint: (issue.params as { hint?: string } | undefined)?.hint }];
    default:
      return [{ ...at, message: issue.message.replace(/^Invalid input: /, '') }];
  }
}

/** A value as an issue may show it: header values hidden, URLs without their credentials and query-string tokens. */
function shownValue(path: readonly PropertyKey[], value: unknown): unknown {
  if (value === undefined) return value;
  if (path.includes('headers')) return REDACTED;
  if (typeof value === 'string' && path.some((key) => typeof key === 'string' && /url$/i.test(key))) return redactUrl(value);
  return value;
}

function attempt<T>(issues: RuleIssue[], path: string, fn: () => T, hint: string): T | undefined {
  try {
    return fn();
  } catch (error) {
    issues.push({ path, message: (error as Error).message, hint: (error as { hint?: string }).hint ?? hint });
    return undefined;
  }
}

function parsePercentile(text: string): number | undefined {
  const match = /^p(\d{1,3}(\.\d+)?)$/.exec(text);
  const value = match ? Number(match[1]) : NaN;
  return value > 0 && value <= 100 ? value : undefined;
}

function knownMetricsHint(metrics: MetricDefinition[]): string {
  const known = [...new Set(metrics.map((m) => `${m.namespace} / ${m.metricName}`))];
  return known.length ? `metrics defined here: ${known.join('; ')}` : 'define it under metricFilters first (metricNamespace and metricName must match the alarm)';
}

function suggestKey(key: string): string {
  const lower = key.toLowerCase();
  let best: string | undefined;
  let bestDistance = 3;
  for (const known of KNOWN_KEYS) {
    const distance = known.toLowerCase() === lower ? 0 : editDistance(lower, known.toLowerCase());
    if (distance < bestDistance) {
      best = known;
      bestDistance = distance;
    }
  }
  return best ? `did you mean "${best}"?` : 'remove it; see docs/alerts.md for the keys';
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j] as number;
      row[j] = Math.min(current + 1, (row[j - 1] as number) + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length] as number;
}

function formatPath(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`)).join('');
}

function pathFromText(path: string): (string | number)[] {
  return path.split(/\.|(?=\[)/).filter(Boolean).map((part) => (part.startsWith('[') ? Number(part.slice(1, -1)) : part));
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let node = root;
  for (const key of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}

function lowerKeys(record: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) out[/^[A-Z]/.test(key) ? key[0]?.toLowerCase() + key.slice(1) : key] = value;
  return out;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
