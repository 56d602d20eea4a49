import { UsageError } from '../records/index.js';
import type { LogFormat } from '../parse/index.js';
import type { InterfaceModel, VpcModel } from './model.js';

/** One flow record being generated: a mutable struct reused for every line, so generating allocates only strings. */
export class FlowDraft {
  srcaddr = '';
  dstaddr = '';
  srcport = 0;
  dstport = 0;
  protocol = 6;
  packets = 0;
  bytes = 0;
  start = 0;
  end = 0;
  action = 'ACCEPT';
  logStatus = 'OK';
  tcpFlags = 0;
  type = 'IPv4';
  pktSrcaddr = '';
  pktDstaddr = '';
  pktSrcAwsService = '-';
  pktDstAwsService = '-';
  flowDirection = 'ingress';
  trafficPath = '-';
  encryptionStatus = 0;
  nextHop: InterfaceModel | null = null;

  constructor(public eni: InterfaceModel) {}
}

/** Writes a draft as one line of a format (no newline) into `buffer` at `offset`; returns the new offset. */
export type LineBuilder = (record: FlowDraft, buffer: Uint8Array, offset: number) => number;

/** Line builders for a format: one for OK records and one for NODATA/SKIPDATA records (flow fields `-`). */
export interface LineBuilders {
  readonly ok: LineBuilder;
  readonly noData: LineBuilder;
  /** The version AWS writes: the highest version among the format's fields. */
  readonly version: number;
  /** An upper bound of a line's length in bytes. */
  readonly maxLineBytes: number;
}

type FieldSpec = { expr: string | null; number?: boolean; flow?: boolean };

// How each field is rendered, as a JS expression over `r` (the draft) and `e` (its interface). `null` means
// AWS writes `-` in this simulation: no ECS tasks, no sublocations, no Block Public Access rejects.
// Flow fields (flow: true) are `-` in NODATA/SKIPDATA records, as in AWS's examples.
const FIELD_EXPRESSIONS: Record<string, FieldSpec> = {
  'account-id': { expr: 'm.accountId' },
  'interface-id': { expr: 'e.id' },
  srcaddr: { expr: 'r.srcaddr', flow: true },
  dstaddr: { expr: 'r.dstaddr', flow: true },
  srcport: { expr: 'r.srcport', number: true, flow: true },
  dstport: { expr: 'r.dstport', number: true, flow: true },
  protocol: { expr: 'r.protocol', number: true, flow: true },
  packets: { expr: 'r.packets', number: true, flow: true },
  bytes: { expr: 'r.bytes', number: true, flow: true },
  start: { expr: 'r.start', number: true },
  end: { expr: 'r.end', number: true },
  action: { expr: 'r.action', flow: true },
  'log-status': { expr: 'r.logStatus' },
  'vpc-id': { expr: 'm.vpcId' },
  'subnet-id': { expr: 'e.subnetId' },
  'instance-id': { expr: 'e.instanceId' },
  'tcp-flags': { expr: 'r.tcpFlags', number: true, flow: true },
  type: { expr: 'r.type', flow: true },
  'pkt-srcaddr': { expr: 'r.pktSrcaddr', flow: true },
  'pkt-dstaddr': { expr: 'r.pktDstaddr', flow: true },
  region: { expr: 'm.region' },
  'az-id': { expr: 'e.azId' },
  'sublocation-type': { expr: null },
  'sublocation-id': { expr: null },
  'pkt-src-aws-service': { expr: 'r.pktSrcAwsService', flow: true },
  'pkt-dst-aws-service': { expr: 'r.pktDstAwsService', flow: true },
  'flow-direction': { expr: 'r.flowDirection', flow: true },
  'traffic-path': { expr: 'r.trafficPath', flow: true },
  'reject-reason': { expr: null },
  'resource-id': { expr: null },
  'encryption-status': { expr: 'r.encryptionStatus', number: true, flow: true },
  'instance-tag': { expr: 'e.instanceTag' },
  'instance-tag-2': { expr: 'e.instanceTag2' },
  'interface-tag': { expr: 'e.interfaceTag' },
  'interface-tag-2': { expr: null },
  'asg-tag': { expr: 'e.asgTag' },
  'asg-tag-2': { expr: null },
  'interface-type': { expr: 'e.interfaceType' },
  'next-hop-interface-id': { expr: "(r.nextHop === null ? '-' : r.nextHop.id)", flow: true },
  'next-hop-subnet-id': { expr: "(r.nextHop === null ? '-' : r.nextHop.subnetId)", flow: true },
  'next-hop-az-id': { expr: "(r.nextHop === null ? '-' : r.nextHop.azId)", flow: true },
  'next-hop-vpc-id': { expr: "(r.nextHop === null ? '-' : m.vpcId)", flow: true },
  'next-hop-interface-type': { expr: "(r.nextHop === null ? '-' : r.nextHop.interfaceType)", flow: true },
};

// Widest value of a variable field: an IPv6 address (39), an ENI/subnet id (24), a safe integer (16).
const MAX_FIELD_BYTES = 64;

/**
 * Compiles a format into line builders that write ASCII bytes straight into a buffer. The builder is
 * generated code (constants folded, one call per variable field) because building each line as a JS
 * string made the garbage collector the bottleneck; the code is assembled only from the fixed
 * expressions above, never from user text.
 */
export function compileLineBuilders(format: LogFormat, model: VpcModel): LineBuilders {
  const version = Math.max(...format.fields.map((f) => f.version));
  const constants: Record<string, string> = { 'm.accountId': model.accountId, 'm.vpcId': model.vpcId, 'm.region': model.region };
  const build = (noData: boolean): LineBuilder => {
    const parts: Part[] = format.fields.map((field) => {
      if (field.name === 'version') return { constant: String(version) };
      if (field.name.startsWith('ecs-')) return { constant: '-' };
      const spec = FIELD_EXPRESSIONS[field.name];
      if (!spec) {
        throw new UsageError(`the generator cannot write field "${field.name}": it is a transit gateway field`, {
          hint: 'flowlens generate writes VPC flow logs; use VPC fields (flowlens fields lists them)',
        });
      }
      if (spec.expr === null || (noData && spec.flow)) return { constant: '-' };
      const constant = constants[spec.expr];
      if (constant !== undefined) return { constant };
      return { expr: spec.expr, number: spec.number ?? false };
    });
    const body = compileParts(parts);
    const factory = new Function('writeText', 'writeNumber', `return function line(r, b, p) { const e = r.eni; ${body} return p; };`);
    return factory(writeText, writeNumber) as LineBuilder;
  };
  return { ok: build(false), noData: build(true), version, maxLineBytes: format.fields.length * MAX_FIELD_BYTES };
}

/** Writes an ASCII string at `offset`; returns the new offset. */
export function writeText(buffer: Uint8Array, offset: number, text: string): number {
  for (let i = 0; i < text.length; i++) buffer[offset++] = text.charCodeAt(i);
  return offset;
}

/** Writes a non-negative integer in decimal at `offset`; returns the new offset. */
export function writeNumber(buffer: Uint8Array, offset: number, value: number): number {
  if (value < 10) {
    buffer[offset] = 48 + value;
    return offset + 1;
  }
  if (value > 0x7fffffff) return writeText(buffer, offset, String(value));
  // Integer division by |0 keeps this on V8's small-integer fast path (ports, counts, epoch seconds).
  const digits = value < 100 ? 2 : value < 1000 ? 3 : value < 10000 ? 4 : value < 100000 ? 5 : value < 1000000 ? 6 : value < 10000000 ? 7 : value < 100000000 ? 8 : value < 1000000000 ? 9 : 10;
  let v = value;
  for (let i = offset + digits - 1; i > offset; i--) {
    const q = (v / 10) | 0;
    buffer[i] = 48 + v - q * 10;
    v = q;
  }
  buffer[offset] = 48 + v;
  return offset + digits;
}

type Part = { constant: string } | { expr: string; number: boolean };

function compileParts(parts: readonly Part[]): string {
  const statements: string[] = [];
  let literal = '';
  parts.forEach((part, i) => {
    if (i > 0) literal += ' ';
    if ('constant' in part) {
      literal += part.constant;
      return;
    }
    if (literal.length === 1) statements.push(`b[p++] = ${literal.charCodeAt(0)};`);
    else if (literal) statements.push(`p = writeText(b, p, ${JSON.stringify(literal)});`);
    literal = '';
    statements.push(part.number ? `p = writeNumber(b, p, ${part.expr});` : `p = writeText(b, p, ${part.expr});`);
  });
  if (literal) statements.push(`p = writeText(b, p, ${JSON.stringify(literal)});`);
  return statements.join(' ');
}
