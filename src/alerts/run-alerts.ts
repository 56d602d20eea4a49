import type { Store } from '../store/index.js';
import { FLOWS_TABLE } from '../store/index.js';
import { insideOf } from './address-sql.js';
import type { Inside } from './address-sql.js';
import { runAnomaly } from './anomaly.js';
import { mergeFindings, runDetection } from './detections.js';
import type { Rules } from './rules.js';
import { evaluateAlarm } from './run-alarms.js';
import { applySuppressions } from './suppress.js';
import type { AlarmSeriesState } from './run-alarms.js';
import type { AlarmEvent, FindingEvent } from './types.js';

/** Options of runAlerts: the records (SQL condition), an optional time window, and records per ALARM. */
export interface RunAlertsOptions {
  where: string;
  /** Evaluate from this time (epoch seconds; default: the first record's start). */
  start?: number | undefined;
  /** Evaluate up to, not including, this time (default: through the last record's start). */
  end?: number | undefined;
  /** Flow records attached to each ALARM transition (default 3). */
  samples?: number | undefined;
  /** Merge the findings of consecutive windows (default true). */
  merge?: boolean | undefined;
  /** Addresses of our own interfaces (from `--interfaces`), inside the VPC like the rules file's `network`. */
  interfaceAddresses?: readonly string[] | undefined;
}

/** What an evaluation over history found: every alarm transition, every finding, and the final alarm states. */
export interface AlertsReport {
  /** The time range evaluated (epoch seconds, end exclusive); undefined when there are no records. */
  range?: { start: number; end: number } | undefined;
  alarms: AlarmEvent[];
  findings: FindingEvent[];
  /** Findings a suppression rule archived, each with `suppressedBy`. */
  suppressed: FindingEvent[];
  states: AlarmSeriesState[];
}

/**
 * Evaluates every alarm and detection of a rules file over the records in the store, as if the alarms had
 * existed from the first record on: alarms period by period (CloudWatch semantics), detections per window.
 * Deterministic: the same records and rules give the same report.
 */
export async function runAlerts(store: Store, rules: Rules, options: RunAlertsOptions): Promise<AlertsReport> {
  const bounds = await store.query(`SELECT min("start") AS first, max("start") AS last FROM ${FLOWS_TABLE} WHERE (${options.where})`);
  const first = bounds.rows[0]?.first;
  const last = bounds.rows[0]?.last;
  if (first === null || first === undefined || last === null || last === undefined) return { alarms: [], findings: [], suppressed: [], states: [] };
  const start = options.start ?? Number(first);
  const end = options.end ?? Number(last) + 1;
  const alarms: AlarmEvent[] = [];
  const states: AlarmSeriesState[] = [];
  for (const alarm of rules.alarms) {
    const result = await evaluateAlarm(store, alarm, rules.metrics, { where: options.where, from: start, to: end - 1, samples: options.samples ?? 3 });
    alarms.push(...result.events);
    states.push(...result.states);
  }
  const inside: Inside = insideOf(rules.network, options.interfaceAddresses);
  const findings: FindingEvent[] = [];
  for (const rule of rules.detections) {
    findings.push(
      ...(rule.type === 'Anomaly'
        ? await runAnomaly(store, rule, rules.metrics, { where: options.where, from: start, before: end, inside })
        : await runDetection(store, rule, { where: options.where, inside })),
    );
  }
  alarms.sort((a, b) => a.timestamp - b.timestamp);
  findings.sort((a, b) => a.windowStart - b.windowStart || b.severity - a.severity);
  const split = applySuppressions(options.merge === false ? findings : mergeFindings(findings, rules.detections), rules.suppressions);
  return { range: { start, end }, alarms, ...split, states };
}
