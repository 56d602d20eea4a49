import type { DeployCall, DeployReport } from './deploy.js';
import type { NotDeployable } from './plan.js';

/** The deployment as lines for people: one per call with its outcome, then the topic. */
export function renderDeployReport(report: DeployReport): string {
  const lines = report.calls.map((call) => `${(call.status ?? 'planned').padEnd(7)} ${call.operation} ${callTarget(call)}${call.error ? `: ${call.error}` : ''}${call.hint ? ` (${call.hint})` : ''}`);
  if (report.topicArn) lines.push(`topic   ${report.topicArn}`);
  return lines.length > 0 ? `${lines.join('\n')}\n` : 'nothing to deploy\n';
}

/** The rules that stay local, one line each with the reason and a hint, then any warnings, for standard error. */
export function renderNotDeployable(items: readonly NotDeployable[], warnings: readonly string[] = []): string {
  return [
    ...items.map((item) => `not deployable: ${item.kind} "${item.name}": ${item.reason}${item.hint ? ` (${item.hint})` : ''}\n`),
    ...warnings.map((warning) => `warning: ${warning}\n`),
  ].join('');
}

function callTarget(call: DeployCall): string {
  const input = call.input;
  switch (call.operation) {
    case 'CreateTopic':
      return JSON.stringify(input.Name);
    case 'PutMetricFilter':
      return `${JSON.stringify(input.filterName)} on ${JSON.stringify(input.logGroupName)}`;
    case 'PutMetricAlarm':
      return JSON.stringify(input.AlarmName);
  }
}
