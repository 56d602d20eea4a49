import { DEFAULT_LOG_FORMAT } from '../parse/index.js';
import { REDACTED, redactUrl } from '../records/index.js';
import type { AlertsReport } from './run-alerts.js';
import type { Rules } from './rules.js';
import type { AlarmEvent, AlertEvent, FindingEvent } from './types.js';
import { formatDuration, isoTime } from './units.js';

/** The report of `alerts run` for people: transitions with their datapoints and records, then findings, then final states. */
export function renderAlertsReport(report: AlertsReport, rules: Rules, options: { showSuppressed?: boolean | undefined } = {}): string {
  const lines: string[] = [];
  if (!report.range) return 'no records to evaluate\n';
  lines.push(`Evaluated ${isoTime(report.range.start)} .. ${isoTime(report.range.end)}: ${rules.alarms.length} alarm${rules.alarms.length === 1 ? '' : 's'}, ${rules.detections.length} detection${rules.detections.length === 1 ? '' : 's'}`);
  if (rules.alarms.length > 0) {
    lines.push('', `Alarm state changes (${report.alarms.length})`);
    for (const event of report.alarms) lines.push(...renderAlarmEvent(event));
    lines.push('', 'Final states');
    for (const alarm of rules.alarms) {
      const series = report.states.filter((s) => s.alarmName === alarm.alarmName);
      if (!alarm.dimensions.some((d) => d.value === '*')) {
        for (const state of series) lines.push(`  ${state.alarmName}${renderDimensions(state.dimensions)}  ${state.state}`);
        continue;
      }
      const alarming = series.filter((s) => s.state === 'ALARM');
      const pattern = Object.fromEntries(alarm.dimensions.map((d) => [d.name, d.value]));
      lines.push(`  ${alarm.alarmName}${renderDimensions(pattern)}  ${alarming.length} in ALARM of ${series.length} series with recent data`);
      for (const state of alarming) lines.push(`    ${state.alarmName}${renderDimensions(state.dimensions)}  ALARM`);
    }
  }
  if (rules.detections.length > 0) {
    const suppressed = report.suppressed.length;
    const note = suppressed === 0 ? '' : options.showSuppressed ? `; ${suppressed} suppressed, listed after them` : `; ${suppressed} suppressed by the rules file, --show-suppressed lists them`;
    lines.push('', `Findings (${report.findings.length}${note})`);
    for (const finding of report.findings) lines.push(...renderFinding(finding));
    if (options.showSuppressed && suppressed > 0) {
      lines.push('', `Suppressed findings (${suppressed})`);
      for (const finding of report.suppressed) lines.push(...renderFinding(finding));
    }
  }
  return `${lines.join('\n')}\n`;
}

/** One alarm transition: time, alarm, states, then the reason and the records behind it, indented. */
export function renderAlarmEvent(event: AlarmEvent): string[] {
  const lines = [`${isoTime(event.timestamp)}  ${event.alarmName}${renderDimensions(event.dimensions)}  ${event.previousState} -> ${event.state}`, `    ${event.reason}`];
  for (const record of event.records ?? []) lines.push(`    record: ${renderRecord(record)}`);
  return lines;
}

/** One finding: window, type, severity, who and what, then the description and evidence, indented. */
export function renderFinding(finding: FindingEvent): string[] {
  const target = finding.target.address ? ` -> ${finding.target.address}${finding.target.ports?.length === 1 ? `:${finding.target.ports[0]}` : ''}` : '';
  const actor = finding.actor.address || finding.resource.interfaceIds.join(',') || '-';
  const resource = [...finding.resource.interfaceIds, ...finding.resource.instanceIds];
  const shown = resource.length > 3 ? `${resource.slice(0, 3).join(',')},+${resource.length - 3}` : resource.join(',');
  const counts = Object.entries(finding.counts).map(([k, v]) => `${k}=${v}`).join(' ');
  const lines = [
    `${isoTime(finding.windowStart)}  ${finding.type}  ${finding.severityLabel} ${finding.severity}  ${actor}${target}${shown ? `  [${shown}]` : ''}${finding.learning ? '  (learning)' : ''}${finding.suppressedBy ? `  (suppressed by ${finding.suppressedBy})` : ''}`,
    `    ${finding.description}`,
    `    ${counts}; first seen ${isoTime(finding.firstSeen)}, last seen ${isoTime(finding.lastSeen)} (${finding.direction}, rule ${finding.detection})`,
  ];
  if (finding.actor.sources) {
    const more = (finding.actor.count ?? finding.actor.sources.length) - finding.actor.sources.length;
    lines.push(`    sources (${finding.actor.count ?? finding.actor.sources.length}): ${finding.actor.sources.map((s) => `${s.address} (${s.attempts})`).join(', ')}${more > 0 ? `, +${more} more` : ''}`);
  }
  if (finding.peers?.length) lines.push(`    peers: ${finding.peers.map((p) => `${p.address} (${p.value})`).join(', ')}`);
  if (finding.evidence) lines.push(`    evidence: ${finding.evidence.command}`, `    sql: ${finding.evidence.sql}`);
  return lines;
}

/** Events of a report in time order (transitions and findings interleaved), for ndjson. */
export function reportEvents(report: AlertsReport): AlertEvent[] {
  return [...report.alarms, ...report.findings].sort((a, b) => eventTime(a) - eventTime(b));
}

/** When an event happened: the period of an alarm transition, the window of a finding (epoch seconds). */
export function eventTime(event: AlertEvent): number {
  return event.kind === 'alarm' ? event.timestamp : event.windowStart;
}

/** The event as JSON for ndjson/json output and notifiers: times as ISO 8601, the telling keys first. */
export function toJsonEvent(event: AlertEvent): Record<string, unknown> {
  if (event.kind === 'alarm') {
    const { kind, id, timestamp, alarmName, previousState, state, reason, dimensions, metricName, namespace, datapoints, records } = event;
    return {
      kind,
      id,
      timestamp: isoTime(timestamp),
      alarmName,
      previousState,
      state,
      reason,
      dimensions,
      metricName,
      namespace,
      datapoints: datapoints.map((p) => ({ ...p, timestamp: isoTime(p.timestamp) })),
      ...(records ? { records } : {}),
    };
  }
  const { kind, id, windowStart, detection, type, severity, severityLabel, actor, target, counts, firstSeen, lastSeen, resource, direction, description } = event;
  return {
    kind,
    id,
    timestamp: isoTime(windowStart),
    detection,
    type,
    severity,
    severityLabel,
    actor,
    target,
    counts,
    firstSeen: isoTime(firstSeen),
    lastSeen: isoTime(lastSeen),
    resource,
    direction,
    description,
    ...(event.learning !== undefined ? { learning: event.learning } : {}),
    ...(event.baseline ? { baseline: event.baseline } : {}),
    ...(event.peers ? { peers: event.peers } : {}),
    ...(event.evidence ? { evidence: event.evidence } : {}),
    ...(event.suppressedBy ? { suppressedBy: event.suppressedBy } : {}),
  };
}

/** A summary of a rules file for `alerts check`. */
export function renderRulesSummary(rules: Rules): string {
  const lines = [`${rules.file}: ${rules.metrics.length} metric filter transformation(s), ${rules.alarms.length} alarm(s), ${rules.detections.length} detection(s), ${rules.notify.length} notifier(s)`];
  for (const m of rules.metrics) {
    const dims = Object.entries(m.dimensions).map(([k, v]) => `${k}=$${v}`).join(',');
    const value = m.value.kind === 'literal' ? String(m.value.value) : `$${m.value.column}`;
    lines.push(
      `  metric ${m.namespace} / ${m.metricName}: value ${value}${m.defaultValue !== undefined ? ` (else ${m.defaultValue})` : ''}${dims ? ` by ${dims}` : ''} for records matching ${m.filterPattern.trim() || '(every record)'}`,
    );
  }
  for (const a of rules.alarms) {
    const dims = a.dimensions.map((d) => `${d.name}=${d.value}`).join(',');
    lines.push(
      `  alarm ${a.alarmName}: ${a.statistic} of ${a.metricName}${dims ? ` [${dims}]` : ''} per ${formatDuration(a.period)} ${a.comparisonOperator} ${a.threshold}, ${a.datapointsToAlarm} of ${a.evaluationPeriods}, missing data ${a.treatMissingData}`,
    );
  }
  for (const d of rules.detections) lines.push(`  detection ${d.name}: ${d.type}, ${formatDuration(d.type === 'Anomaly' ? d.period : d.window)} windows`);
  if (rules.network.internalCidrs.length > 0 || Object.keys(rules.network.names).length > 0) {
    lines.push(`  network: inside also ${[...rules.network.internalCidrs, ...Object.keys(rules.network.names)].join(', ')}`);
  }
  for (const sup of rules.suppressions) {
    const criteria = [sup.type && `type ${[sup.type].flat().join(',')}`, sup.detection && `detection ${sup.detection}`, sup.actor && `actor ${sup.actor.join(',')}`, sup.target && `target ${sup.target.join(',')}`, sup.ports && `ports ${sup.ports.join(',')}`].filter(Boolean);
    lines.push(`  suppression ${sup.name}: ${criteria.join(', ') || 'every finding'}`);
  }
  for (const [i, n] of rules.notify.entries()) lines.push(`  notify ${n.name ?? `${n.type}-${i + 1}`}: ${n.type}${notifierTarget(n)}`);
  return `${lines.join('\n')}\n`;
}

/** Where a notifier delivers, secrets redacted: a webhook's URL (credentials, query tokens) and header names only. */
function notifierTarget(notifier: Rules['notify'][number]): string {
  if (notifier.type === 'sns') return ` ${notifier.topicArn}`;
  if (notifier.type !== 'webhook') return '';
  const headers = Object.keys(notifier.headers);
  return ` ${redactUrl(notifier.url)}${headers.length ? ` (headers ${headers.map((h) => `${h}: ${REDACTED}`).join(', ')})` : ''}`;
}

function renderDimensions(dimensions: Readonly<Record<string, string>>): string {
  const entries = Object.entries(dimensions);
  return entries.length ? ` [${entries.map(([k, v]) => `${k}=${v}`).join(', ')}]` : '';
}

function renderRecord(record: Record<string, unknown>): string {
  return DEFAULT_LOG_FORMAT.columns.map((c) => (record[c] === undefined || record[c] === null ? '-' : String(record[c]))).join(' ');
}
