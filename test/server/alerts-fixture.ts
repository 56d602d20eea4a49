import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SEED_ALARM_YAML, SSH_REJECT_PATTERN } from '../alerts/helpers.js';
import { scenarioLines } from '../alerts/scenario.js';

const REJECT_PATTERN = SSH_REJECT_PATTERN.replace('destport="22", protocol="6"', 'destport, protocol');

/**
 * Rules over the alerts scenario (test/alerts/scenario.ts): the seed's SSH-rejects alarm (ends OK), `reject-storm`
 * (25 rejects in 5 minutes; missing data keeps the state, so the port scan leaves it in ALARM), a `*` alarm per
 * source address, and the SSH brute force and port scan detections.
 */
export const ALERTS_RULES = `${SEED_ALARM_YAML}
  - alarmName: reject-storm
    metricName: Rejects
    namespace: VPC Flow Logs
    statistic: Sum
    period: 300
    evaluationPeriods: 1
    threshold: 25
    comparisonOperator: GreaterThanOrEqualToThreshold
    treatMissingData: ignore
  - alarmName: scanner
    metricName: Rejects
    namespace: VPC Flow Logs
    dimensions: [{ name: srcaddr, value: '*' }]
    statistic: Sum
    period: 300
    evaluationPeriods: 1
    threshold: 25
    comparisonOperator: GreaterThanOrEqualToThreshold
    treatMissingData: notBreaching
detections:
  - type: SSHBruteForce
    window: 10m
    minAttempts: 5
  - type: Portscan
    window: 10m
`.replace(
  'metricFilters:\n',
  `metricFilters:
  - filterName: rejects
    filterPattern: '${REJECT_PATTERN}'
    metricTransformations: [{ metricName: Rejects, metricNamespace: VPC Flow Logs, metricValue: "1" }]
  - filterName: rejects-by-source
    filterPattern: '${REJECT_PATTERN}'
    metricTransformations: [{ metricName: Rejects, metricNamespace: VPC Flow Logs, metricValue: "1", dimensions: { srcaddr: $source } }]
`,
);

/** Writes the scenario's flow log (time-ordered, as a writer appends) and the rules into `folder`; returns their paths. */
export async function writeAlertsFixture(folder: string): Promise<{ logs: string; log: string; rules: string }> {
  const logs = join(folder, 'logs');
  await mkdir(logs, { recursive: true });
  const lines = scenarioLines().sort((a, b) => Number(a.split(' ')[10]) - Number(b.split(' ')[10]));
  const log = join(logs, 'flows.log');
  await writeFile(log, `${lines.join('\n')}\n`);
  const rules = join(folder, 'rules.yaml');
  await writeFile(rules, ALERTS_RULES);
  return { logs, log, rules };
}
