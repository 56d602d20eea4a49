import type { Filter, NetworkInterface } from '@aws-sdk/client-ec2';
import { abortOption } from './aws/backoff.js';
import { buildAwsClientConfig } from './aws/client-config.js';
import { toSourceError } from './aws/errors.js';
import type { SourceOptions } from './types.js';

/** Which network interfaces to describe: every one in the region, or those matching one filter's values. */
export interface NetworkInterfaceScope {
  /** An EC2 filter name such as `network-interface-id` or `vpc-id`; absent for every interface. */
  filter?: string | undefined;
  values?: readonly string[] | undefined;
}

/** EC2 allows at most 200 filter values in one call (FilterLimitExceeded), so longer lists go in batches. */
export const MAX_FILTER_VALUES = 200;

/** DescribeNetworkInterfaces page size: the API's maximum (5–1000) keeps the number of calls low. */
const PAGE_SIZE = 1000;

/**
 * Describes network interfaces live (EC2 DescribeNetworkInterfaces, every page, filter values in batches of 200),
 * with the shared client settings (`--profile`, `--region`, `--endpoint-url`) and the SDK's retries on throttling.
 * A filter rather than NetworkInterfaceIds is used because ids of deleted interfaces (common in old flow logs)
 * would fail the whole call with InvalidNetworkInterfaceID.NotFound, and ids cannot be paginated.
 */
export async function describeNetworkInterfaces(
  options: SourceOptions,
  scope: NetworkInterfaceScope = {},
  signal?: AbortSignal,
): Promise<NetworkInterface[]> {
  const { EC2Client, DescribeNetworkInterfacesCommand } = await import('@aws-sdk/client-ec2');
  const client = new EC2Client(await buildAwsClientConfig(options, { maxAttempts: 8, retryMode: 'standard' }));
  const interfaces = new Map<string, NetworkInterface>();
  try {
    for (const filters of filterBatches(scope)) {
      let token: string | undefined;
      do {
        const page = await client.send(
          new DescribeNetworkInterfacesCommand({ Filters: filters, MaxResults: PAGE_SIZE, NextToken: token }),
          abortOption(signal),
        );
        for (const eni of page.NetworkInterfaces ?? []) interfaces.set(eni.NetworkInterfaceId ?? `#${interfaces.size}`, eni);
        token = page.NextToken;
      } while (token);
    }
  } catch (error) {
    throw toSourceError(error, 'cannot describe network interfaces', { permission: 'ec2:DescribeNetworkInterfaces' });
  } finally {
    client.destroy();
  }
  return [...interfaces.values()];
}

/** The Filters of each call: one call without filters, or one per batch of at most 200 values. */
function filterBatches(scope: NetworkInterfaceScope): (Filter[] | undefined)[] {
  if (scope.filter === undefined) return [undefined];
  const values = [...new Set(scope.values ?? [])];
  const batches: Filter[][] = [];
  for (let i = 0; i < values.length; i += MAX_FILTER_VALUES) {
    batches.push([{ Name: scope.filter, Values: values.slice(i, i + MAX_FILTER_VALUES) }]);
  }
  return batches;
}
