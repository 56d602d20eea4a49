import { UsageError } from '../records/index.js';
import type { NodeMode } from './types.js';

/** The node modes `--node` accepts, for help texts. */
export const NODE_MODE_HELP = 'ip | ip-port | eni | subnet/NN (IPv4 prefix; IPv6 uses /64, or subnet/NN/MM) | name | asn | country | service (public ends by AS, country or AWS service; flowlens enrich)';

/** Parses a `--node` value: `ip`, `ip-port`, `eni`, `name`, `asn`, `country`, `service`, `subnet` (= /24), `subnet/NN` or `subnet/NN/MM`. */
export function parseNodeMode(text: string): NodeMode {
  const value = text.trim().toLowerCase();
  if (value === 'ip' || value === 'ip-port' || value === 'eni' || value === 'name' || value === 'asn' || value === 'country' || value === 'service') return { kind: value };
  const subnet = /^subnet(?:\/(\d{1,2}))?(?:\/(\d{1,3}))?$/.exec(value);
  if (subnet) {
    const prefix = subnet[1] === undefined ? 24 : Number(subnet[1]);
    const prefix6 = subnet[2] === undefined ? 64 : Number(subnet[2]);
    if (prefix <= 32 && prefix6 <= 128) return { kind: 'subnet', prefix, prefix6 };
  }
  throw new UsageError(`--node "${text}" is not a node mode`, { hint: `use ${NODE_MODE_HELP}` });
}

/** Renders a node mode back to its `--node` text. */
export function nodeModeText(mode: NodeMode): string {
  return mode.kind === 'subnet' ? `subnet/${mode.prefix}${mode.prefix6 === 64 ? '' : `/${mode.prefix6}`}` : mode.kind;
}

/** The enrichment range table a node mode groups public addresses by, if any (the store must hold it). */
export function nodeModeEnrichment(mode: NodeMode | undefined): 'asn' | 'country' | 'aws' | undefined {
  if (mode?.kind === 'asn' || mode?.kind === 'country') return mode.kind;
  return mode?.kind === 'service' ? 'aws' : undefined;
}
