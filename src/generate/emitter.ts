import type { FlowDraft, LineBuilders } from './record.js';
import { writeNumber, writeText } from './record.js';
import type { Random } from './random.js';

/** How generated lines are written: S3 text (header per object), CloudWatch messages, or CloudWatch event JSON. */
export type GenerateStyle = 's3' | 'cloudwatch' | 'cloudwatch-json';

const INITIAL_BYTES = 2 * 1024 * 1024;

/**
 * Collects generated lines as bytes and counts them; once `remaining` reaches zero further records are
 * dropped, so a time slice gets exactly its share even when a conversation is cut short.
 */
export class Emitter {
  records = 0;
  remaining = 0;
  /** Bytes collected so far. */
  length = 0;
  private buffer = Buffer.allocUnsafe(INITIAL_BYTES);
  private eventCounter = 0;
  private readonly reserve: number;

  constructor(
    private readonly builders: LineBuilders,
    private readonly style: GenerateStyle,
    private readonly eventRandom: Random,
  ) {
    this.reserve = builders.maxLineBytes + 256;
  }

  /** Writes a flow record (OK or NODATA/SKIPDATA, by its log status). */
  emit(record: FlowDraft): void {
    if (this.remaining <= 0) return;
    this.remaining--;
    this.records++;
    if (this.length + this.reserve > this.buffer.length) this.grow();
    const b = this.buffer;
    let p = this.length;
    const json = this.style === 'cloudwatch-json';
    if (json) p = this.eventPrefix(p, record.start);
    p = record.logStatus === 'OK' ? this.builders.ok(record, b, p) : this.builders.noData(record, b, p);
    if (json) {
      b[p++] = 34; // "
      b[p++] = 125; // }
    }
    b[p++] = 10;
    this.length = p;
  }

  /** Appends text (a header line) to the collected bytes. */
  append(text: string): void {
    while (this.length + text.length > this.buffer.length) this.grow();
    this.length = writeText(this.buffer, this.length, text);
  }

  /** Takes the collected bytes, leaving the emitter empty with a fresh buffer (the taken one may still be queued for writing). */
  take(): Buffer {
    const out = this.buffer.subarray(0, this.length);
    this.buffer = Buffer.allocUnsafe(this.buffer.length);
    this.length = 0;
    return out;
  }

  private grow(): void {
    const next = Buffer.allocUnsafe(this.buffer.length * 2);
    this.buffer.copy(next, 0, 0, this.length);
    this.buffer = next;
  }

  // A CloudWatch Logs event: a 56-digit decimal event id (ours unique by construction: a counter), the
  // event time in milliseconds, and the record line as its message.
  private eventPrefix(offset: number, start: number): number {
    const b = this.buffer;
    const timestamp = start * 1000;
    let p = writeText(b, offset, '{"eventId":"');
    p = writeDigits(b, p, timestamp, 16);
    p = writeDigits(b, p, this.eventCounter++, 20);
    p = writeDigits(b, p, this.eventRandom.uint32(), 10);
    p = writeDigits(b, p, this.eventRandom.uint32(), 10);
    p = writeText(b, p, '","timestamp":');
    p = writeNumber(b, p, timestamp);
    return writeText(b, p, ',"message":"');
  }
}

function writeDigits(buffer: Uint8Array, offset: number, value: number, width: number): number {
  let v = value;
  for (let i = offset + width - 1; i >= offset; i--) {
    buffer[i] = 48 + (v % 10);
    v = Math.floor(v / 10);
  }
  return offset + width;
}
