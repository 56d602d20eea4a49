import type { Pseudonymizer } from '../graph/index.js';
import type { AlarmDto, FindingDto } from './protocol.js';
import type { AlertsView } from './alerts-view.js';

/**
 * Pseudonymizes the alerts like the graph: addresses prefix-preserved (so they match the graph's node ids),
 * interface and instance ids tokenized — in dimension values, actors, targets, resources and descriptions.
 */
export function pseudonymizeAlerts(view: AlertsView, pseudonymizer: Pseudonymizer): AlertsView {
  const hide = (value: string): string => pseudonymizeValue(value, pseudonymizer);
  return {
    ...view,
    alarms: view.alarms.map((alarm) => pseudonymizeAlarm(alarm, hide)),
    findings: view.findings.map((finding) => pseudonymizeFinding(finding, hide)),
    ...(view.suppressed ? { suppressed: view.suppressed.map((finding) => pseudonymizeFinding(finding, hide)) } : {}),
  };
}

/** The pseudonym of one value: an address, an `eni-`/`i-` id, or the value itself (names, ports, `*`). */
export function pseudonymizeValue(value: string, pseudonymizer: Pseudonymizer): string {
  if (/^(eni|i)-[0-9a-z]+$/i.test(value)) return pseudonymizer.token(value);
  return pseudonymizer.address(value);
}

function pseudonymizeAlarm(alarm: AlarmDto, hide: (value: string) => string): AlarmDto {
  return { ...alarm, dimensions: Object.fromEntries(Object.entries(alarm.dimensions).map(([name, value]) => [name, hide(value)])) };
}

function pseudonymizeFinding(finding: FindingDto, hide: (value: string) => string): FindingDto {
  const originals = [
    finding.actor.address,
    finding.target.address,
    ...finding.resource.interfaceIds,
    ...finding.resource.instanceIds,
    ...(finding.actor.sources ?? []).map((s) => s.address),
    ...(finding.peers ?? []).map((p) => p.address),
  ].filter(
    (value): value is string => typeof value === 'string' && value !== '',
  );
  // One pass, longest first, so that 10.0.1.1 is not replaced inside 10.0.1.10 nor inside a pseudonym.
  const wanted = [...new Set(originals)].sort((a, b) => b.length - a.length).map((value) => value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  const description = wanted.length ? finding.description.replace(new RegExp(wanted.join('|'), 'g'), (found) => hide(found)) : finding.description;
  return {
    ...finding,
    actor: {
      ...finding.actor,
      address: finding.actor.address ? hide(finding.actor.address) : finding.actor.address,
      ...(finding.actor.sources ? { sources: finding.actor.sources.map((s) => ({ ...s, address: hide(s.address) })) } : {}),
    },
    ...(finding.peers ? { peers: finding.peers.map((p) => ({ ...p, address: hide(p.address) })) } : {}),
    target: { ...finding.target, address: finding.target.address === undefined ? undefined : hide(finding.target.address) },
    resource: { interfaceIds: finding.resource.interfaceIds.map(hide), instanceIds: finding.resource.instanceIds.map(hide) },
    description,
  };
}
