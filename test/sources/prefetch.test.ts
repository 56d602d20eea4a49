import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { PrefetchedStream, withReadAhead } from '../../src/sources/prefetch.js';

async function* numbers(n: number): AsyncGenerator<number> {
  for (let i = 0; i < n; i++) yield i;
}

describe('withReadAhead', () => {
  it('starts up to `depth` items ahead of the consumer, in order', async () => {
    const started: number[] = [];
    const seen: string[] = [];
    for await (const item of withReadAhead(
      numbers(5),
      3,
      (i) => void started.push(i),
      () => undefined,
    )) {
      seen.push(`${item}:${started.length}`);
    }
    expect(seen).toEqual(['0:3', '1:4', '2:5', '3:5', '4:5']);
  });

  it('cancels the started items nobody consumed when the consumer stops', async () => {
    const cancelled: number[] = [];
    for await (const item of withReadAhead(
      numbers(10),
      4,
      () => undefined,
      (i) => void cancelled.push(i),
    )) {
      if (item === 1) break;
    }
    expect(cancelled).toEqual([2, 3, 4]);
  });
});

describe('PrefetchedStream', () => {
  it('buffers at most about the limit before it is taken', async () => {
    let produced = 0;
    const input = new Readable({
      highWaterMark: 1024,
      read() {
        produced += 1024;
        this.push(produced > 1024 * 1024 ? null : Buffer.alloc(1024));
      },
    });
    const prefetched = new PrefetchedStream(input, 64 * 1024);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(produced).toBeLessThan(200 * 1024);
    let total = 0;
    for await (const chunk of await prefetched.take()) total += (chunk as Buffer).length;
    expect(total).toBe(1024 * 1024);
  });

  it('raises an error met before it was taken from take()', async () => {
    const input = new Readable({ read() {} });
    const prefetched = new PrefetchedStream(input, 1024);
    input.destroy(new Error('denied'));
    await new Promise((resolve) => setImmediate(resolve));
    await expect(prefetched.take()).rejects.toThrow('denied');
  });
});
