import { FlowlensError, UsageError } from '../../records/index.js';
import { buildAwsClientConfig } from '../../sources/index.js';
import type { AwsConnection } from '../sns-topic.js';
import { filterLogGroup } from './plan.js';
import type { ActionRef, DeployPlan, NotDeployable } from './plan.js';

/** One API call of a deployment, in order: CreateTopic, then PutMetricFilter, then PutMetricAlarm. */
export interface DeployCall {
  service: 'sns' | 'logs' | 'cloudwatch';
  operation: 'CreateTopic' | 'PutMetricFilter' | 'PutMetricAlarm';
  input: Record<string, unknown>;
  status?: 'ok' | 'failed' | 'skipped';
  error?: string;
  hint?: string | undefined;
}

/** What a deployment did (or, dry, would do), and the rules that stay local. */
export interface DeployReport {
  dryRun: boolean;
  topicArn?: string | undefined;
  calls: DeployCall[];
  notDeployable: NotDeployable[];
  warnings: string[];
}

/** Options of deployAlerts: the log group, the AWS connection, and whether to only list the calls. */
export interface DeployOptions {
  logGroup?: string | undefined;
  aws: AwsConnection;
  dryRun?: boolean | undefined;
}

/**
 * The calls a plan makes, with the alarm actions naming a topic to create as `<ARN of TOPIC>` until
 * CreateTopic returns it. Throws UsageError when a filter has no log group.
 */
export function planDeployCalls(plan: DeployPlan, logGroup: string | undefined, topicArn?: string): DeployCall[] {
  const calls: DeployCall[] = [];
  if (plan.createTopic) calls.push({ service: 'sns', operation: 'CreateTopic', input: { Name: plan.createTopic } });
  for (const filter of plan.filters) {
    const group = filterLogGroup(filter, logGroup);
    if (group === undefined) {
      throw new UsageError(`metric filter "${filter.params.filterName}" has no log group`, { hint: 'pass --log-group NAME (the log group the flow logs are delivered to)' });
    }
    calls.push({ service: 'logs', operation: 'PutMetricFilter', input: { logGroupName: group, ...filter.params } });
  }
  const resolve = (ref: ActionRef): string => ('arn' in ref ? ref.arn : (topicArn ?? `<ARN of ${ref.topic}>`));
  for (const alarm of plan.alarms) {
    const actions: Record<string, string[]> = {};
    for (const [key, refs] of Object.entries(alarm.actions)) if (refs.length > 0) actions[key] = refs.map(resolve);
    calls.push({ service: 'cloudwatch', operation: 'PutMetricAlarm', input: { ...alarm.params, ...actions } });
  }
  return calls;
}

/**
 * Deploys a plan through the SDK with the standard credential chain (or --profile), --region and
 * --endpoint-url: CreateTopic (returns the existing topic of that name), PutMetricFilter and
 * PutMetricAlarm (both create or replace by name, so running it again is safe). A failed call is reported
 * and the others still run; the alarms wait for the topic. Dry, it only lists the calls.
 */
export async function deployAlerts(plan: DeployPlan, options: DeployOptions): Promise<DeployReport> {
  const dry = planDeployCalls(plan, options.logGroup);
  if (options.dryRun) return { dryRun: true, calls: dry, notDeployable: plan.notDeployable, warnings: plan.warnings };
  const settings = await buildAwsClientConfig(options.aws, { maxAttempts: 3, retryMode: 'standard' });
  const [{ SNSClient, CreateTopicCommand }, { CloudWatchLogsClient, PutMetricFilterCommand }, { CloudWatchClient, PutMetricAlarmCommand }] = await Promise.all([
    import('@aws-sdk/client-sns'),
    import('@aws-sdk/client-cloudwatch-logs'),
    import('@aws-sdk/client-cloudwatch'),
  ]);
  let topicArn: string | undefined;
  const done: DeployCall[] = [];
  if (plan.createTopic) {
    const sns = new SNSClient(settings);
    try {
      const call = dry[0] as DeployCall;
      await attempt(call, async () => {
        topicArn = (await sns.send(new CreateTopicCommand({ Name: plan.createTopic }))).TopicArn;
      });
      done.push(call);
    } finally {
      sns.destroy();
    }
  }
  const logs = new CloudWatchLogsClient(settings);
  const cloudwatch = new CloudWatchClient(settings);
  try {
    for (const call of planDeployCalls(plan, options.logGroup, topicArn).filter((c) => c.operation !== 'CreateTopic')) {
      if (call.operation === 'PutMetricFilter') {
        await attempt(call, () => logs.send(new PutMetricFilterCommand(call.input as never)));
      } else if (plan.createTopic && topicArn === undefined) {
        Object.assign(call, { status: 'skipped', error: `the topic ${plan.createTopic} was not created` });
      } else {
        await attempt(call, () => cloudwatch.send(new PutMetricAlarmCommand(call.input as never)));
      }
      done.push(call);
    }
  } finally {
    logs.destroy();
    cloudwatch.destroy();
  }
  return { dryRun: false, topicArn, calls: done, notDeployable: plan.notDeployable, warnings: plan.warnings };
}

/** The number of calls that did not succeed. */
export function failedCalls(report: DeployReport): number {
  return report.calls.filter((c) => c.status === 'failed' || c.status === 'skipped').length;
}

async function attempt(call: DeployCall, run: () => Promise<unknown>): Promise<void> {
  try {
    await run();
    call.status = 'ok';
  } catch (error) {
    if (error instanceof FlowlensError) throw error;
    // Without credentials every call would fail the same way: stop at the first.
    if ((error as { name?: string } | null)?.name === 'CredentialsProviderError') {
      throw new FlowlensError('aws-credentials', `no AWS credentials for ${call.operation}: ${(error as Error).message}`, {
        hint: 'set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, run aws configure or aws sso login, or pass --profile',
        cause: error,
      });
    }
    const shape = (typeof error === 'object' && error !== null ? error : {}) as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
    const name = shape.name ?? 'Error';
    const status = shape.$metadata?.httpStatusCode;
    call.status = 'failed';
    call.error = `${name}${status ? ` (HTTP ${status})` : ''}${shape.message && shape.message !== name ? `: ${shape.message}` : ''}`;
    call.hint = errorHint(call, name, status);
  }
}

function errorHint(call: DeployCall, name: string, status: number | undefined): string | undefined {
  if (/AccessDenied|Authoriz|UnrecognizedClient|InvalidClientTokenId/.test(name) || status === 403) {
    const action = call.service === 'logs' ? 'logs:PutMetricFilter' : call.service === 'cloudwatch' ? 'cloudwatch:PutMetricAlarm' : 'sns:CreateTopic';
    return `allow ${action} for these credentials (or pass --profile)`;
  }
  if (name === 'ResourceNotFoundException') return `no log group ${String(call.input.logGroupName)} in this region: check --log-group and --region`;
  if (name === 'LimitExceededException') return 'a log group takes at most 100 metric filters; delete unused ones';
  return undefined;
}
