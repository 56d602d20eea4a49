import { inCidr } from './address-sql.js';
import { FINDING_TYPES } from './detections.js';
import type { SuppressionConfig } from './rules-schema.js';
import type { FindingEvent } from './types.js';

/**
 * True when the suppression rule matches the finding: every criterion it gives holds. `type` takes finding
 * types (`Recon:EC2/PortSweep`), detection type names (`PortSweep`) or a prefix ending in `*` (`Recon:*`);
 * `actor` and `target` are CIDRs or addresses (every listed source of a distributed finding must match);
 * `ports` matches when any of the finding's target ports is listed.
 */
export function suppressionMatches(rule: SuppressionConfig, finding: FindingEvent): boolean {
  if (rule.detection !== undefined && rule.detection !== finding.detection) return false;
  if (rule.type !== undefined) {
    const types = Array.isArray(rule.type) ? rule.type : [rule.type];
    const matchesType = (t: string) => {
      if (t.endsWith('*')) return finding.type.startsWith(t.slice(0, -1));
      return t === finding.type || (FINDING_TYPES as Record<string, string>)[t] === finding.type;
    };
    if (!types.some(matchesType)) return false;
  }
  if (rule.actor !== undefined) {
    const actors = finding.actor.sources?.map((s) => s.address) ?? [finding.actor.address];
    if (actors.length === 0 || !actors.every((a) => a !== '' && rule.actor?.some((cidr) => inCidr(a, cidr)))) return false;
  }
  if (rule.target !== undefined) {
    const target = finding.target.address;
    if (target === undefined || !rule.target.some((cidr) => inCidr(target, cidr))) return false;
  }
  if (rule.ports !== undefined && !(finding.target.ports ?? []).some((p) => rule.ports?.includes(p))) return false;
  return true;
}

/** Marks the findings archived by a suppression rule (`suppressedBy`, the first rule that matches) and splits them off. */
export function applySuppressions(findings: readonly FindingEvent[], rules: readonly SuppressionConfig[]): { findings: FindingEvent[]; suppressed: FindingEvent[] } {
  const kept: FindingEvent[] = [];
  const suppressed: FindingEvent[] = [];
  for (const finding of findings) {
    const rule = rules.find((r) => suppressionMatches(r, finding));
    if (rule) suppressed.push({ ...finding, suppressedBy: rule.name });
    else kept.push(finding);
  }
  return { findings: kept, suppressed };
}
