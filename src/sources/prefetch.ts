import { PassThrough } from 'node:stream';
import type { Readable } from 'node:stream';

/** A stream started ahead of its consumer: data flows into a bounded buffer until `take()` hands it over. */
export class PrefetchedStream {
  private readonly buffer: PassThrough;
  private error: Error | undefined;
  private taken = false;

  /** Starts reading `input` into a buffer of at most about `maxBytes`; backpressure pauses the transfer beyond that. */
  constructor(
    private readonly input: Readable,
    maxBytes: number,
  ) {
    this.buffer = new PassThrough({ highWaterMark: maxBytes });
    input.on('error', (error) => {
      // Before take() nobody listens on the buffer: keep the error and raise it there instead.
      if (this.taken) this.buffer.destroy(error);
      else this.error = error;
    });
    input.pipe(this.buffer);
  }

  /** Hands the stream to its consumer; rejects with the error the transfer already met, if any. */
  async take(): Promise<Readable> {
    this.taken = true;
    if (this.error) throw this.error;
    return this.buffer;
  }

  /** Stops the transfer of a stream nobody will take. */
  cancel(): void {
    if (this.taken) return;
    this.input.destroy();
    this.buffer.destroy();
  }
}

/**
 * Yields items in order while keeping up to `depth` of them started ahead: `start` is called on the
 * next items as soon as the consumer asks for one, and `cancel` on those never consumed.
 */
export async function* withReadAhead<T>(
  items: AsyncIterable<T>,
  depth: number,
  start: (item: T) => Promise<void> | void,
  cancel: (item: T) => void,
): AsyncGenerator<T> {
  const iterator = items[Symbol.asyncIterator]();
  const queue: T[] = [];
  let exhausted = false;
  try {
    for (;;) {
      while (!exhausted && queue.length < Math.max(1, depth)) {
        const next = await iterator.next();
        if (next.done) exhausted = true;
        else {
          queue.push(next.value);
          await start(next.value);
        }
      }
      const item = queue.shift();
      if (item === undefined) return;
      yield item;
    }
  } finally {
    for (const item of queue) cancel(item);
    await iterator.return?.();
  }
}
