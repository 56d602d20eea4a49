import { addressToBigInt } from '../../src/records/index.js';

/** A value the MaxMind DB data section holds: text, an unsigned integer, or a map. */
export type MmdbValue = string | number | { [key: string]: MmdbValue };

/** One network of a test database: CIDR (IPv4 or IPv6) and its record. */
export interface MmdbNetwork {
  cidr: string;
  data: { [key: string]: MmdbValue };
}

type Child = { node: number } | { data: number } | null;

/**
 * Writes a small MaxMind DB (format 2.0, IPv6 tree, 24-bit records) as the MaxMind DB File Format Specification
 * describes: IPv4 networks under ::/96 with ::ffff:0:0/96 aliased to them, as MaxMind's own databases do.
 */
export function writeMmdb(networks: readonly MmdbNetwork[], databaseType = 'Test-Database'): Buffer {
  const nodes: [Child, Child][] = [[null, null]];
  const data: Buffer[] = [];
  let dataSize = 0;
  const offsets = new Map<object, number>();
  const dataOffset = (value: MmdbNetwork['data']): number => {
    const known = offsets.get(value);
    if (known !== undefined) return known;
    const bytes = encode(value);
    offsets.set(value, dataSize);
    data.push(bytes);
    dataSize += bytes.length;
    return dataSize - bytes.length;
  };
  const bitAt = (value: bigint, i: number): 0 | 1 => ((value >> BigInt(127 - i)) & 1n ? 1 : 0);
  for (const network of networks) {
    const [text, prefixText] = network.cidr.split('/');
    const number = addressToBigInt(text ?? '');
    if (number === null) throw new Error(`bad CIDR ${network.cidr}`);
    const v4 = !text!.includes(':');
    const address = v4 ? number - 0xffff00000000n : number;
    const depth = Number(prefixText) + (v4 ? 96 : 0);
    const offset = dataOffset(network.data);
    let node = 0;
    for (let i = 0; i < depth; i++) {
      const bit = bitAt(address, i);
      if (i === depth - 1) {
        nodes[node]![bit] = { data: offset };
        break;
      }
      const child = nodes[node]![bit];
      if (child && 'node' in child) node = child.node;
      else {
        nodes.push([child, child]);
        nodes[node]![bit] = { node: nodes.length - 1 };
        node = nodes.length - 1;
      }
    }
  }
  // ::ffff:0:0/96 → the node at ::/96 (the IPv4 root).
  let v4Root = 0;
  for (let i = 0; i < 96; i++) {
    const child = nodes[v4Root]![0];
    if (!child || !('node' in child)) throw new Error('no IPv4 networks to alias');
    v4Root = child.node;
  }
  const mapped = 0xffff00000000n << 0n;
  let node = 0;
  for (let i = 0; i < 96; i++) {
    const bit = bitAt(mapped, i);
    if (i === 95) {
      nodes[node]![bit] = { node: v4Root };
      break;
    }
    const child = nodes[node]![bit];
    if (child && 'node' in child) node = child.node;
    else {
      nodes.push([child, child]);
      nodes[node]![bit] = { node: nodes.length - 1 };
      node = nodes.length - 1;
    }
  }
  const nodeCount = nodes.length;
  const tree = Buffer.alloc(nodeCount * 6);
  const recordValue = (child: Child): number => (child === null ? nodeCount : 'node' in child ? child.node : nodeCount + 16 + child.data);
  nodes.forEach(([left, right], i) => {
    tree.writeUIntBE(recordValue(left), i * 6, 3);
    tree.writeUIntBE(recordValue(right), i * 6 + 3, 3);
  });
  const metadata = Buffer.concat([
    control(7, 9),
    ...pair('node_count', encodeUint(6, nodeCount)),
    ...pair('record_size', encodeUint(5, 24)),
    ...pair('ip_version', encodeUint(5, 6)),
    ...pair('database_type', encode(databaseType)),
    ...pair('languages', Buffer.from([0x00, 0x04])),
    ...pair('binary_format_major_version', encodeUint(5, 2)),
    ...pair('binary_format_minor_version', encodeUint(5, 0)),
    ...pair('build_epoch', Buffer.concat([Buffer.from([0x04, 0x02]), uintBytes(1_700_000_000)])),
    ...pair('description', encode({ en: 'flowlens test database' })),
  ]);
  return Buffer.concat([tree, Buffer.alloc(16), ...data, Buffer.from('ABCDEF4D61784D696E642E636F6D', 'hex'), metadata]);
}

function pair(key: string, value: Buffer): Buffer[] {
  return [encode(key), value];
}

function encode(value: MmdbValue): Buffer {
  if (typeof value === 'string') {
    const bytes = Buffer.from(value, 'utf8');
    return Buffer.concat([control(2, bytes.length), bytes]);
  }
  if (typeof value === 'number') return encodeUint(6, value);
  const entries = Object.entries(value);
  return Buffer.concat([control(7, entries.length), ...entries.flatMap(([k, v]) => [encode(k), encode(v)])]);
}

function encodeUint(type: 5 | 6, value: number): Buffer {
  const bytes = uintBytes(value);
  return Buffer.concat([control(type, bytes.length), bytes]);
}

function uintBytes(value: number): Buffer {
  const bytes: number[] = [];
  for (let v = value; v > 0; v = Math.floor(v / 256)) bytes.unshift(v % 256);
  return Buffer.from(bytes);
}

function control(type: number, size: number): Buffer {
  if (size >= 285) throw new Error('test values must be shorter than 285 bytes');
  return size < 29 ? Buffer.from([(type << 5) | size]) : Buffer.from([(type << 5) | 29, size - 29]);
}
