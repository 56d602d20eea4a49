import { CloudTrailDecoder } from '../cloudtrail/decoder.js';
import type { ParseIssue } from '../issues.js';
import { parseFlowLogText } from '../parse-text.js';
import { S3AccessDecoder } from '../s3-access/decoder.js';
import { detectLogType } from './detect.js';
import { toLogRecord } from './registry.js';
import type { LogTypeChoice, LogTypeName, LogValue } from './types.js';

/** Options of parseLogText: the name used in issues (a CloudTrail object key gives the partition columns) and the type. */
export interface ParseLogTextOptions {
  file?: string;
  logType?: LogTypeChoice;
  /** Keep derived columns (request_time, region/year/month/day, bucketname, ...) as well as the record fields. */
  allColumns?: boolean;
}

/** The result of parseLogText: the type read, records keyed by column name, and the bad lines. */
export interface ParseLogTextResult {
  logType: LogTypeName;
  records: Record<string, LogValue>[];
  issues: ParseIssue[];
}

/** Parses log text held in memory, of any type (detected from the content unless given); library entry point. */
export function parseLogText(text: string, options: ParseLogTextOptions = {}): ParseLogTextResult {
  const file = options.file ?? '<text>';
  const logType = !options.logType || options.logType === 'auto' ? detectLogType(text.slice(0, 64 * 1024)) : options.logType;
  if (logType === 'vpc') {
    const parsed = parseFlowLogText(text, { file });
    return { logType, records: parsed.records, issues: parsed.issues };
  }
  const records: Record<string, LogValue>[] = [];
  const issues: ParseIssue[] = [];
  const sink = {
    row: (type: Parameters<typeof toLogRecord>[0], values: readonly LogValue[]) => records.push(structuredClone(toLogRecord(type, values, options.allColumns))),
    issue: (issue: ParseIssue) => issues.push(issue),
  };
  if (logType === 's3-access') new S3AccessDecoder(sink, file).pushLines(text.split(/\r?\n/), 1);
  else new CloudTrailDecoder(sink, file).pushText(text);
  return { logType, records, issues };
}
