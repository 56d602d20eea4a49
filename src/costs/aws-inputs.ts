import { readFileSync } from 'node:fs';
import { UsageError } from '../records/index.js';

/** What flowlens learns from `aws ec2 describe-network-interfaces` JSON: NAT gateway ENIs and their addresses, ENI names. */
export interface InterfaceFacts {
  natInterfaces: Map<string, string>; // eni → nat gateway id
  natAddresses: Set<string>;
  interfaceSubnets: Map<string, string>;
  interfaceNames: Map<string, string>;
}

/** A subnet with its CIDR and availability zone (from describe-subnets JSON or a YAML map). */
export interface SubnetFact {
  subnetId: string;
  cidr: string;
  azId: string;
  name?: string | undefined;
}

/** An AWS IP range from ip-ranges.json: prefix, region and service. */
export interface AwsRange {
  prefix: string;
  region: string;
  service: string;
}

/** Reads describe-network-interfaces output (`{"NetworkInterfaces": [...]}`). */
export function loadInterfaceFacts(path: string): InterfaceFacts {
  const data = readJson(path, 'NetworkInterfaces') as { NetworkInterfaces: Record<string, unknown>[] };
  const facts: InterfaceFacts = { natInterfaces: new Map(), natAddresses: new Set(), interfaceSubnets: new Map(), interfaceNames: new Map() };
  for (const eni of data.NetworkInterfaces) {
    const id = String(eni.NetworkInterfaceId ?? '');
    if (!id) continue;
    if (typeof eni.SubnetId === 'string') facts.interfaceSubnets.set(id, eni.SubnetId);
    const description = String(eni.Description ?? '');
    const nat = /^Interface for NAT Gateway (nat-[0-9a-f]+)/.exec(description);
    if (eni.InterfaceType === 'nat_gateway' || nat) {
      facts.natInterfaces.set(id, nat?.[1] ?? id);
      for (const address of (eni.PrivateIpAddresses as { PrivateIpAddress?: string }[] | undefined) ?? []) {
        if (address.PrivateIpAddress) facts.natAddresses.add(address.PrivateIpAddress);
      }
      if (typeof eni.PrivateIpAddress === 'string') facts.natAddresses.add(eni.PrivateIpAddress);
    }
    const instance = (eni.Attachment as { InstanceId?: string } | undefined)?.InstanceId;
    facts.interfaceNames.set(id, nat ? nat[1]! : instance ?? (description || id));
  }
  return facts;
}

/** Reads describe-subnets output (`{"Subnets": [...]}`) into subnet facts (name from the Name tag). */
export function loadSubnetFacts(path: string): SubnetFact[] {
  const data = readJson(path, 'Subnets') as { Subnets: Record<string, unknown>[] };
  return data.Subnets.map((subnet) => ({
    subnetId: String(subnet.SubnetId),
    cidr: String(subnet.CidrBlock),
    azId: String(subnet.AvailabilityZoneId ?? subnet.AvailabilityZone),
    name: ((subnet.Tags as { Key: string; Value: string }[] | undefined) ?? []).find((t) => t.Key === 'Name')?.Value,
  }));
}

/** Reads AWS's published ip-ranges.json (IPv4 and IPv6 prefixes). */
export function loadAwsRanges(path: string): AwsRange[] {
  const data = readJson(path, 'prefixes') as { prefixes: Record<string, string>[]; ipv6_prefixes?: Record<string, string>[] };
  return [...data.prefixes, ...(data.ipv6_prefixes ?? [])].map((p) => ({
    prefix: p.ip_prefix ?? p.ipv6_prefix ?? '',
    region: p.region ?? '',
    service: p.service ?? '',
  }));
}

function readJson(path: string, key: string): Record<string, unknown> {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new UsageError(`cannot read ${path}: ${(error as Error).message}`);
  }
  if (typeof data !== 'object' || data === null || !Array.isArray((data as Record<string, unknown>)[key])) {
    throw new UsageError(`${path} has no "${key}" array`, { hint: `give the JSON output of the matching aws CLI command` });
  }
  return data as Record<string, unknown>;
}
