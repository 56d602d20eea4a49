import { readFile } from 'node:fs/promises';
import { cidrRange, UsageError } from '../records/index.js';
import { flattenRanges } from './ranges.js';
import type { AddressRange, RankedRange } from './ranges.js';

/** The AWS service and region an address range belongs to. */
export interface AwsRangeValue {
  service: string;
  region: string;
}

/** AWS ranges as loaded: the file's publication stamp and the disjoint ranges (most specific prefix wins). */
export interface AwsRanges {
  createDate: string | undefined;
  syncToken: string | undefined;
  prefixes: number;
  ranges: AddressRange<AwsRangeValue>[];
}

/** Reads AWS's ip-ranges.json (https://ip-ranges.amazonaws.com/ip-ranges.json); see parseAwsIpRanges. */
export async function readAwsIpRanges(path: string): Promise<AwsRanges> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read --aws-ranges ${path}: ${(error as Error).message}`, {
      hint: 'download it with: curl -o ip-ranges.json https://ip-ranges.amazonaws.com/ip-ranges.json',
      cause: error,
    });
  }
  return parseAwsIpRanges(text, path);
}

/**
 * Parses ip-ranges.json ("AWS IP address ranges" in the VPC user guide): `prefixes` (ip_prefix) and `ipv6_prefixes`
 * (ipv6_prefix), each with region and service. Prefixes nest (AMAZON lists every range; services list parts of them),
 * so the narrowest prefix wins; on the same prefix a specific service wins over EC2, and EC2 over the AMAZON catch-all.
 */
export function parseAwsIpRanges(text: string, source = 'ip-ranges.json'): AwsRanges {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${source} is not JSON: ${(error as Error).message}`, { hint: 'give the ip-ranges.json file AWS publishes' });
  }
  const doc = (document ?? {}) as { createDate?: unknown; syncToken?: unknown; prefixes?: unknown; ipv6_prefixes?: unknown };
  if (!Array.isArray(doc.prefixes) && !Array.isArray(doc.ipv6_prefixes)) {
    throw new UsageError(`${source} has no "prefixes" or "ipv6_prefixes" list`, { hint: 'give the ip-ranges.json file AWS publishes' });
  }
  const ranged: RankedRange<AwsRangeValue>[] = [];
  const add = (entry: unknown, key: 'ip_prefix' | 'ipv6_prefix', index: number): void => {
    const item = (entry ?? {}) as Record<string, unknown>;
    const prefix = item[key];
    if (typeof prefix !== 'string' || typeof item.service !== 'string' || typeof item.region !== 'string') {
      throw new UsageError(`${source}: entry ${index} of ${key === 'ip_prefix' ? 'prefixes' : 'ipv6_prefixes'} lacks ${key}, region or service`);
    }
    let range;
    try {
      range = cidrRange(prefix);
    } catch (error) {
      throw new UsageError(`${source}: entry ${index}: ${(error as Error).message}`);
    }
    ranged.push({ ...range, value: { service: item.service, region: item.region }, rank: serviceRank(item.service) });
  };
  (Array.isArray(doc.prefixes) ? doc.prefixes : []).forEach((entry, i) => add(entry, 'ip_prefix', i));
  (Array.isArray(doc.ipv6_prefixes) ? doc.ipv6_prefixes : []).forEach((entry, i) => add(entry, 'ipv6_prefix', i));
  // Same rank and width: the alphabetically first service, so the answer does not depend on the file's order.
  ranged.sort((a, b) => (a.value.service < b.value.service ? -1 : a.value.service > b.value.service ? 1 : 0));
  return {
    createDate: typeof doc.createDate === 'string' ? doc.createDate : undefined,
    syncToken: typeof doc.syncToken === 'string' ? doc.syncToken : undefined,
    prefixes: ranged.length,
    ranges: flattenRanges(ranged),
  };
}

function serviceRank(service: string): number {
  return service === 'AMAZON' ? 2 : service === 'EC2' ? 1 : 0;
}
