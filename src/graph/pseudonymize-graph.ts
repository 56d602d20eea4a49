import { bigIntToAddress, parseCidr, renderCidr } from './address-text.js';
import type { ParsedCidr } from './address-text.js';
import type { Pseudonymizer } from './pseudonymize.js';
import type { NodeKind } from './types.js';

/** The pseudonym of a node id of the given kind: addresses, address:port and subnets prefix-preserved, ENIs tokenized, names unchanged. */
export function pseudonymizeNodeId(id: string, kind: NodeKind, pseudonymizer: Pseudonymizer): string {
  switch (kind) {
    case 'address':
      return pseudonymizer.address(id);
    case 'endpoint': {
      const match = /^\[?(.+?)\]?:(\d+)$/.exec(id);
      if (!match) return pseudonymizer.address(id);
      const address = pseudonymizer.address(match[1] ?? '');
      return address.includes(':') ? `[${address}]:${match[2]}` : `${address}:${match[2]}`;
    }
    case 'subnet': {
      const cidr = parseCidr(id);
      if (!cidr) return id;
      // The pseudonym of the network address, cut to the prefix: every host of the subnet maps into it.
      const pseudo = parseCidr(`${bigIntToAddress(pseudonymizer.value(cidr.network))}/${cidr.prefix}`);
      return pseudo ? renderCidr(pseudo) : id;
    }
    case 'eni':
      return pseudonymizer.token(id);
    default:
      return id;
  }
}

/** The original of a pseudonymized address, address:port or subnet node id (needs the key); other ids are returned as they are. */
export function revealNodeId(id: string, pseudonymizer: Pseudonymizer): string {
  const endpoint = /^\[?([0-9a-f.:]+?)\]?:(\d+)$/i.exec(id);
  if (endpoint && parseCidr(endpoint[1] ?? '')) {
    const address = bigIntToAddress(pseudonymizer.reveal((parseCidr(endpoint[1] ?? '') as ParsedCidr).network));
    return address.includes(':') ? `[${address}]:${endpoint[2]}` : `${address}:${endpoint[2]}`;
  }
  const cidr = parseCidr(id);
  if (!cidr) return id;
  const width = cidr.v4 ? 32 : 128;
  const hostMask = (1n << BigInt(width - cidr.prefix)) - 1n;
  const original = { ...cidr, network: pseudonymizer.reveal(cidr.network) & ~hostMask };
  return id.includes('/') ? renderCidr(original) : bigIntToAddress(original.network);
}
