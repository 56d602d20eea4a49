import { DEFAULT_FORMAT, VPC_FIELDS } from '../records/index.js';
import { buildFormat, DEFAULT_LOG_FORMAT, parseFormatString } from './format.js';
import type { LogFormat } from './format.js';

/** A record layout AWS writes or documents, by name: what `--log-format NAME` selects and header-less lines are matched against. */
export interface StandardLayout {
  readonly name: string;
  readonly description: string;
  readonly format: LogFormat;
}

const upTo = (version: number): string[] => VPC_FIELDS.filter((f) => f.version <= version).map((f) => f.name);

// The transit gateway default format: every TGW field, in the order of the Transit Gateway guide's field table.
const TGW_DEFAULT = [
  'version', 'resource-type', 'account-id', 'tgw-id', 'tgw-attachment-id', 'tgw-src-vpc-account-id', 'tgw-dst-vpc-account-id',
  'tgw-src-vpc-id', 'tgw-dst-vpc-id', 'tgw-src-subnet-id', 'tgw-dst-subnet-id', 'tgw-src-eni', 'tgw-dst-eni', 'tgw-src-az-id',
  'tgw-dst-az-id', 'tgw-pair-attachment-id', 'srcaddr', 'dstaddr', 'srcport', 'dstport', 'protocol', 'packets', 'bytes', 'start',
  'end', 'log-status', 'type', 'packets-lost-no-route', 'packets-lost-blackhole', 'packets-lost-mtu-exceeded',
  'packets-lost-ttl-expired', 'tcp-flags', 'region', 'flow-direction', 'pkt-src-aws-service', 'pkt-dst-aws-service',
];

// The custom formats of AWS's "Flow log record examples" page, which users copy as they are.
const EXAMPLE_TCP_FLAGS = 'version vpc-id subnet-id instance-id interface-id account-id type srcaddr dstaddr srcport dstport pkt-srcaddr pkt-dstaddr protocol bytes packets start end action tcp-flags log-status';
const EXAMPLE_TRAFFIC_PATH =
  'version srcaddr dstaddr srcport dstport protocol start end type packets bytes account-id vpc-id subnet-id instance-id interface-id region az-id sublocation-type sublocation-id action tcp-flags pkt-srcaddr pkt-dstaddr pkt-src-aws-service pkt-dst-aws-service traffic-path flow-direction log-status';
const EXAMPLE_TRANSIT_GATEWAY = 'version interface-id account-id vpc-id subnet-id instance-id srcaddr dstaddr srcport dstport protocol tcp-flags type pkt-srcaddr pkt-dstaddr action log-status';

const layout = (name: string, description: string, names: readonly string[]): StandardLayout => ({ name, description, format: buildFormat(names) });

/** The standard layouts: the default format, all fields up to a version, ECS, transit gateway, and AWS's documented examples. */
export const STANDARD_LAYOUTS: readonly StandardLayout[] = [
  { name: 'v2', description: 'the default format (version 2 fields)', format: DEFAULT_LOG_FORMAT },
  layout('v3', 'all fields up to version 3, in AWS order', upTo(3)),
  layout('v4', 'all fields up to version 4, in AWS order', upTo(4)),
  layout('v5', 'all fields up to version 5, in AWS order', upTo(5)),
  layout('ecs', 'the default format followed by the ECS fields (version 7)', [...DEFAULT_FORMAT, ...VPC_FIELDS.filter((f) => f.name.startsWith('ecs-')).map((f) => f.name)]),
  layout('tgw', 'the transit gateway flow log default format', TGW_DEFAULT),
  layout('v3-tcp-flags', "AWS's TCP flag sequence example format", EXAMPLE_TCP_FLAGS.split(' ')),
  layout('v5-traffic-path', "AWS's traffic path example format", EXAMPLE_TRAFFIC_PATH.split(' ')),
  layout('v3-transit-gateway', "AWS's transit gateway example format (VPC fields)", EXAMPLE_TRANSIT_GATEWAY.split(' ')),
];

/** The standard layout of that name, or undefined. */
export function findLayout(name: string): StandardLayout | undefined {
  return STANDARD_LAYOUTS.find((l) => l.name === name.toLowerCase());
}

/** The standard layouts whose records have that many fields. */
export function layoutsWithFieldCount(count: number): StandardLayout[] {
  return STANDARD_LAYOUTS.filter((l) => l.format.fields.length === count);
}

/** A `--log-format` value: a standard layout's name (v5, tgw, …) or a format string (see parseFormatString). */
export function resolveLogFormat(text: string): LogFormat {
  return findLayout(text.trim())?.format ?? parseFormatString(text);
}
