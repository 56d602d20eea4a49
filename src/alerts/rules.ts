import type { AlarmSpec, ComparisonOperator, Statistic, TreatMissingData } from './types.js';
import type { DetectionConfig, NetworkConfig, NotifierConfig, SuppressionConfig } from './rules-schema.js';
import type { ValueSource } from './pattern-fields.js';

/** One metric a metric filter publishes: the filter's pattern and one MetricTransformation, resolved. */
export interface MetricDefinition {
  filterName: string;
  filterPattern: string;
  metricName: string;
  namespace: string;
  value: ValueSource;
  defaultValue?: number | undefined;
  /** Dimension name → the flow column its value comes from. */
  dimensions: Record<string, string>;
  unit?: string | undefined;
}

/** An alarm ready to evaluate: its metric, statistic and the AlarmSpec the evaluator reads. */
export interface AlarmRule extends AlarmSpec {
  alarmName: string;
  description?: string | undefined;
  metricName: string;
  namespace: string;
  statistic: Statistic | `p${string}`;
  /** Dimension filters; the value `*` (a flowlens extension) evaluates one series per value. */
  dimensions: { name: string; value: string }[];
  comparisonOperator: ComparisonOperator;
  treatMissingData: TreatMissingData;
}

/** A detection rule with its name settled (the type when the file gives none). */
export type DetectionRule = DetectionConfig & { name: string };

/** A validated rules file. */
export interface Rules {
  /** Where the rules came from, for messages. */
  file: string;
  metrics: MetricDefinition[];
  alarms: AlarmRule[];
  detections: DetectionRule[];
  notify: NotifierConfig[];
  /** Who is inside the VPC besides the private ranges. */
  network: NetworkConfig;
  /** Suppression rules: findings they match are archived, not notified. */
  suppressions: SuppressionConfig[];
}
