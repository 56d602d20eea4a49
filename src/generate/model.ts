import { hexId, Random } from './random.js';

/** Options of the simulated account: the seed drives external addresses; account and region name the resources. */
export interface VpcModelOptions {
  seed?: string | number | undefined;
  accountId?: string | undefined;
  region?: string | undefined;
}

/** An Availability Zone: its name (us-east-1a) and its account-independent id (use1-az1). */
export interface AvailabilityZone {
  readonly name: string;
  readonly id: string;
}

/** A subnet of the simulated VPC. */
export interface SubnetModel {
  readonly id: string;
  readonly name: string;
  readonly cidr: string;
  readonly ipv6Cidr: string | null;
  readonly az: AvailabilityZone;
}

/** What a network interface belongs to. */
export type InterfaceRole = 'load-balancer' | 'nat-gateway' | 'bastion' | 'web' | 'app' | 'database' | 'cache' | 'batch';

/** A network interface (ENI): the unit AWS writes flow records for. */
export interface InterfaceModel {
  readonly id: string;
  readonly name: string;
  readonly role: InterfaceRole;
  readonly address: string;
  readonly ipv6: string | null;
  readonly subnet: SubnetModel;
  readonly subnetId: string;
  readonly azId: string;
  /** The instance id, or `-` for requester-managed interfaces (load balancer, NAT gateway), as AWS writes it. */
  readonly instanceId: string;
  /** The v11 interface-type value (`nat_gateway`, ...) or `-`. */
  readonly interfaceType: string;
  /** v11 tag fields: instance Name tag, environment tag, interface Name tag, Auto Scaling group name. */
  readonly instanceTag: string;
  readonly instanceTag2: string;
  readonly interfaceTag: string;
  readonly asgTag: string;
}

/** Addresses outside the VPC the simulation talks to or is attacked from. */
export interface ExternalActors {
  /** Internet clients of the web site, most popular first. */
  readonly clients: readonly string[];
  readonly clientsV6: readonly string[];
  /** Third-party HTTPS APIs reached through the NAT gateway. */
  readonly apis: readonly string[];
  /** Package mirrors reached through the NAT gateway (HTTP/HTTPS). */
  readonly mirrors: readonly string[];
  /** Amazon S3 and DynamoDB addresses reached through gateway VPC endpoints. */
  readonly s3: readonly string[];
  readonly dynamodb: readonly string[];
  /** The operators' office VPN, allowed to SSH to the bastion. */
  readonly office: string;
  /** The SSH brute-force source. */
  readonly sshBruteForce: string;
  /** The port-scan source. */
  readonly portScanner: string;
  /** Background internet scanners probing closed ports. */
  readonly probers: readonly string[];
}

/** The simulated AWS account: one VPC in one region with subnets in three AZs and its traffic's peers. */
export interface VpcModel {
  readonly accountId: string;
  readonly region: string;
  readonly vpcId: string;
  readonly vpcCidr: string;
  readonly vpcIpv6Cidr: string;
  readonly flowLogId: string;
  readonly azs: readonly AvailabilityZone[];
  readonly subnets: readonly SubnetModel[];
  readonly interfaces: readonly InterfaceModel[];
  readonly external: ExternalActors;
  /** Interfaces by role, in name order. */
  byRole(role: InterfaceRole): readonly InterfaceModel[];
}

/** A known name: an address or CIDR and what it is, as in a known-names file. */
export interface KnownName {
  readonly key: string;
  readonly name: string;
}

// Real AWS service prefixes (ip-ranges.json, us-east-1) so the S3/DynamoDB flows look like the real thing.
const S3_CIDR = '52.216.0.0/15';
const DYNAMODB_CIDR = '3.218.180.0/22';
const VPC_IPV6_PREFIX = '2600:1f18:6a3:9c';
// Documentation address (RFC 5737) for the office: it never collides with a real user.
const OFFICE_ADDRESS = '198.51.100.10';

const SUBNETS: readonly { name: string; third: number; az: number; ipv6: number | null }[] = [
  { name: 'public-a', third: 1, az: 0, ipv6: 1 },
  { name: 'public-b', third: 2, az: 1, ipv6: 2 },
  { name: 'public-c', third: 3, az: 2, ipv6: 3 },
  { name: 'app-a', third: 11, az: 0, ipv6: null },
  { name: 'app-b', third: 12, az: 1, ipv6: null },
  { name: 'app-c', third: 13, az: 2, ipv6: null },
  { name: 'data-a', third: 21, az: 0, ipv6: null },
  { name: 'data-b', third: 22, az: 1, ipv6: null },
];

// [name, role, subnet, host]: the fixed topology, so a known-names file stays valid for every seed.
const INTERFACES: readonly (readonly [string, InterfaceRole, string, number])[] = [
  ['load-balancer-0', 'load-balancer', 'public-a', 10],
  ['load-balancer-1', 'load-balancer', 'public-b', 10],
  ['load-balancer-2', 'load-balancer', 'public-c', 10],
  ['nat-gateway-0', 'nat-gateway', 'public-a', 20],
  ['bastion-0', 'bastion', 'public-a', 30],
  ['web-0', 'web', 'app-a', 10],
  ['web-1', 'web', 'app-b', 10],
  ['web-2', 'web', 'app-c', 10],
  ['web-3', 'web', 'app-a', 11],
  ['web-4', 'web', 'app-b', 11],
  ['web-5', 'web', 'app-c', 11],
  ['app-0', 'app', 'app-a', 20],
  ['app-1', 'app', 'app-b', 20],
  ['app-2', 'app', 'app-c', 20],
  ['app-3', 'app', 'app-a', 21],
  ['batch-0', 'batch', 'app-b', 50],
  ['database-0', 'database', 'data-a', 10],
  ['database-1', 'database', 'data-b', 10],
  ['cache-0', 'cache', 'data-a', 20],
  ['cache-1', 'cache', 'data-b', 20],
];

/** Builds the simulated VPC: fixed topology (names and private addresses), seed-driven internet peers. */
export function buildVpcModel(options: VpcModelOptions = {}): VpcModel {
  const accountId = options.accountId ?? '123456789012';
  const region = options.region ?? 'us-east-1';
  const ids = (label: string, length = 17): string => hexId(`${accountId}:${region}:${label}`, length);
  const azs = ['a', 'b', 'c'].map((letter, i) => ({ name: `${region}${letter}`, id: `${azIdPrefix(region)}-az${[1, 2, 4][i]}` }));
  const subnets = SUBNETS.map((s) => ({
    id: `subnet-${ids(s.name)}`,
    name: s.name,
    cidr: `10.0.${s.third}.0/24`,
    ipv6Cidr: s.ipv6 === null ? null : `${VPC_IPV6_PREFIX}${s.ipv6.toString(16).padStart(2, '0')}::/64`,
    az: azs[s.az] as AvailabilityZone,
  }));
  const interfaces = INTERFACES.map(([name, role, subnetName, host]) => buildInterface(name, role, subnets, subnetName, host, ids));
  const random = new Random(`model:${options.seed ?? 1}`);
  const model: VpcModel = {
    accountId,
    region,
    vpcId: `vpc-${ids('vpc')}`,
    vpcCidr: '10.0.0.0/16',
    vpcIpv6Cidr: `${VPC_IPV6_PREFIX}00::/56`,
    flowLogId: `fl-${ids('flow-log')}`,
    azs,
    subnets,
    interfaces,
    external: buildExternal(random),
    byRole: (role) => interfaces.filter((i) => i.role === role),
  };
  return model;
}

/** The names an operator knows: every interface address (IPv4 and IPv6), subnet CIDR and AWS service prefix. */
export function knownNames(model: VpcModel): KnownName[] {
  const names: KnownName[] = [];
  for (const eni of model.interfaces) {
    names.push({ key: eni.address, name: eni.name });
    if (eni.ipv6) names.push({ key: eni.ipv6, name: eni.name });
  }
  for (const subnet of model.subnets) {
    names.push({ key: subnet.cidr, name: `${subnet.name}-subnet` });
    if (subnet.ipv6Cidr) names.push({ key: subnet.ipv6Cidr, name: `${subnet.name}-subnet` });
  }
  names.push({ key: model.vpcCidr, name: 'vpc' });
  names.push({ key: S3_CIDR, name: 's3' });
  names.push({ key: DYNAMODB_CIDR, name: 'dynamodb' });
  names.push({ key: model.external.office, name: 'office-vpn' });
  return names;
}

/** Renders known names as a YAML mapping (`10.0.1.10: load-balancer-0`), the known-names file format. */
export async function renderKnownNamesYaml(model: VpcModel): Promise<string> {
  const { stringify } = await import('yaml');
  const mapping: Record<string, string> = {};
  for (const { key, name } of knownNames(model)) mapping[key] = name;
  const header = `# Known names of the flowlens demo VPC ${model.vpcId} (account ${model.accountId}, ${model.region}).\n`;
  return header + stringify(mapping);
}

function buildInterface(
  name: string,
  role: InterfaceRole,
  subnets: readonly SubnetModel[],
  subnetName: string,
  host: number,
  ids: (label: string, length?: number) => string,
): InterfaceModel {
  const subnet = subnets.find((s) => s.name === subnetName) as SubnetModel;
  const address = subnet.cidr.replace(/0\/24$/, String(host));
  const managed = role === 'load-balancer' || role === 'nat-gateway';
  const tier = role === 'web' || role === 'app' ? `${role}-asg` : '-';
  return {
    id: `eni-${ids(`eni:${name}`)}`,
    name,
    role,
    address,
    ipv6: subnet.ipv6Cidr && role === 'load-balancer' ? subnet.ipv6Cidr.replace('::/64', `::${host.toString(16)}`) : null,
    subnet,
    subnetId: subnet.id,
    azId: subnet.az.id,
    instanceId: managed ? '-' : `i-${ids(`instance:${name}`)}`,
    interfaceType: role === 'nat-gateway' ? 'nat_gateway' : '-',
    instanceTag: managed ? '-' : name,
    instanceTag2: managed ? '-' : 'production',
    interfaceTag: name,
    asgTag: tier,
  };
}

function buildExternal(random: Random): ExternalActors {
  const used = new Set<string>([OFFICE_ADDRESS]);
  const fresh = (make: () => string): string => {
    for (;;) {
      const address = make();
      if (!used.has(address)) {
        used.add(address);
        return address;
      }
    }
  };
  const publicV4 = (): string => fresh(() => randomPublicIPv4(random));
  const list = (n: number, make: () => string): string[] => Array.from({ length: n }, make);
  return {
    clients: list(4000, publicV4),
    clientsV6: list(300, () => fresh(() => randomIPv6Client(random))),
    apis: list(6, publicV4),
    mirrors: list(4, publicV4),
    s3: list(24, () => fresh(() => `52.${216 + random.int(2)}.${random.range(0, 255)}.${random.range(1, 254)}`)),
    dynamodb: list(6, () => fresh(() => `3.218.${180 + random.int(4)}.${random.range(1, 254)}`)),
    office: OFFICE_ADDRESS,
    sshBruteForce: publicV4(),
    portScanner: publicV4(),
    probers: list(400, publicV4),
  };
}

// First octets that are neither private, reserved, multicast nor used by the simulated AWS ranges.
const PUBLIC_FIRST_OCTETS = Array.from({ length: 223 }, (_, i) => i + 1).filter(
  (a) => ![10, 100, 127, 169, 172, 192, 198, 203, 3, 52].includes(a),
);

function randomPublicIPv4(random: Random): string {
  return `${random.pick(PUBLIC_FIRST_OCTETS)}.${random.range(0, 255)}.${random.range(0, 255)}.${random.range(1, 254)}`;
}

function randomIPv6Client(random: Random): string {
  const prefix = random.pick(['2a02:8108', '2600:1700', '2a01:e0a', '2406:3003', '2001:569']);
  const group = (): string => random.range(0, 0xffff).toString(16);
  return `${prefix}:${group()}:${group()}:${group()}:${group()}:${group()}:${group()}`;
}

// AWS AZ ids abbreviate the region: us-east-1 → use1, ap-southeast-2 → apse2, eu-central-1 → euc1.
function azIdPrefix(region: string): string {
  const [area = 'us', direction = 'east', number = '1'] = region.split('-');
  const short: Record<string, string> = { north: 'n', south: 's', east: 'e', west: 'w', central: 'c', northeast: 'ne', southeast: 'se', northwest: 'nw', southwest: 'sw' };
  return `${area}${short[direction] ?? direction.slice(0, 2)}${number}`;
}
