import { UsageError } from '../records/index.js';
import type { NetworkInterfaceScope, SourceOptions } from '../sources/index.js';
import type { Store } from '../store/index.js';
import { parseNetworkInterfaces } from './enrich.js';
import type { NameTable } from './names.js';

/** Which interfaces `--enis-live` describes: those the selected flows saw (their VPCs or ENIs), or all in the region. */
export type LiveEniScope = 'seen' | 'all';

/** The outcome of a live lookup: the names, how many interfaces AWS returned, and the scope asked for. */
export interface LiveEnis {
  names: NameTable;
  interfaces: number;
  scope: NetworkInterfaceScope;
}

/** Parses the value of `--enis-live` (`seen` when given without a value). */
export function parseLiveEniScope(value: string | boolean): LiveEniScope {
  if (value === true || value === 'seen') return 'seen';
  if (value === 'all') return 'all';
  throw new UsageError(`--enis-live "${String(value)}" is not a scope`, {
    hint: 'use --enis-live (the VPCs or ENIs seen in the data) or --enis-live all (every interface in the region)',
  });
}

/**
 * The EC2 filter for the interfaces the selected flows saw: their VPCs when the records carry `vpc-id` (v3+
 * formats; this also names peers in the VPC that logged nothing), else the `interface-id`s of the records.
 */
export async function seenInterfaceScope(store: Store, where = 'TRUE'): Promise<NetworkInterfaceScope> {
  const vpcs = await distinctValues(store, 'vpc_id', 'vpc-', where);
  if (vpcs.length > 0) return { filter: 'vpc-id', values: vpcs };
  return { filter: 'network-interface-id', values: await distinctValues(store, 'interface_id', 'eni-', where) };
}

/** Describes network interfaces live (see describeNetworkInterfaces) and names them as a saved describe-network-interfaces file would be. */
export async function loadLiveNetworkInterfaces(
  store: Store,
  scope: LiveEniScope,
  aws: SourceOptions,
  where = 'TRUE',
): Promise<LiveEnis> {
  const { describeNetworkInterfaces } = await import('../sources/index.js');
  const filter = scope === 'all' ? {} : await seenInterfaceScope(store, where);
  // Nothing seen (no records, or only NODATA/SKIPDATA lines without ids): nothing to ask for.
  if (filter.filter !== undefined && (filter.values ?? []).length === 0) return { names: parseNetworkInterfaces({ NetworkInterfaces: [] }), interfaces: 0, scope: filter };
  const interfaces = await describeNetworkInterfaces(aws, filter);
  return { names: parseNetworkInterfaces({ NetworkInterfaces: interfaces }, 'ec2:DescribeNetworkInterfaces'), interfaces: interfaces.length, scope: filter };
}

async function distinctValues(store: Store, column: 'vpc_id' | 'interface_id', prefix: string, where: string): Promise<string[]> {
  const result = await store.query(
    `SELECT DISTINCT ${column} AS value FROM flows WHERE (${where}) AND starts_with(${column}, ?) ORDER BY value`,
    [prefix],
  );
  return result.rows.map((row) => String(row.value));
}
