import { Readable } from 'node:stream';
import { createGunzip, gunzipSync } from 'node:zlib';
import { FlowlensError, SourceError } from '../records/index.js';

/** A batch of consecutive lines and the 1-based number of its first line. */
export interface LineBatch {
  readonly lines: readonly string[];
  readonly firstLine: number;
}

/** Options for reading lines: a name used in messages, and a callback counting raw bytes read. */
export interface ReadLinesOptions {
  name: string;
  onBytes?: ((bytes: number) => void) | undefined;
}

/** The most characters of one line readLineBatches keeps: the rest of a longer line is skipped and `…` marks the cut. */
export const MAX_LINE_CHARS = 1 << 20;

// Gzip input of at most this many bytes in one chunk is inflated at once, if its text fits WHOLE_TEXT_BYTES.
const WHOLE_GZIP_BYTES = 1024 * 1024;
const WHOLE_TEXT_BYTES = 32 * 1024 * 1024;

/**
 * Reads a text stream (gzip detected by its magic bytes) as batches of lines; a corrupt gzip throws SourceError after
 * the good lines. A line longer than MAX_LINE_CHARS is cut (it cannot be a record), so one huge line costs bounded
 * memory and time.
 */
export async function* readLineBatches(input: Readable, options: ReadLinesOptions): AsyncGenerator<LineBatch> {
  const stream = await maybeGunzip(input, options);
  const carry = new LineCarry();
  let lineNumber = 1;
  const decoder = new TextDecoder('utf-8');
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      const decoded = decoder.decode(chunk, { stream: true });
      // A chunk inside one long line is only kept (up to the cap), never joined and split again.
      if (!decoded.includes('\n')) {
        carry.add(decoded);
        continue;
      }
      // The rest of a line already cut is skipped up to its end.
      const lines = (carry.cut ? carry.take() + decoded.slice(decoded.indexOf('\n')) : carry.take() + decoded).split('\n');
      carry.add(lines.pop() ?? '');
      if (lines.length === 0) continue;
      stripCarriageReturns(lines);
      yield { lines, firstLine: lineNumber };
      lineNumber += lines.length;
    }
  } catch (error) {
    // A source that gave up on a transfer (S3 access denied, retries exhausted) fails the unit instead.
    if (error instanceof FlowlensError) throw error;
    // The partial last line is not a record: it goes with the error, never to the parser.
    throw new TruncatedInputError(options.name, lineNumber, carry.take(), error);
  }
  carry.add(decoder.decode());
  const rest = carry.take();
  if (rest.length > 0) {
    const lines = [rest];
    stripCarriageReturns(lines);
    yield { lines, firstLine: lineNumber };
  }
}

/**
 * The lines of a whole text held in memory, as readLineBatches would yield them from a one-chunk stream of it
 * (UTF-8 byte order mark dropped, `\r\n` accepted, an unterminated last line over MAX_LINE_CHARS cut), without the
 * stream machinery: for small objects read whole. `bytes` is text, not gzip; binary input is refused the same way.
 */
export function splitWholeText(bytes: Buffer, name: string): LineBatch | null {
  if (bytes.length > 0) refuseBinary(bytes, name);
  const lines = new TextDecoder('utf-8').decode(bytes).split('\n');
  const last = lines.pop() ?? '';
  if (last.length > 0) {
    const carry = new LineCarry();
    carry.add(last);
    lines.push(carry.take());
  }
  if (lines.length === 0) return null;
  stripCarriageReturns(lines);
  return { lines, firstLine: 1 };
}

/** The start of a line split over chunks, kept as parts up to MAX_LINE_CHARS (then cut, ending in `…`). */
class LineCarry {
  private parts: string[] = [];
  private length = 0;

  /** True once the line passed MAX_LINE_CHARS. */
  get cut(): boolean {
    return this.length > MAX_LINE_CHARS;
  }

  add(text: string): void {
    if (text.length === 0) return;
    if (this.length < MAX_LINE_CHARS) this.parts.push(text.length + this.length > MAX_LINE_CHARS ? text.slice(0, MAX_LINE_CHARS - this.length) : text);
    this.length += text.length;
  }

  take(): string {
    const text = this.parts.join('');
    const cut = this.length > MAX_LINE_CHARS;
    this.parts = [];
    this.length = 0;
    return cut ? `${text}…` : text;
  }
}

/** A block of complete lines as bytes (the last may lack its newline at the end of input) and the number of its first line. */
export interface ByteBatch {
  readonly bytes: Buffer;
  readonly firstLine: number;
}

/**
 * Reads a text stream (gzip detected by its magic bytes) as blocks of complete lines, as bytes, for
 * decoders that test lines without making strings; errors as readLineBatches (the partial last line
 * goes with the TruncatedInputError, never to the parser).
 */
export async function* readByteBatches(input: Readable, options: ReadLinesOptions): AsyncGenerator<ByteBatch> {
  const stream = await maybeGunzip(input, options);
  let carry: Buffer | null = null;
  let lineNumber = 1;
  let first = true;
  try {
    for await (const data of stream as AsyncIterable<Buffer>) {
      let chunk = data;
      if (first) {
        first = false;
        // A UTF-8 byte order mark is dropped, as TextDecoder does on the string path.
        if (chunk.length >= 3 && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) chunk = chunk.subarray(3);
      }
      if (carry) {
        // Only the line split between chunks is copied; the rest of the chunk is passed on as it is.
        const end = chunk.indexOf(10);
        if (end < 0) {
          carry = Buffer.concat([carry, chunk]);
          continue;
        }
        yield { bytes: Buffer.concat([carry, chunk.subarray(0, end + 1)]), firstLine: lineNumber };
        lineNumber++;
        carry = null;
        chunk = chunk.subarray(end + 1);
      }
      const last = chunk.lastIndexOf(10);
      if (last < 0) {
        carry = chunk.length > 0 ? chunk : null;
        continue;
      }
      const bytes = chunk.subarray(0, last + 1);
      carry = last + 1 < chunk.length ? chunk.subarray(last + 1) : null;
      yield { bytes, firstLine: lineNumber };
      lineNumber += countNewlines(bytes);
    }
  } catch (error) {
    if (error instanceof FlowlensError) throw error;
    throw new TruncatedInputError(options.name, lineNumber, carry ? carry.toString('utf8') : '', error);
  }
  if (carry && carry.length > 0) yield { bytes: carry, firstLine: lineNumber };
}

function countNewlines(bytes: Buffer): number {
  let count = 0;
  for (let i = bytes.indexOf(10); i >= 0; i = bytes.indexOf(10, i + 1)) count++;
  return count;
}

async function maybeGunzip(input: Readable, options: ReadLinesOptions): Promise<Readable> {
  const iterator = input[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>;
  const first = await iterator.next();
  const head: Buffer | null = first.done ? null : Buffer.isBuffer(first.value) ? first.value : Buffer.from(first.value);
  const gzip = head !== null && head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
  if (head !== null && !gzip) refuseBinary(head, options.name);
  // A small object that arrives in one chunk is un-gzipped in place: the streaming inflater's thread-pool round
  // trips cost more than the inflate itself when thousands of small objects are read.
  let second: IteratorResult<Buffer | string> | null = null;
  let secondError: { error: unknown } | null = null;
  if (gzip && head.length <= WHOLE_GZIP_BYTES) {
    try {
      second = await iterator.next();
    } catch (error) {
      // Raised from the replay after the first chunk, where the line reader reports a broken input.
      secondError = { error };
    }
    if (second?.done) {
      const whole = inflateWhole(head);
      if (whole) {
        options.onBytes?.(head.length);
        return Readable.from([whole], { objectMode: false });
      }
    }
  }
  const replay = Readable.from(
    (async function* () {
      if (head) {
        options.onBytes?.(head.length);
        yield head;
      }
      if (secondError) throw secondError.error;
      if (second && !second.done) {
        const buffer = Buffer.isBuffer(second.value) ? second.value : Buffer.from(second.value);
        options.onBytes?.(buffer.length);
        yield buffer;
      }
      if (second?.done) return;
      for (;;) {
        const next = await iterator.next();
        if (next.done) return;
        const buffer = Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value);
        options.onBytes?.(buffer.length);
        yield buffer;
      }
    })(),
    { objectMode: false },
  );
  if (gzip) {
    // A small object gets a small output buffer: 256 KiB per object is garbage to collect when thousands are read.
    const gunzip = createGunzip({ chunkSize: head.length < 64 * 1024 ? 64 * 1024 : 256 * 1024 });
    replay.on('error', (error) => gunzip.destroy(error));
    return replay.pipe(gunzip);
  }
  return replay;
}

// The inflated text of a whole gzip member, or null when it is corrupt, truncated or inflates beyond
// WHOLE_TEXT_BYTES: the streaming path then reports where it breaks, after the good lines, with bounded memory.
function inflateWhole(bytes: Buffer): Buffer | null {
  try {
    return gunzipSync(bytes, { maxOutputLength: WHOLE_TEXT_BYTES });
  } catch {
    return null;
  }
}

function stripCarriageReturns(lines: string[]): void {
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line.length > 0 && line.charCodeAt(line.length - 1) === 13) lines[i] = line.slice(0, -1);
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A stream that broke mid-way (truncated gzip, reset connection): where it broke and the partial line. */
export class TruncatedInputError extends SourceError {
  constructor(
    name: string,
    readonly line: number,
    readonly partialLine: string,
    cause: unknown,
  ) {
    super('corrupt-input', `${name}: input breaks at line ${line}: ${describe(cause)}`, {
      hint: 'the file is truncated or not valid gzip; the complete lines before this point were read',
      cause,
    });
  }
}

// Bytes at the start of a text log that cannot be text: a NUL (log lines never hold one) in the first 8 KiB.
const BINARY_SNIFF_BYTES = 8 * 1024;

/** Refuses input that is binary, not text (a DuckDB database, an image, an archive): it would only make bad lines. */
function refuseBinary(head: Buffer, name: string): void {
  if (!head.subarray(0, BINARY_SNIFF_BYTES).includes(0)) return;
  // A DuckDB database file has "DUCK" at byte 8.
  const database = head.length >= 12 && head.toString('latin1', 8, 12) === 'DUCK';
  throw new SourceError('binary-input', `${name}: ${database ? 'is a DuckDB database' : 'is binary data'}, not a text log`, {
    hint: database
      ? `query a database with --db ${name} (SOURCE arguments are log files, folders or URIs)`
      : 'flow logs are text (.log, .log.gz), Parquet or CloudWatch JSON exports; leave this file out',
  });
}
