import { ALL_FIELDS, SourceError } from '../records/index.js';
import type { FieldValue } from '../records/index.js';
import { DEFAULT_LOG_FORMAT, inspectHeader } from './format.js';
import type { LogFormat } from './format.js';
import { layoutsWithFieldCount } from './layouts.js';
import type { ParseIssue } from './issues.js';
import { compileByteLineTest, compileFastLineTest, compileTokenParser, newByteRecord, tokenizeLine } from './record-parser.js';
import type { ByteLineTest, ByteRecord, FieldProblem, TokenParser } from './record-parser.js';

/** Where a row came from: its line, its raw text (Insights' @message) and, for CloudWatch events, the event's id and time. */
export interface RowMeta {
  line: number;
  text: string;
  eventId?: string | undefined;
  timestampMs?: number | undefined;
  logStream?: string | undefined;
  /** True when the values differ from the text (e.g. millisecond times read as seconds): store the values, not the text. */
  rewritten?: boolean | undefined;
}

/** Receives decoded rows; `values` is reused between calls, so copy what you keep. */
export interface RowSink {
  row(format: LogFormat, values: readonly FieldValue[], meta: RowMeta): void;
  issue(issue: ParseIssue): void;
  /**
   * Optional fast path: receives a record line that is already known valid (single-spaced, IPv4, in
   * range) without converting it to values. Sinks that need values (filters, printing) leave it out.
   */
  rawLine?(format: LogFormat, line: string): void;
  /**
   * Optional byte-level fast path (used by pushBytes): receives a valid record as the bytes
   * `[start, end)` of `bytes` (no newline), with what the byte test found in it (ByteRecord: the address
   * numbers, each field's value or text offsets), never decoded to a string. The bytes stay unchanged until
   * endBytes() is called; `record` only until the call returns.
   */
  rawRecord?(format: LogFormat, bytes: Buffer, start: number, end: number, record: ByteRecord): void;
  /** Optional: called when pushBytes returns; the bytes given to rawRecord since the last call may change after it. */
  endBytes?(): void;
  /** Optional: a one-line notice for the user (e.g. header-less lines read as a standard layout); the same text may come once per file. */
  notice?(message: string): void;
}

/** Options of a decoder: the file name for messages and the format of header-less lines (default v2). */
export interface DecoderOptions {
  file: string;
  format?: LogFormat | undefined;
}

// Multi-line JSON documents (e.g. saved `aws logs filter-log-events` output) are buffered up to this size.
const MAX_DOCUMENT_CHARS = 256 * 1024 * 1024;

/** A format's compiled line tests and token parser (they depend only on its fields). */
interface CompiledFormat {
  parser: TokenParser;
  fastTest: ((line: string) => boolean) | null;
  byteTest: ByteLineTest | null;
}

// Every file of a folder declares its layout in its own header line, so each decoder sees a new LogFormat object of
// the same layout: its tests are compiled once per layout, not once per file.
const COMPILED = new Map<string, CompiledFormat>();
const COMPILED_LAYOUTS = 64;

function compiledFor(format: LogFormat): CompiledFormat {
  // The header text names the fields in order (and is what the parser's messages quote).
  const key = format.header;
  let compiled = COMPILED.get(key);
  if (!compiled) {
    if (COMPILED.size >= COMPILED_LAYOUTS) COMPILED.clear();
    compiled = { parser: compileTokenParser(format), fastTest: compileFastLineTest(format), byteTest: compileByteLineTest(format) };
    COMPILED.set(key, compiled);
  }
  return compiled;
}

/**
 * Turns lines of flow-log text into rows: S3 header lines (also repeated mid-file when objects are
 * concatenated) switch the format, blank lines are skipped, and JSON lines — CloudWatch events
 * (`{"message": ...}`), subscription payloads (`{"logEvents": [...]}`) and filter-log-events output
 * (`{"events": [...]}`) — are unwrapped to their messages.
 */
export class FlowLogDecoder {
  private format: LogFormat;
  private parser: TokenParser;
  private fastTest: ((line: string) => boolean) | null;
  private readonly parsers = new Map<LogFormat, TokenParser>();
  private readonly fastTests = new Map<LogFormat, ((line: string) => boolean) | null>();
  private byteTest: ByteLineTest | null;
  private readonly byteTests = new Map<LogFormat, ByteLineTest | null>();
  // A format names each known field at most once.
  private readonly record: ByteRecord = newByteRecord(ALL_FIELDS.length);
  private readonly values: FieldValue[] = [];
  private document: string[] | null = null;
  private documentLine = 0;
  records = 0;
  bad = 0;
  headers = 0;
  /** Records whose start or end was in milliseconds (read as seconds). */
  millisecondTimes = 0;

  constructor(
    private readonly sink: RowSink,
    private readonly options: DecoderOptions,
  ) {
    this.format = options.format ?? DEFAULT_LOG_FORMAT;
    this.parser = this.parserFor(this.format);
    this.fastTest = this.fastTestFor(this.format);
    this.byteTest = this.byteTestFor(this.format);
  }

  /**
   * Decodes a block of complete lines given as UTF-8 bytes (`\n`-separated, CRLF allowed) whose first
   * line is number `firstLine`; returns the number of lines. Records the sink can take as bytes
   * (rawRecord) never become strings; every other line (header, JSON, blank, IPv6, bad) goes through
   * pushLines, so the meaning is exactly that of the string path.
   */
  pushBytes(bytes: Uint8Array, firstLine: number): number {
    const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    try {
      return this.pushByteLines(buffer, firstLine) - firstLine;
    } finally {
      this.sink.endBytes?.();
    }
  }

  // The byte loop of pushBytes; returns the number of the line after the block.
  private pushByteLines(buffer: Buffer, firstLine: number): number {
    const end = buffer.length;
    const sink = this.sink;
    const record = this.record;
    let line = firstLine;
    let start = 0;
    while (start < end) {
      let stop = buffer.indexOf(10, start);
      const next = stop < 0 ? end : stop + 1;
      if (stop < 0) stop = end;
      if (stop > start && buffer[stop - 1] === 13) stop--;
      const test = this.byteTest;
      if (test !== null && this.document === null && test(buffer, start, stop, record)) {
        this.records++;
        (sink.rawRecord as NonNullable<RowSink['rawRecord']>)(this.format, buffer, start, stop, record);
      } else if (stop > start || this.document !== null) {
        this.pushLines([buffer.toString('utf8', start, stop)], line);
      }
      line++;
      start = next;
    }
    return line;
  }

  /** Decodes a batch of consecutive lines starting at line number `firstLine`. */
  pushLines(lines: readonly string[], firstLine: number): void {
    for (let i = 0; i < lines.length; i++) {
      const text = lines[i] as string;
      const line = firstLine + i;
      if (this.document) {
        this.appendDocument(text);
        continue;
      }
      if (text.length === 0) continue;
      const c = text.charCodeAt(0);
      if (c === 123 /* { */ || c === 91 /* [ */) this.pushJsonLine(text, line);
      else if (c === 32 || c === 9) {
        if (text.trim().length > 0) this.pushMessage(text, { line, text });
      } else this.pushMessage(text, { line, text });
    }
  }

  /** Flushes a buffered multi-line JSON document; call once after the last line. */
  finish(): void {
    if (!this.document) return;
    const text = this.document.join('\n');
    this.document = null;
    this.pushJsonDocument(text, this.documentLine, true);
  }

  /** Decodes one flow-log message (a record line or a header line). */
  pushMessage(text: string, meta: RowMeta): void {
    if (this.fastTest !== null && meta.eventId === undefined && this.sink.rawLine && this.fastTest(text)) {
      this.records++;
      this.sink.rawLine(this.format, text);
      return;
    }
    const tokens = tokenizeLine(text);
    const header = inspectHeader(tokens);
    if (header !== null && 'fields' in header) {
      this.headers++;
      this.switchTo(header);
      return;
    }
    if (header !== null) {
      // A header the records cannot be read by: stop the file rather than read it with another layout.
      throw new SourceError('bad-header', `${this.options.file}:${meta.line}: ${header.message}`, { hint: header.hint });
    }
    let problem = this.parser(tokens, this.values);
    if (problem?.code === 'field-count' && this.options.format === undefined && this.headers === 0) {
      const guessed = this.tryStandardLayouts(tokens);
      if (guessed !== undefined) problem = guessed;
    }
    if (problem === null) {
      this.records++;
      if (this.parser.millisecondTimes) {
        this.millisecondTimes++;
        this.sink.row(this.format, this.values, { ...meta, rewritten: true });
        return;
      }
      this.sink.row(this.format, this.values, meta);
      return;
    }
    this.bad++;
    this.sink.issue({
      code: problem.code,
      file: this.options.file,
      line: meta.line,
      ...(problem.field === undefined ? {} : { field: problem.field }),
      message: problem.message,
      text,
    });
  }

  private switchTo(format: LogFormat): void {
    this.format = format;
    this.parser = this.parserFor(format);
    this.fastTest = this.fastTestFor(format);
    this.byteTest = this.byteTestFor(format);
  }

  /**
   * Header-less lines with no --log-format whose field count is not the default's: when exactly one
   * standard layout of that count reads the line, switch to it (with a notice); otherwise return a
   * field-count problem naming the layouts of that count, or null when the line was read.
   */
  private tryStandardLayouts(tokens: readonly string[]): FieldProblem | null | undefined {
    const candidates = layoutsWithFieldCount(tokens.length).filter((l) => l.format !== this.format);
    if (candidates.length === 0) return undefined;
    const fitting = candidates.filter((l) => this.parserFor(l.format)(tokens, this.values) === null);
    if (fitting.length === 1) {
      const layout = fitting[0] as (typeof fitting)[number];
      this.switchTo(layout.format);
      this.parser(tokens, this.values);
      this.sink.notice?.(
        `notice: header-less lines of ${tokens.length} fields are read as the standard layout ${layout.name} (${layout.description}); pass --log-format ${layout.name} to say so, or --log-format '\${field} …' for another layout`,
      );
      return null;
    }
    const named = fitting.length > 1 ? fitting : candidates;
    const options = named.map((l) => `--log-format ${l.name} (${l.description})`).join(' or ');
    const verdict = fitting.length > 1 ? 'the line fits several: pass the right one' : 'the line does not fit: check the line, or pass its format with --log-format';
    return {
      code: 'field-count',
      message: `expected ${this.format.fields.length} fields (format: ${this.format.header}) but found ${tokens.length}; ${tokens.length} fields is the count of ${options}, but ${verdict}`,
    };
  }

  private fastTestFor(format: LogFormat): ((line: string) => boolean) | null {
    if (!this.sink.rawLine) return null;
    if (!this.fastTests.has(format)) this.fastTests.set(format, compiledFor(format).fastTest);
    return this.fastTests.get(format) ?? null;
  }

  private byteTestFor(format: LogFormat): ByteLineTest | null {
    if (!this.sink.rawRecord) return null;
    if (!this.byteTests.has(format)) this.byteTests.set(format, compiledFor(format).byteTest);
    return this.byteTests.get(format) ?? null;
  }

  private parserFor(format: LogFormat): TokenParser {
    let parser = this.parsers.get(format);
    if (!parser) {
      parser = compiledFor(format).parser;
      this.parsers.set(format, parser);
    }
    return parser;
  }

  private pushJsonLine(text: string, line: number): void {
    if (this.pushJsonDocument(text, line, false)) return;
    if (this.records === 0 && this.bad === 0) {
      // The first line is not a whole JSON value: buffer the file as one pretty-printed document.
      this.document = [text];
      this.documentLine = line;
      return;
    }
    this.reportJson(text, line, 'the line starts like JSON but is not valid JSON');
  }

  private pushJsonDocument(text: string, line: number, final: boolean): boolean {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      if (final) this.reportJson(text.slice(0, 200), line, `the JSON document is invalid: ${(error as Error).message}`);
      return false;
    }
    this.pushJsonValue(value, line, text);
    return true;
  }

  private pushJsonValue(value: unknown, line: number, text: string): void {
    if (Array.isArray(value)) {
      for (const item of value) this.pushJsonValue(item, line, text);
      return;
    }
    if (typeof value !== 'object' || value === null) {
      this.reportJson(text, line, 'JSON value is not a CloudWatch event or payload');
      return;
    }
    const object = value as Record<string, unknown>;
    const events = Array.isArray(object.logEvents) ? object.logEvents : Array.isArray(object.events) ? object.events : null;
    if (events) {
      const stream = typeof object.logStream === 'string' ? object.logStream : undefined;
      for (const event of events) this.pushEvent(event, line, text, stream);
      return;
    }
    this.pushEvent(object, line, text, undefined);
  }

  private pushEvent(event: unknown, line: number, text: string, logStream: string | undefined): void {
    const object = (typeof event === 'object' && event !== null ? event : {}) as Record<string, unknown>;
    if (typeof object.message !== 'string') {
      this.reportJson(text, line, 'JSON object has no "message" string (expected a CloudWatch Logs event)');
      return;
    }
    const id = object.eventId ?? object.id;
    this.pushMessage(object.message.trim(), {
      line,
      text: object.message,
      eventId: typeof id === 'string' ? id : undefined,
      timestampMs: typeof object.timestamp === 'number' ? object.timestamp : undefined,
      logStream: typeof object.logStreamName === 'string' ? object.logStreamName : logStream,
    });
  }

  private appendDocument(text: string): void {
    const document = this.document as string[];
    document.push(text);
    if (document.length > 1 && document.length * 200 > MAX_DOCUMENT_CHARS) {
      this.document = null;
      this.reportJson(document[0] ?? '', this.documentLine, 'JSON document too large to buffer; write one event per line');
    }
  }

  private reportJson(text: string, line: number, message: string): void {
    this.bad++;
    this.sink.issue({ code: 'bad-json', file: this.options.file, line, message, text: text.slice(0, 1000) });
  }
}
