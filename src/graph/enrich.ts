import { readFile } from 'node:fs/promises';
import { FlowlensError, UsageError } from '../records/index.js';
import { addName, emptyNameTable } from './names.js';
import type { NameTable } from './names.js';

/** The parts of an `aws ec2 describe-network-interfaces` entry that naming uses. */
interface NetworkInterface {
  NetworkInterfaceId?: string;
  Description?: string;
  InterfaceType?: string;
  RequesterId?: string;
  Attachment?: { InstanceId?: string; InstanceOwnerId?: string };
  TagSet?: { Key?: string; Value?: string }[];
  PrivateIpAddress?: string;
  PrivateIpAddresses?: { PrivateIpAddress?: string; Association?: { PublicIp?: string } }[];
  Ipv6Addresses?: { Ipv6Address?: string }[];
  Association?: { PublicIp?: string };
}

/**
 * Names ENIs and their addresses from `aws ec2 describe-network-interfaces` output: the ENI's Name tag, else
 * the instance, load balancer, NAT gateway, VPC endpoint, Lambda function, RDS or EFS it belongs to, read from
 * Attachment, InterfaceType, RequesterId and Description (AWS: "Requester-managed network interfaces").
 */
export function parseNetworkInterfaces(data: unknown, file = '<network-interfaces>'): NameTable {
  const list = (data as { NetworkInterfaces?: unknown } | null)?.NetworkInterfaces;
  if (!Array.isArray(list)) {
    throw new FlowlensError('enrich', `${file}: expected the JSON of \`aws ec2 describe-network-interfaces\` ({"NetworkInterfaces": [...]})`);
  }
  const table = emptyNameTable();
  for (const eni of list as NetworkInterface[]) {
    const id = eni.NetworkInterfaceId;
    if (!id) continue;
    const name = nameOfInterface(eni);
    if (name) table.enis.set(id, name);
    for (const address of addressesOf(eni)) {
      table.eniAddresses.set(address, id);
      if (name) addName(table, address, name, file);
    }
  }
  return table;
}

/** Reads a describe-network-interfaces JSON file into a name table. */
export async function loadNetworkInterfacesFile(path: string): Promise<NameTable> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new FlowlensError('enrich', `${path}: not valid JSON: ${(error as Error).message}`, {
      hint: 'save it with `aws ec2 describe-network-interfaces --output json > enis.json`',
      cause: error,
    });
  }
  return parseNetworkInterfaces(data, path);
}

/** The display name of one network interface, or undefined when nothing identifies it. */
export function nameOfInterface(eni: NetworkInterface): string | undefined {
  const tag = eni.TagSet?.find((t) => t.Key === 'Name')?.Value;
  if (tag) return tag;
  const description = eni.Description ?? '';
  const type = eni.InterfaceType ?? '';
  if (eni.Attachment?.InstanceId) return eni.Attachment.InstanceId;
  const nat = /nat-[0-9a-f]+/.exec(description);
  if (type === 'nat_gateway' || nat) return `nat-gateway:${nat?.[0] ?? eni.NetworkInterfaceId}`;
  const elb = /^ELB (?:(app|net|gwy)\/)?([^/]+)/.exec(description);
  if (elb) return `${elb[1] === 'app' ? 'alb' : elb[1] === 'net' ? 'nlb' : elb[1] === 'gwy' ? 'gwlb' : 'elb'}:${elb[2]}`;
  const vpce = /vpce-[0-9a-f]+/.exec(description);
  if (type === 'vpc_endpoint' || type === 'gateway_load_balancer_endpoint' || vpce) return `vpce:${vpce?.[0] ?? eni.NetworkInterfaceId}`;
  const lambda = /^AWS Lambda VPC ENI-(.+?)(?:-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})?$/.exec(description);
  if (type === 'lambda' || lambda) return `lambda:${lambda?.[1] ?? eni.NetworkInterfaceId}`;
  if (eni.RequesterId === 'amazon-rds' || description.startsWith('RDSNetworkInterface')) return `rds:${eni.NetworkInterfaceId}`;
  const efs = /fs-[0-9a-f]+/.exec(description);
  if (type === 'efs' || (efs && description.startsWith('EFS'))) return `efs:${efs?.[0] ?? eni.NetworkInterfaceId}`;
  return undefined;
}

function addressesOf(eni: NetworkInterface): string[] {
  const out = new Set<string>();
  if (eni.PrivateIpAddress) out.add(eni.PrivateIpAddress);
  if (eni.Association?.PublicIp) out.add(eni.Association.PublicIp);
  for (const p of eni.PrivateIpAddresses ?? []) {
    if (p.PrivateIpAddress) out.add(p.PrivateIpAddress);
    if (p.Association?.PublicIp) out.add(p.Association.PublicIp);
  }
  for (const p of eni.Ipv6Addresses ?? []) if (p.Ipv6Address) out.add(p.Ipv6Address);
  return [...out];
}

/** Loads and merges describe-network-interfaces files, live ENI names and names files (names files win over AWS names). */
export async function loadNameTable(options: {
  names?: readonly string[] | undefined;
  enis?: readonly string[] | undefined;
  /** Names from a live DescribeNetworkInterfaces lookup (see loadLiveNetworkInterfaces). */
  live?: NameTable | undefined;
}): Promise<NameTable> {
  const { loadNamesFile, mergeNameTables } = await import('./names.js');
  const tables: NameTable[] = [];
  for (const path of options.enis ?? []) tables.push(await loadNetworkInterfacesFile(path));
  if (options.live) tables.push(options.live);
  for (const path of options.names ?? []) tables.push(await loadNamesFile(path));
  return mergeNameTables(...tables);
}
