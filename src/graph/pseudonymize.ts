import { createCipheriv, createHmac, hkdfSync } from 'node:crypto';
import type { Cipher } from 'node:crypto';
import { addressToBigInt } from '../records/index.js';
import { bigIntToAddress, IPV4_MAPPED_BASE, isMappedIPv4 } from './address-text.js';

/**
 * Keyed, prefix-preserving address pseudonymization (Crypto-PAn: Xu, Fan, Ammar, Moon 2002): bit i of the
 * output is bit i of the input XOR one bit of AES(key, the input's first i bits + a secret pad), so two
 * addresses sharing a k-bit prefix map to pseudonyms sharing exactly a k-bit prefix. IPv4 stays IPv4.
 * Without the key the mapping can't be computed or reversed; with it, `reveal` inverts it.
 */
export interface Pseudonymizer {
  /** The pseudonym of an IPv4/IPv6 address text; text that is not an address is returned unchanged. */
  address(text: string): string;
  /** The pseudonym of a 128-bit address number (IPv4-mapped numbers stay IPv4-mapped). */
  value(value: bigint): bigint;
  /** Pseudonyms of many address numbers at once (one AES pass). */
  values(values: readonly bigint[]): bigint[];
  /** The original of a pseudonym (needs the key). */
  reveal(value: bigint): bigint;
  /** A keyed, consistent token for an identifier such as an ENI id (`eni-…` keeps its prefix). */
  token(id: string): string;
}

/** Creates a pseudonymizer from a secret key (any text; derived into AES and HMAC keys with HKDF-SHA256). */
export function createPseudonymizer(secret: string | Uint8Array): Pseudonymizer {
  if (secret.length === 0) throw new Error('the pseudonymization key is empty');
  const material = Buffer.from(hkdfSync('sha256', secret, 'flowlens', 'crypto-pan+token', 48));
  const cipher = createCipheriv('aes-128-ecb', material.subarray(0, 16), null).setAutoPadding(false);
  const pad = bufferToBigInt(cipher.update(material.subarray(16, 32)));
  const tokenKey = material.subarray(32, 48);
  const cache = new Map<bigint, bigint>();
  const values = (input: readonly bigint[]): bigint[] => {
    const missing = [...new Set(input.filter((v) => !cache.has(v)))];
    const computed = cryptoPan(cipher, pad, missing);
    missing.forEach((v, i) => cache.set(v, computed[i] as bigint));
    return input.map((v) => cache.get(v) as bigint);
  };
  const value = (v: bigint): bigint => values([v])[0] as bigint;
  return {
    value,
    values,
    address(text) {
      const number = addressToBigInt(text);
      return number === null ? text : bigIntToAddress(value(number));
    },
    reveal: (v) => reveal(cipher, pad, v),
    token(id) {
      const digest = createHmac('sha256', tokenKey).update(id).digest('hex');
      const dash = id.indexOf('-');
      return dash > 0 && dash < 8 ? `${id.slice(0, dash + 1)}${digest.slice(0, 17)}` : digest.slice(0, 17);
    },
  };
}

const V4_BITS = 32;
const V6_BITS = 128;

function cryptoPan(cipher: Cipher, pad: bigint, input: readonly bigint[]): bigint[] {
  if (input.length === 0) return [];
  // All blocks of all addresses go through AES in one call: block i of an address depends only on its own first i bits.
  const blocks: Buffer[] = [];
  for (const value of input) {
    const [bits, original] = familyOf(value);
    for (let i = 0; i < bits; i++) blocks.push(blockFor(original, bits, i, pad));
  }
  const encrypted = cipher.update(Buffer.concat(blocks));
  let offset = 0;
  return input.map((value) => {
    const [bits, original] = familyOf(value);
    let flips = 0n;
    for (let i = 0; i < bits; i++, offset += 16) {
      if (((encrypted[offset] as number) & 0x80) !== 0) flips |= 1n << BigInt(bits - 1 - i);
    }
    const result = original ^ flips;
    return bits === V4_BITS ? IPV4_MAPPED_BASE + result : result;
  });
}

function reveal(cipher: Cipher, pad: bigint, value: bigint): bigint {
  const [bits, pseudo] = familyOf(value);
  let original = 0n;
  for (let i = 0; i < bits; i++) {
    const bitMask = 1n << BigInt(bits - 1 - i);
    const flip = ((cipher.update(blockFor(original, bits, i, pad))[0] as number) & 0x80) !== 0;
    const bit = ((pseudo & bitMask) !== 0n) !== flip;
    if (bit) original |= bitMask;
  }
  return bits === V4_BITS ? IPV4_MAPPED_BASE + original : original;
}

function familyOf(value: bigint): [number, bigint] {
  return isMappedIPv4(value) ? [V4_BITS, value - IPV4_MAPPED_BASE] : [V6_BITS, value];
}

/** The AES input for bit i: the address's first i bits, then the pad's bits from i on (the pad's 128 bits align with the address's first bits). */
function blockFor(original: bigint, bits: number, i: number, pad: bigint): Buffer {
  if (bits === V4_BITS) return blockForV4(Number(original), i, pad);
  const shift = BigInt(V6_BITS - bits);
  const keep = i === 0 ? 0n : ((1n << BigInt(i)) - 1n) << BigInt(bits - i);
  const prefix = (original & keep) << shift;
  const padMask = ((1n << 128n) - 1n) >> BigInt(i);
  return bigIntToBuffer(prefix | (pad & padMask));
}

const padBuffers = new Map<bigint, Buffer>();

function blockForV4(original: number, i: number, pad: bigint): Buffer {
  let padBuffer = padBuffers.get(pad);
  if (!padBuffer) padBuffers.set(pad, (padBuffer = bigIntToBuffer(pad)));
  const block = Buffer.from(padBuffer);
  const keep = i === 0 ? 0 : (0xffffffff << (V4_BITS - i)) >>> 0;
  block.writeUInt32BE(((original & keep) | (block.readUInt32BE(0) & ~keep)) >>> 0, 0);
  return block;
}

function bufferToBigInt(buffer: Buffer): bigint {
  return BigInt(`0x${buffer.toString('hex')}`);
}

function bigIntToBuffer(value: bigint): Buffer {
  return Buffer.from(value.toString(16).padStart(32, '0'), 'hex');
}
