import type { FlowRecord } from '../records/index.js';
import { FlowLogDecoder } from './decoder.js';
import type { LogFormat } from './format.js';
import type { ParseIssue } from './issues.js';

/** Options of parseFlowLogText: the name used in issues and the format of header-less lines. */
export interface ParseTextOptions {
  file?: string;
  format?: LogFormat;
}

/** The result of parsing text: records keyed by snake_case column, and the bad lines. */
export interface ParseTextResult {
  records: FlowRecord[];
  issues: ParseIssue[];
  /** Notices for the user, each once (e.g. header-less lines read as a standard layout). */
  notices: string[];
}

/** Parses flow-log text held in memory (library entry point; sources stream instead). */
export function parseFlowLogText(text: string, options: ParseTextOptions = {}): ParseTextResult {
  const records: FlowRecord[] = [];
  const issues: ParseIssue[] = [];
  const notices: string[] = [];
  const decoder = new FlowLogDecoder(
    {
      row(format, values) {
        const record: FlowRecord = {};
        format.columns.forEach((column, i) => (record[column] = values[i] ?? null));
        records.push(record);
      },
      issue(issue) {
        issues.push(issue);
      },
      notice(message) {
        if (!notices.includes(message)) notices.push(message);
      },
    },
    { file: options.file ?? '<text>', format: options.format },
  );
  decoder.pushLines(text.split(/\r?\n/), 1);
  decoder.finish();
  return { records, issues, notices };
}
