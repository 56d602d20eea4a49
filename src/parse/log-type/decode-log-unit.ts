import { Readable } from 'node:stream';
import { constants as zlibConstants, createGunzip, gunzipSync } from 'node:zlib';
import { SourceError } from '../../records/index.js';
import { CloudTrailDecoder } from '../cloudtrail/decoder.js';
import { decodeUnit } from '../decode-unit.js';
import type { BatchingRowSink, DecodableUnit, DecodeCounts, DecodeUnitOptions } from '../decode-unit.js';
import { readLineBatches, splitWholeText } from '../line-reader.js';
import { S3AccessDecoder } from '../s3-access/decoder.js';
import { detectLogType } from './detect.js';
import type { LogRowMeta, LogRowSink, LogTableType, LogTypeChoice, LogTypeName, LogValue } from './types.js';

/** A sink for every log type: flow rows go to `row`, S3 access and CloudTrail rows to `logRow`. */
export interface AnyLogSink extends BatchingRowSink {
  logRow(type: LogTableType, values: readonly LogValue[], meta: LogRowMeta): void;
}

/** Options of decodeLogUnit: the flow-log options plus the log type (or `auto`) and a detection callback. */
export interface DecodeLogUnitOptions extends DecodeUnitOptions {
  logType?: LogTypeChoice | undefined;
  /** Called once per unit with the type used (detected or chosen), before its rows. */
  onLogType?: ((type: LogTypeName) => void) | undefined;
}

/** A unit that may hand over its whole content at once (a small object already read ahead), sparing the streams. */
export interface WholeDecodableUnit extends DecodableUnit {
  /** The unit's whole bytes when it is small and already read (or being read) ahead; undefined to use open(). */
  readWhole?(): Promise<Buffer | undefined>;
}

/** Counts from decoding one unit, with the log type it was read as. */
export interface LogDecodeCounts extends DecodeCounts {
  logType: LogTypeName;
}

// Enough of a unit to see its first line, or a CloudTrail file's first keys.
const SNIFF_BYTES = 64 * 1024;
const SNIFF_GZIP_BYTES = 16 * 1024;
// The most text a whole small gzip object is inflated to at once (a larger one is streamed).
const WHOLE_TEXT_BYTES = 32 * 1024 * 1024;

/**
 * Decodes a unit of any log type. `vpc` units go through decodeUnit unchanged; otherwise the first bytes are
 * read (and un-gzipped) to detect the type when `logType` is `auto`, then replayed to the S3 access or
 * CloudTrail decoder. Parquet units are flow logs. A truncated or corrupt input becomes an issue.
 */
export async function decodeLogUnit(unit: WholeDecodableUnit, sink: AnyLogSink, options: DecodeLogUnitOptions = {}): Promise<LogDecodeCounts> {
  const choice = options.logType ?? 'vpc';
  if (choice === 'vpc' || unit.kind === 'parquet') {
    if (choice !== 'vpc' && choice !== 'auto') {
      throw new SourceError('log-type', `${unit.key}: Parquet files are read as VPC flow logs, not ${choice}`, { hint: 'leave --log-type out, or pass --log-type vpc' });
    }
    options.onLogType?.('vpc');
    return { ...(await decodeUnit(unit, sink, options)), logType: 'vpc' };
  }
  const whole = await unit.readWhole?.();
  const peeked = whole ? { head: whole, replay: Readable.from([whole], { objectMode: false }), complete: true } : await peek(await unit.open(), SNIFF_BYTES);
  const { head } = peeked;
  let replay = peeked.replay;
  // A whole small gzip object is inflated once, here: detection and the decoder both read the text.
  const text = peeked.complete ? inflateWhole(head) : null;
  if (text) {
    options.onBytes?.(head.length);
    replay = Readable.from([text], { objectMode: false });
    options = { ...options, onBytes: undefined };
  }
  const logType = choice === 'auto' ? detectLogType(text ? text.subarray(0, SNIFF_BYTES).toString('utf8') : sampleText(head)) : choice;
  options.onLogType?.(logType);
  const replayed: DecodableUnit = { key: unit.key, kind: 'text', open: async () => replay };
  const logSink: LogRowSink = { row: (type, values, meta) => sink.logRow(type, values, meta), issue: (issue) => sink.issue(issue) };
  switch (logType) {
    case 'vpc':
      return { ...(await decodeUnit(replayed, sink, options)), logType };
    case 's3-access': {
      const decoder = new S3AccessDecoder(logSink, unit.key);
      const plain = peeked.complete ? wholeText(text ?? head) : null;
      if (plain) {
        // A whole small object: its lines at once, as the line reader would give them.
        if (!text) options.onBytes?.(head.length);
        const batch = splitWholeText(plain, unit.key);
        if (batch) decoder.pushLines(batch.lines, batch.firstLine);
        await sink.afterBatch?.();
        return { records: decoder.records, bad: decoder.bad, headers: 0, logType };
      }
      const bad = await readLines(replay, unit.key, sink, options, (lines, first) => decoder.pushLines(lines, first));
      return { records: decoder.records, bad: decoder.bad + bad, headers: 0, logType };
    }
    case 'cloudtrail': {
      const decoder = new CloudTrailDecoder(logSink, unit.key);
      let bad = 0;
      try {
        // A whole small object is already text (inflated above when it was gzip).
        const plain = peeked.complete ? wholeText(text ?? head) : null;
        if (plain && !text) options.onBytes?.(head.length);
        decoder.pushText(plain ? plain.toString('utf8') : await readAllText(replay, options.onBytes));
      } catch (error) {
        bad++;
        sink.issue({ code: 'corrupt-input', file: unit.key, line: 1, message: `${unit.key}: cannot read the file: ${(error as Error).message}`, text: '' });
      }
      await sink.afterBatch?.();
      return { records: decoder.records, bad: decoder.bad + bad, headers: 0, logType };
    }
  }
}

async function readLines(
  input: Readable,
  key: string,
  sink: AnyLogSink,
  options: DecodeUnitOptions,
  push: (lines: readonly string[], firstLine: number) => void,
): Promise<number> {
  let lastLine = 0;
  try {
    for await (const batch of readLineBatches(input, { name: key, onBytes: options.onBytes })) {
      push(batch.lines, batch.firstLine);
      lastLine = batch.firstLine + batch.lines.length - 1;
      await sink.afterBatch?.();
    }
  } catch (error) {
    if (!(error instanceof SourceError) || error.code !== 'corrupt-input') throw error;
    sink.issue({ code: 'corrupt-input', file: key, line: lastLine + 1, message: `${error.message} (${error.hint ?? ''})`, text: '' });
    await sink.afterBatch?.();
    return 1;
  }
  await sink.afterBatch?.();
  return 0;
}

// A whole unit's bytes when they are text (not gzip: one that did not inflate goes the streaming way, to be reported).
function wholeText(bytes: Buffer): Buffer | null {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b ? null : bytes;
}

/** Reads a whole (possibly gzipped) stream as UTF-8 text; CloudTrail files are single JSON documents. */
async function readAllText(input: Readable, onBytes: ((bytes: number) => void) | undefined): Promise<string> {
  const chunks: Buffer[] = [];
  let first = true;
  let gunzip: ReturnType<typeof createGunzip> | null = null;
  const raw: Buffer[] = [];
  for await (const chunk of input as AsyncIterable<Buffer>) {
    onBytes?.(chunk.length);
    if (first) {
      first = false;
      if (chunk.length >= 2 && chunk[0] === 0x1f && chunk[1] === 0x8b) gunzip = createGunzip();
    }
    raw.push(chunk);
  }
  if (!gunzip) return Buffer.concat(raw).toString('utf8');
  const inflater = gunzip;
  const done = new Promise<void>((resolve, reject) => {
    inflater.on('data', (chunk: Buffer) => chunks.push(chunk));
    inflater.on('end', resolve);
    inflater.on('error', reject);
  });
  inflater.end(Buffer.concat(raw));
  await done;
  return Buffer.concat(chunks).toString('utf8');
}

/** Reads at least `bytes` bytes (or all) of a stream and returns them with a stream replaying everything. */
async function peek(input: Readable, bytes: number): Promise<{ head: Buffer; replay: Readable; complete: boolean }> {
  const iterator = (input as AsyncIterable<Buffer | string>)[Symbol.asyncIterator]();
  const head: Buffer[] = [];
  let size = 0;
  let failure: unknown = null;
  let complete = false;
  try {
    while (size < bytes) {
      const next = await iterator.next();
      if (next.done) {
        complete = true;
        break;
      }
      const buffer = Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value);
      head.push(buffer);
      size += buffer.length;
    }
  } catch (error) {
    failure = error; // replayed after the bytes read, so the decoder reports it where it happened
  }
  const replay = Readable.from(
    (async function* () {
      yield* head;
      if (failure) throw failure;
      if (complete) return;
      for (;;) {
        const next = await iterator.next();
        if (next.done) return;
        yield Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value);
      }
    })(),
    { objectMode: false },
  );
  return { head: Buffer.concat(head), replay, complete };
}

/**
 * The text of a whole gzip object, or null when it is not gzip, is corrupt or truncated (the streaming decoders then
 * report where it breaks, after the good lines), or inflates beyond WHOLE_TEXT_BYTES.
 */
function inflateWhole(bytes: Buffer): Buffer | null {
  if (bytes.length < 2 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) return null;
  try {
    return gunzipSync(bytes, { maxOutputLength: WHOLE_TEXT_BYTES });
  } catch {
    return null;
  }
}

/** The start of a unit as text, un-gzipped when it is gzip (a partial gzip stream inflates up to where it stops). */
function sampleText(head: Buffer): string {
  let bytes = head;
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) {
    try {
      // A few KB of gzip inflate to far more than the sample needs (CloudTrail JSON compresses ~30x).
      bytes = gunzipSync(head.subarray(0, SNIFF_GZIP_BYTES), { finishFlush: zlibConstants.Z_SYNC_FLUSH });
    } catch {
      return '';
    }
  }
  return bytes.subarray(0, SNIFF_BYTES).toString('utf8');
}
