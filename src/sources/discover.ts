import { buildAwsClientConfig } from './aws/client-config.js';
import { abortOption } from './aws/backoff.js';
import { toSourceError } from './aws/errors.js';
import type { SourceOptions } from './types.js';

/** A CloudWatch Logs log group, as `flowlens sources` lists it. */
export interface LogGroupInfo {
  source: string;
  storedBytes: number | null;
  retentionDays: number | null;
  created: string | null;
}

/** A VPC flow log configuration (EC2 DescribeFlowLogs) and the SOURCE that reads what it delivers. */
export interface FlowLogInfo {
  id: string;
  resource: string;
  traffic: string;
  destination: string;
  status: string;
  aggregationSeconds: number | null;
  format: string;
}

/** Lists log groups (DescribeLogGroups, all pages), optionally those whose name starts with `prefix`. */
export async function listLogGroups(
  options: SourceOptions,
  prefix?: string,
  signal?: AbortSignal,
): Promise<LogGroupInfo[]> {
  const { CloudWatchLogsClient, DescribeLogGroupsCommand } = await import('@aws-sdk/client-cloudwatch-logs');
  const client = new CloudWatchLogsClient(
    await buildAwsClientConfig(options, { maxAttempts: 8, retryMode: 'standard' }),
  );
  const groups: LogGroupInfo[] = [];
  let token: string | undefined;
  try {
    do {
      const page = await client.send(
        new DescribeLogGroupsCommand({ logGroupNamePrefix: prefix, nextToken: token }),
        abortOption(signal),
      );
      for (const group of page.logGroups ?? []) {
        groups.push({
          source: `cwl://${group.logGroupName ?? ''}`,
          storedBytes: group.storedBytes ?? null,
          retentionDays: group.retentionInDays ?? null,
          created: group.creationTime === undefined ? null : new Date(group.creationTime).toISOString(),
        });
      }
      token = page.nextToken;
    } while (token);
  } catch (error) {
    throw toSourceError(error, 'cannot list log groups', { permission: 'logs:DescribeLogGroups' });
  } finally {
    client.destroy();
  }
  return groups;
}

/** Lists the account's flow log configurations in the region (DescribeFlowLogs, all pages). */
export async function listFlowLogConfigs(
  options: SourceOptions,
  signal?: AbortSignal,
): Promise<FlowLogInfo[]> {
  const { EC2Client, DescribeFlowLogsCommand } = await import('@aws-sdk/client-ec2');
  const client = new EC2Client(
    await buildAwsClientConfig(options, { maxAttempts: 5, retryMode: 'standard' }),
  );
  const configs: FlowLogInfo[] = [];
  let token: string | undefined;
  try {
    do {
      const page = await client.send(new DescribeFlowLogsCommand({ NextToken: token }), abortOption(signal));
      for (const flowLog of page.FlowLogs ?? []) {
        configs.push({
          id: flowLog.FlowLogId ?? '',
          resource: flowLog.ResourceId ?? '',
          traffic: flowLog.TrafficType ?? '',
          destination: toSourceUri(flowLog.LogDestinationType, flowLog.LogDestination, flowLog.LogGroupName),
          status: flowLog.FlowLogStatus ?? '',
          aggregationSeconds: flowLog.MaxAggregationInterval ?? null,
          format: flowLog.LogFormat ?? '',
        });
      }
      token = page.NextToken;
    } while (token);
  } catch (error) {
    throw toSourceError(error, 'cannot list flow logs');
  } finally {
    client.destroy();
  }
  return configs;
}

/** The SOURCE for a flow log's destination: s3://bucket/prefix, cwl://group, or the destination ARN as is (Firehose). */
export function toSourceUri(
  type: string | undefined,
  destination: string | undefined,
  group: string | undefined,
): string {
  if (type === 's3' && destination?.startsWith('arn:'))
    return `s3://${destination.replace(/^arn:[^:]+:s3:::/, '')}`;
  if ((type === 'cloud-watch-logs' || type === undefined) && group) return `cwl://${group}`;
  if (type === 'cloud-watch-logs' && destination) return destination;
  return destination ?? '';
}
