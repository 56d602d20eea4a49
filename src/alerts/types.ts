/** The three states of a CloudWatch alarm (StateValue in the CloudWatch API). */
export type AlarmState = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

/** Every alarm state, in the order CloudWatch lists them. */
export const ALARM_STATES: readonly AlarmState[] = ['OK', 'ALARM', 'INSUFFICIENT_DATA'];

/** PutMetricAlarm ComparisonOperator values for static thresholds. */
export type ComparisonOperator =
  | 'GreaterThanOrEqualToThreshold'
  | 'GreaterThanThreshold'
  | 'LessThanThreshold'
  | 'LessThanOrEqualToThreshold';

/** PutMetricAlarm TreatMissingData values. */
export type TreatMissingData = 'missing' | 'notBreaching' | 'breaching' | 'ignore';

/** PutMetricAlarm Statistic values (ExtendedStatistic percentiles are written `p90`, `p99.9`). */
export type Statistic = 'SampleCount' | 'Average' | 'Sum' | 'Minimum' | 'Maximum';

/** One metric datapoint: the statistic of one period, stamped with the period's start (epoch seconds). */
export interface Datapoint {
  timestamp: number;
  value: number;
  /** How many metric values the period aggregated (its SampleCount). */
  sampleCount: number;
}

/** What the evaluator needs of an alarm: the PutMetricAlarm parameters that decide its state. */
export interface AlarmSpec {
  period: number;
  evaluationPeriods: number;
  datapointsToAlarm: number;
  threshold: number;
  comparisonOperator: ComparisonOperator;
  treatMissingData: TreatMissingData;
  /** Percentile (0–100) when the statistic is pNN; enables the low-sample rule. */
  percentile?: number | undefined;
  /** EvaluateLowSampleCountPercentile: `ignore` keeps the state while a percentile has too few samples. */
  evaluateLowSampleCountPercentile?: 'evaluate' | 'ignore' | undefined;
}

/** A datapoint as one evaluation used it: real, or filled in for a missing period by TreatMissingData. */
export interface EvaluatedDatapoint {
  timestamp: number;
  value: number | null;
  breaching: boolean;
  filled: boolean;
}

/** The result of evaluating one window: the new state (or the current one kept) and why. */
export interface WindowOutcome {
  state: AlarmState;
  /** True when TreatMissingData `ignore` (or the low-sample rule) kept the current state. */
  retained: boolean;
  reason: string;
  datapoints: EvaluatedDatapoint[];
}

/** A change of alarm state, stamped with the start of the newest period of the evaluation that caused it. */
export interface StateTransition {
  timestamp: number;
  previousState: AlarmState;
  state: AlarmState;
  reason: string;
  datapoints: EvaluatedDatapoint[];
}

/** Severity labels GuardDuty uses: Low 1.0–3.9, Medium 4.0–6.9, High 7.0–8.9. */
export type SeverityLabel = 'Low' | 'Medium' | 'High';

/** A finding of a detection rule, shaped after GuardDuty findings. */
export interface Finding {
  /** The detection rule's name in the rules file. */
  detection: string;
  /** GuardDuty-style finding type, e.g. UnauthorizedAccess:EC2/SSHBruteForce. */
  type: string;
  severity: number;
  severityLabel: SeverityLabel;
  /** Start of the window the finding was computed over (epoch seconds). */
  windowStart: number;
  firstSeen: number;
  lastSeen: number;
  /**
   * Who acted: the remote or scanning address, with its ports when they matter. A distributed attack names
   * its busiest source here and lists the top ones in `sources`, with `count` sources in all.
   */
  actor: { address: string; ports?: number[] | undefined; name?: string | undefined; sources?: { address: string; attempts: number }[] | undefined; count?: number | undefined };
  /** What was acted on: address, ports, and the network interfaces / instances that logged it. */
  target: { address?: string | undefined; ports?: number[] | undefined };
  resource: { interfaceIds: string[]; instanceIds: string[] };
  direction: 'inbound' | 'outbound' | 'internal' | 'external';
  counts: Record<string, number>;
  description: string;
  /** Seconds the finding's window spans, when it is not the rule's `window` (a slow window). */
  windowSeconds?: number | undefined;
  /** How to look at the records behind the finding: a flowlens command and the SQL over the store. */
  evidence?: { command: string; sql: string } | undefined;
  /** True when the actor's history was shorter than the learning period: judged by a fixed threshold. */
  learning?: boolean | undefined;
  /** What a behaviour or anomaly finding was compared with. */
  baseline?: { historyDays: number; threshold: number; description: string } | undefined;
  /** The peers that contributed most to an anomaly, with their share of the value. */
  peers?: { address: string; value: number }[] | undefined;
  /** The suppression rule that archived this finding (it is reported as suppressed and not notified). */
  suppressedBy?: string | undefined;
}

/** An alarm state change as reported and notified: the transition plus the alarm and its metric. */
export interface AlarmEvent extends StateTransition {
  kind: 'alarm';
  id: string;
  alarmName: string;
  metricName: string;
  namespace: string;
  dimensions: Record<string, string>;
  /** A few flow records behind the newest breaching datapoint (ALARM transitions). */
  records?: Record<string, unknown>[] | undefined;
}

/** A finding as reported and notified. */
export interface FindingEvent extends Finding {
  kind: 'finding';
  id: string;
}

/** Anything `alerts run` prints and `watch` notifies. */
export type AlertEvent = AlarmEvent | FindingEvent;
