import { UsageError } from '../records/index.js';
import type { EdgeWeight, PublicMode } from './types.js';

const PROTOCOL_NUMBERS: Record<string, number> = { icmp: 1, tcp: 6, udp: 17, gre: 47, esp: 50, icmpv6: 58, sctp: 132 };

/** Parses a protocol list (`tcp,udp`, `6`, `icmp`) to IANA protocol numbers. */
export function parseProtocols(text: string, option = '--protocol'): number[] {
  return splitValues(text).map((value) => {
    const known = PROTOCOL_NUMBERS[value.toLowerCase()];
    if (known !== undefined) return known;
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0 || n > 255) {
      throw new UsageError(`${option} "${value}" is not a protocol`, { hint: 'use tcp, udp, icmp, icmpv6 or an IANA protocol number 0–255' });
    }
    return n;
  });
}

/** Parses a port list (`443`, `22,3389`). */
export function parsePorts(text: string, option = '--port'): number[] {
  return splitValues(text).map((value) => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || n > 65535) throw new UsageError(`${option} "${value}" is not a port`, { hint: 'use numbers 0–65535, comma-separated' });
    return n;
  });
}

/** Parses a non-negative number option (thresholds). */
export function parseThreshold(text: string, option: string): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n < 0) throw new UsageError(`${option} "${text}" is not a non-negative number`);
  return n;
}

/** Parses a positive integer option such as --top. */
export function parseCount(text: string, option: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || n <= 0) throw new UsageError(`${option} "${text}" is not a positive integer`);
  return n;
}

/** Checks an edge weight name. */
export function parseWeight(text: string): EdgeWeight {
  if (text === 'flows' || text === 'bytes' || text === 'packets') return text;
  throw new UsageError(`--weight "${text}" is not flows, bytes or packets`);
}

/** Checks a public-address mode. */
export function parsePublicMode(text: string): PublicMode {
  if (text === 'keep' || text === 'group') return text;
  throw new UsageError(`--public "${text}" is not keep or group`, { hint: 'group puts every public address into one "internet" node' });
}

function splitValues(text: string): string[] {
  return text.split(',').map((v) => v.trim()).filter((v) => v.length > 0);
}
