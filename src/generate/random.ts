/**
 * A small, fast, seedable PRNG (sfc32, Chris Doty-Humphrey's Small Fast Counter) so that the same
 * seed always yields the same data on every platform; Math.random() cannot be seeded.
 */
export class Random {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /** Seeds the generator from any text or number (hashed with cyrb128, so nearby seeds diverge). */
  constructor(seed: string | number) {
    const [a, b, c, d] = hashSeed(String(seed));
    this.a = a;
    this.b = b;
    this.c = c;
    this.d = d;
    for (let i = 0; i < 15; i++) this.uint32();
  }

  /** A uniformly distributed unsigned 32-bit integer. */
  uint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** A float in [0, 1). */
  float(): number {
    return this.uint32() / 4294967296;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.float() * n);
  }

  /** An integer in [low, high], both inclusive. */
  range(low: number, high: number): number {
    return low + Math.floor(this.float() * (high - low + 1));
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.float() < p;
  }

  /** One element of a non-empty array, uniformly. */
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.float() * items.length)] as T;
  }

  /** A positive integer from a heavy-tailed (log-uniform) distribution in [low, high]: many small flows, a few large. */
  logRange(low: number, high: number): number {
    return Math.floor(low * Math.pow(high / low, this.float()));
  }

  /** A child generator with its own stream, derived from this one's seed and a label. */
  fork(label: string): Random {
    return new Random(`${this.uint32()}:${label}`);
  }
}

/** Picks indices by weight in O(log n) from precomputed cumulative weights. */
export class WeightedChoice<T> {
  private readonly cumulative: number[] = [];
  private readonly total: number;

  constructor(private readonly items: readonly (readonly [T, number])[]) {
    let sum = 0;
    for (const [, weight] of items) this.cumulative.push((sum += weight));
    this.total = sum;
  }

  /** Draws one item. */
  pick(random: Random): T {
    const x = random.float() * this.total;
    let low = 0;
    let high = this.cumulative.length - 1;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if ((this.cumulative[mid] as number) > x) high = mid;
      else low = mid + 1;
    }
    return (this.items[low] as readonly [T, number])[0];
  }
}

/** cyrb128: a fast 128-bit string hash used only to turn a seed into PRNG state. */
export function hashSeed(text: string): [number, number, number, number] {
  let h1 = 1779033703;
  let h2 = 3144134277;
  let h3 = 1013904242;
  let h4 = 2773480762;
  for (let i = 0; i < text.length; i++) {
    const k = text.charCodeAt(i);
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
  h1 ^= h2 ^ h3 ^ h4;
  h2 ^= h1;
  h3 ^= h1;
  h4 ^= h1;
  return [h1 >>> 0, h2 >>> 0, h3 >>> 0, h4 >>> 0];
}

/** Lower-case hex of a given length derived deterministically from a label (resource ids, file hashes). */
export function hexId(label: string, length: number): string {
  let out = '';
  let round = 0;
  while (out.length < length) {
    for (const word of hashSeed(`${label}#${round++}`)) out += word.toString(16).padStart(8, '0');
  }
  return out.slice(0, length);
}
