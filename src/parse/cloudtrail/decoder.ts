import type { LogRowSink, LogValue } from '../log-type/types.js';
import { CLOUDTRAIL_COLUMNS, CLOUDTRAIL_LOG_TYPE } from './fields.js';
import { parseCloudTrailKey, toCloudTrailRow } from './record.js';
import type { CloudTrailKeyParts } from './record.js';

/** Counts from decoding one CloudTrail file. */
export interface CloudTrailCounts {
  records: number;
  bad: number;
}

/**
 * Decodes the text of one CloudTrail file into rows. Accepts what AWS delivers to S3 (`{"Records": [...]}`,
 * one document, possibly pretty-printed), a JSON array of events, one event per line (CloudTrail sent to
 * CloudWatch Logs), and `aws logs filter-log-events` output (`{"events": [{"message": "<event>"}]}`).
 * Digest files (`CloudTrail-Digest/`) hold no events and are skipped. Bad records become issues.
 */
export class CloudTrailDecoder {
  private readonly values: LogValue[] = new Array<LogValue>(CLOUDTRAIL_COLUMNS.length).fill(null);
  private readonly keyParts: CloudTrailKeyParts | null;
  records = 0;
  bad = 0;

  constructor(
    private readonly sink: LogRowSink,
    private readonly file: string,
  ) {
    this.keyParts = parseCloudTrailKey(file);
  }

  /** Decodes a whole file's text; `firstLine` numbers its first line in issues. */
  pushText(text: string, firstLine = 1): void {
    if (text.trim().length === 0) return;
    const whole = tryParse(text);
    if (whole.ok) {
      this.pushValue(whole.value, firstLine + leadingBlankLines(text), 'document');
      return;
    }
    const lines = text.split('\n');
    const first = lines.findIndex((line) => line.trim().length > 0);
    if (first < 0) return;
    if (!tryParse(lines[first] as string).ok) {
      // Not one JSON value per line either: the document itself is broken (e.g. truncated).
      this.report('bad-json', firstLine + first, `the CloudTrail file is not valid JSON: ${whole.error}`, text.slice(0, 200));
      return;
    }
    lines.forEach((line, i) => {
      if (line.trim().length === 0) return;
      const parsed = tryParse(line);
      if (parsed.ok) this.pushValue(parsed.value, firstLine + i, 'line');
      else this.report('bad-json', firstLine + i, `the line is not valid JSON: ${parsed.error}`, line);
    });
  }

  private pushValue(value: unknown, line: number, where: string): void {
    if (Array.isArray(value)) {
      value.forEach((item, i) => this.pushEvent(item, line, `${where}[${i}]`));
      return;
    }
    if (value === null || typeof value !== 'object') {
      this.report('bad-json', line, 'JSON value is not a CloudTrail file ({"Records": [...]}) or event', JSON.stringify(value));
      return;
    }
    const object = value as Record<string, unknown>;
    if (Array.isArray(object.Records)) {
      object.Records.forEach((item, i) => this.pushEvent(item, line, `Records[${i}]`));
      return;
    }
    const events = Array.isArray(object.events) ? object.events : Array.isArray(object.logEvents) ? object.logEvents : null;
    if (events) {
      events.forEach((item, i) => this.pushMessage(item, line, i));
      return;
    }
    if ('digestStartTime' in object && !('eventVersion' in object)) return; // a digest file: integrity data, no events
    this.pushEvent(object, line, where);
  }

  private pushMessage(item: unknown, line: number, index: number): void {
    const message = item !== null && typeof item === 'object' ? (item as Record<string, unknown>).message : undefined;
    if (typeof message !== 'string') {
      this.report('bad-json', line, `events[${index}] has no "message" string (expected a CloudWatch Logs event)`, JSON.stringify(item).slice(0, 1000));
      return;
    }
    const parsed = tryParse(message);
    if (parsed.ok) this.pushEvent(parsed.value, line, `events[${index}]`);
    else this.report('bad-json', line, `events[${index}].message is not valid JSON: ${parsed.error}`, message);
  }

  private pushEvent(event: unknown, line: number, where: string): void {
    const problem = toCloudTrailRow(event, this.keyParts, this.values);
    if (problem === null) {
      this.records++;
      this.sink.row(CLOUDTRAIL_LOG_TYPE, this.values, { line });
      return;
    }
    this.bad++;
    this.sink.issue({
      code: problem.code,
      file: this.file,
      line,
      ...(problem.field === undefined ? {} : { field: problem.field }),
      message: `CloudTrail ${where}: ${problem.message}`,
      text: JSON.stringify(event ?? null).slice(0, 1000),
    });
  }

  private report(code: 'bad-json', line: number, message: string, text: string): void {
    this.bad++;
    this.sink.issue({ code, file: this.file, line, message, text: text.slice(0, 1000) });
  }
}

function tryParse(text: string): { ok: true; value: unknown } | { ok: false; error: string } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    return { ok: false, error: (error as Error).message };
  }
}

function leadingBlankLines(text: string): number {
  let lines = 0;
  for (const line of text.split('\n', 50)) {
    if (line.trim().length > 0) break;
    lines++;
  }
  return lines;
}
