import { z } from 'zod';
import { cidrRange } from '../records/index.js';
import { parseByteSize, parseDuration } from './units.js';

// Keys are the parameter names of CloudWatch Logs PutMetricFilter / MetricTransformation and CloudWatch
// PutMetricAlarm, in camelCase (PascalCase from CLI JSON and CloudFormation is accepted: see normalizeRulesDocument).

/** CloudWatch StandardUnit values. */
export const STANDARD_UNITS = [
  'Seconds', 'Microseconds', 'Milliseconds', 'Bytes', 'Kilobytes', 'Megabytes', 'Gigabytes', 'Terabytes', 'Bits', 'Kilobits',
  'Megabits', 'Gigabits', 'Terabits', 'Percent', 'Count', 'Bytes/Second', 'Kilobytes/Second', 'Megabytes/Second',
  'Gigabytes/Second', 'Terabytes/Second', 'Bits/Second', 'Kilobits/Second', 'Megabits/Second', 'Gigabits/Second',
  'Terabits/Second', 'Count/Second', 'None',
] as const;

const duration = z.union([z.number(), z.string()]).transform((value, ctx) => {
  const seconds = parseDuration(value);
  if (seconds === undefined || seconds <= 0) {
    ctx.addIssue({ code: 'custom', message: `"${value}" is not a duration`, params: { hint: 'write seconds (300) or a number with s, m, h or d (5m, 1h)' } });
    return z.NEVER;
  }
  return seconds;
});

const byteSize = z.union([z.number(), z.string()]).transform((value, ctx) => {
  const bytes = parseByteSize(value);
  if (bytes === undefined) {
    ctx.addIssue({ code: 'custom', message: `"${value}" is not a byte size`, params: { hint: 'write bytes (1000000) or a number with KB, MB, GB, KiB, MiB or GiB' } });
    return z.NEVER;
  }
  return bytes;
});

const port = z.number().int().min(0).max(65535);
const name = z.string().min(1).max(255);

const metricTransformation = z.strictObject({
  metricName: name,
  metricNamespace: name,
  metricValue: z.union([z.string().min(1).max(100), z.number()]).transform(String),
  defaultValue: z.number().optional(),
  dimensions: z
    .union([
      z.record(z.string().min(1), z.string().min(1)),
      z.array(z.strictObject({ key: z.string().min(1), value: z.string().min(1) })).transform((list) => Object.fromEntries(list.map((d) => [d.key, d.value]))),
    ])
    .optional(),
  unit: z.enum(STANDARD_UNITS).optional(),
});

const metricFilter = z.strictObject({
  filterName: z.string().min(1).max(512),
  filterPattern: z.string().max(1024).default(''),
  logGroupName: z.string().optional(),
  metricTransformations: z.array(metricTransformation).min(1).max(1),
});

const alarmDimension = z.strictObject({ name: z.string().min(1).max(255), value: z.string().min(1).max(1024) });

const alarm = z.strictObject({
  alarmName: z.string().min(1).max(255),
  alarmDescription: z.string().max(1024).optional(),
  actionsEnabled: z.boolean().optional(),
  alarmActions: z.array(z.string()).optional(),
  okActions: z.array(z.string()).optional(),
  insufficientDataActions: z.array(z.string()).optional(),
  metricName: name,
  namespace: name,
  statistic: z.string().optional(),
  extendedStatistic: z.string().optional(),
  dimensions: z.array(alarmDimension).max(30).default([]),
  period: z.number().int().positive(),
  unit: z.enum(STANDARD_UNITS).optional(),
  evaluationPeriods: z.number().int().min(1),
  datapointsToAlarm: z.number().int().min(1).optional(),
  threshold: z.number(),
  comparisonOperator: z.enum(['GreaterThanOrEqualToThreshold', 'GreaterThanThreshold', 'LessThanThreshold', 'LessThanOrEqualToThreshold']),
  treatMissingData: z.enum(['missing', 'notBreaching', 'breaching', 'ignore']).default('missing'),
  evaluateLowSampleCountPercentile: z.enum(['evaluate', 'ignore']).optional(),
  tags: z.array(z.unknown()).optional(),
});

const detectionBase = {
  name: z.string().min(1).optional(),
  window: duration.default(3600),
  severity: z.number().min(0).max(10).optional(),
};

// An attempt is a rejected flow or a short accepted one: a login attempt is a handshake and a few packets,
// a working session (an admin at work) many more.
// Seen from the target: many sources, each with a few attempts on one service.
const distributed = {
  minSources: z.number().int().min(2).default(10),
  minAttemptsPerSource: z.number().int().min(1).default(2),
  // A source with more attempts is a brute force of its own (SSHBruteForce's minAttempts is 20).
  maxAttemptsPerSource: z.number().int().min(1).default(19),
  maxPacketsPerAttempt: z.number().int().min(1).default(40),
  topSources: z.number().int().min(1).default(10),
};

const bruteForce = {
  minAttempts: z.number().int().min(1).default(20),
  maxPacketsPerAttempt: z.number().int().min(1).default(40),
};

// Recon by internal actors (private ranges, the VPC's CIDRs, named addresses) is left out unless asked for,
// then at its own, higher threshold.
const internalActors = { internalActors: z.boolean().default(false) };

// A second, longer window for attacks spread over hours, evaluated twice (aligned, and shifted by half a window).
const slow = { slowWindow: z.union([duration, z.literal(false)]).default(12 * 3600) };

// Behaviour detections learn each address's normal traffic from the days before.
const baseline = {
  history: duration.default(14 * 86400),
  learningDays: z.number().int().min(0).default(2),
};

const detection = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('SSHBruteForce'), ...detectionBase, ports: z.array(port).min(1).default([22]), ...bruteForce, ...slow, slowMinAttempts: z.number().int().min(1).default(40) }),
  z.strictObject({ type: z.literal('RDPBruteForce'), ...detectionBase, ports: z.array(port).min(1).default([3389]), ...bruteForce, ...slow, slowMinAttempts: z.number().int().min(1).default(40) }),
  z.strictObject({ type: z.literal('SSHBruteForceDistributed'), ...detectionBase, window: duration.default(12 * 3600), ports: z.array(port).min(1).default([22]), ...distributed }),
  z.strictObject({ type: z.literal('RDPBruteForceDistributed'), ...detectionBase, window: duration.default(12 * 3600), ports: z.array(port).min(1).default([3389]), ...distributed }),
  z.strictObject({
    type: z.literal('PortProbeUnprotectedPort'),
    ...detectionBase,
    minProbes: z.number().int().min(1).default(10),
    ports: z.array(port).optional(),
    ...internalActors,
    internalMinProbes: z.number().int().min(1).default(50),
  }),
  z.strictObject({
    type: z.literal('Portscan'),
    ...detectionBase,
    minPorts: z.number().int().min(2).default(25),
    ...slow,
    slowMinPorts: z.number().int().min(2).default(50),
    ...internalActors,
    internalMinPorts: z.number().int().min(2).default(100),
  }),
  z.strictObject({
    type: z.literal('PortscanDistributed'),
    ...detectionBase,
    minSources: z.number().int().min(2).default(3),
    minPortsPerSource: z.number().int().min(1).default(5),
    minPorts: z.number().int().min(2).default(50),
    topSources: z.number().int().min(1).default(10),
  }),
  z.strictObject({
    type: z.literal('PortSweep'),
    ...detectionBase,
    minHosts: z.number().int().min(2).default(25),
    ports: z.array(port).optional(),
    ...slow,
    slowMinHosts: z.number().int().min(2).default(25),
    ...internalActors,
    internalMinHosts: z.number().int().min(2).default(50),
  }),
  z.strictObject({
    type: z.literal('NetworkPortUnusual'),
    ...detectionBase,
    allowedPorts: z.array(port).optional(),
    extraAllowedPorts: z.array(port).default([]),
    minFlows: z.number().int().min(1).default(1),
    ...baseline,
  }),
  z.strictObject({
    type: z.literal('TrafficVolumeUnusual'),
    ...detectionBase,
    minBytes: byteSize.default(100 * 1000 ** 2),
    learningMinBytes: byteSize.default(1024 ** 3),
    factor: z.number().min(1).default(3),
    ...baseline,
  }),
  z.strictObject({
    type: z.literal('Anomaly'),
    name: z.string().min(1).optional(),
    severity: z.number().min(0).max(10).optional(),
    metric: z.union([
      z.enum(['rejectedFlows', 'bytesOut', 'newPeers', 'flows', 'bytes']),
      z.strictObject({ metricName: name, namespace: name, statistic: z.enum(['Sum', 'SampleCount', 'Average', 'Minimum', 'Maximum']).default('Sum') }),
    ]),
    by: z.string().min(1).optional(),
    period: duration.default(300),
    baselinePeriods: z.number().int().min(3).default(24),
    minBaselinePeriods: z.number().int().min(2).default(6),
    method: z.enum(['robust-z', 'band']).default('robust-z'),
    threshold: z.number().positive().default(3.5),
    minValue: z.number().min(0).default(1),
  }),
]);

const notifierBase = {
  name: z.string().min(1).optional(),
  events: z.array(z.enum(['alarm', 'finding'])).min(1).optional(),
  states: z.array(z.enum(['OK', 'ALARM', 'INSUFFICIENT_DATA'])).min(1).optional(),
  alarms: z.array(z.string()).optional(),
  minSeverity: z.number().min(0).max(10).optional(),
};

// An SNS topic ARN: arn:PARTITION:sns:REGION:ACCOUNT:NAME, NAME up to 256 letters, digits, - and _ (.fifo for FIFO topics).
const SNS_TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/;

/** SNS rejects a Subject of 100 characters or more, or with line breaks or control characters (Publish API). */
export const MAX_SNS_SUBJECT = 99;

const topicArn = z.string().superRefine((value, ctx) => {
  if (!SNS_TOPIC_ARN.test(value)) {
    ctx.addIssue({ code: 'custom', message: `"${value}" is not an SNS topic ARN`, params: { hint: 'write arn:aws:sns:REGION:ACCOUNT:TOPIC (ending .fifo for a FIFO topic), as `aws sns list-topics` prints it' } });
  }
});

const snsSubject = z.string().superRefine((value, ctx) => {
  // eslint-disable-next-line no-control-regex
  if (value.trim() === '' || [...value].length > MAX_SNS_SUBJECT || /[\u0000-\u001f\u007f]/.test(value)) {
    ctx.addIssue({ code: 'custom', message: `subject ${JSON.stringify(value)} is not a valid SNS subject`, params: { hint: `one line of 1 to ${MAX_SNS_SUBJECT} characters; leave it out for a subject per event` } });
  }
});

const notifier = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('stdout'), ...notifierBase, format: z.enum(['text', 'json']).default('text') }),
  z.strictObject({ type: z.literal('stderr'), ...notifierBase, format: z.enum(['text', 'json']).default('text') }),
  z.strictObject({ type: z.literal('file'), ...notifierBase, path: z.string().min(1) }),
  z.strictObject({
    type: z.literal('command'),
    ...notifierBase,
    command: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
    timeout: duration.default(30),
  }),
  z.strictObject({
    type: z.literal('webhook'),
    ...notifierBase,
    url: z.url({ protocol: /^https?$/ }),
    headers: z.record(z.string(), z.string()).default({}),
    retries: z.number().int().min(0).max(10).default(3),
    retryDelay: duration.default(1),
    timeout: duration.default(10),
  }),
  z.strictObject({
    type: z.literal('sns'),
    ...notifierBase,
    topicArn,
    region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, { message: 'not an AWS region name (e.g. us-east-1)' }).optional(),
    subject: snsSubject.optional(),
    endpointUrl: z.url({ protocol: /^https?$/ }).optional(),
    retries: z.number().int().min(0).max(10).default(3),
    retryDelay: duration.default(1),
    timeout: duration.default(10),
  }),
]);

const cidr = z.string().superRefine((value, ctx) => {
  try {
    cidrRange(value);
  } catch {
    ctx.addIssue({ code: 'custom', message: `"${value}" is not an address or CIDR`, params: { hint: 'write 10.0.0.0/16, 2600:1f18::/56 or one address' } });
  }
});

// Who is inside: private ranges always; the VPC's own CIDRs (public ones too) and named addresses.
const network = z.strictObject({
  internalCidrs: z.array(cidr).default([]),
  names: z.record(z.string(), z.string().min(1)).default({}),
});

// GuardDuty suppression rules: findings matching every given criterion are archived (kept, shown as suppressed).
const suppression = z.strictObject({
  name: z.string().min(1),
  reason: z.string().optional(),
  type: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
  detection: z.string().min(1).optional(),
  actor: z.array(cidr).min(1).optional(),
  target: z.array(cidr).min(1).optional(),
  ports: z.array(port).min(1).optional(),
});

/** The schema of a rules file after key normalization. */
export const rulesSchema = z.strictObject({
  metricFilters: z.array(metricFilter).default([]),
  alarms: z.array(alarm).default([]),
  detections: z.array(detection).default([]),
  notify: z.array(notifier).default([]),
  network: network.default({ internalCidrs: [], names: {} }),
  suppressions: z.array(suppression).default([]),
});

/** A rules file as validated, before cross-checks and defaults that depend on other entries. */
export type RulesInput = z.output<typeof rulesSchema>;
/** One metric filter of the rules file. */
export type MetricFilterInput = z.output<typeof metricFilter>;
/** One metric transformation of a metric filter. */
export type MetricTransformationInput = z.output<typeof metricTransformation>;
/** One alarm of the rules file, as written. */
export type AlarmInput = z.output<typeof alarm>;
/** One detection rule. */
export type DetectionConfig = z.output<typeof detection>;
/** One notifier. */
export type NotifierConfig = z.output<typeof notifier>;
/** The rules file's `network` section: who is inside. */
export type NetworkConfig = z.output<typeof network>;
/** One suppression rule. */
export type SuppressionConfig = z.output<typeof suppression>;

/** Every key the schema knows, for "did you mean" hints. */
export const KNOWN_KEYS: readonly string[] = [
  ...collectKeys(rulesSchema.shape),
  ...collectKeys(metricFilter.shape),
  ...collectKeys(metricTransformation.shape),
  ...collectKeys(alarm.shape),
  'name', 'value', 'key',
  ...detection.options.flatMap((o) => collectKeys(o.shape)),
  ...notifier.options.flatMap((o) => collectKeys(o.shape)),
  ...collectKeys(network.shape),
  ...collectKeys(suppression.shape),
].filter((key, index, all) => all.indexOf(key) === index);

/** Finding-type names a detection's `type` may be written as, mapped to the schema's short names. */
export const DETECTION_TYPE_ALIASES: Record<string, string> = {
  'UnauthorizedAccess:EC2/SSHBruteForce': 'SSHBruteForce',
  'UnauthorizedAccess:EC2/RDPBruteForce': 'RDPBruteForce',
  'UnauthorizedAccess:EC2/SSHBruteForce.Distributed': 'SSHBruteForceDistributed',
  'UnauthorizedAccess:EC2/RDPBruteForce.Distributed': 'RDPBruteForceDistributed',
  'Recon:EC2/Portscan.Distributed': 'PortscanDistributed',
  'Recon:EC2/PortProbeUnprotectedPort': 'PortProbeUnprotectedPort',
  'Recon:EC2/Portscan': 'Portscan',
  'Recon:EC2/PortSweep': 'PortSweep',
  'Behavior:EC2/NetworkPortUnusual': 'NetworkPortUnusual',
  'Behavior:EC2/TrafficVolumeUnusual': 'TrafficVolumeUnusual',
};

function collectKeys(shape: Record<string, unknown>): string[] {
  return Object.keys(shape);
}
