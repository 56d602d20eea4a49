import type { LogRowSink, LogValue } from '../log-type/types.js';
import { S3_ACCESS_COLUMNS, S3_ACCESS_LOG_TYPE } from './fields.js';
import { parseS3AccessLine } from './line-parser.js';

/** Turns lines of S3 server access log text into rows; blank lines are skipped, bad lines become issues. */
export class S3AccessDecoder {
  private readonly values: LogValue[] = new Array<LogValue>(S3_ACCESS_COLUMNS.length).fill(null);
  records = 0;
  bad = 0;

  constructor(
    private readonly sink: LogRowSink,
    private readonly file: string,
  ) {}

  /** Decodes a batch of consecutive lines starting at line number `firstLine`. */
  pushLines(lines: readonly string[], firstLine: number): void {
    for (let i = 0; i < lines.length; i++) {
      const text = lines[i] as string;
      if (text.trim().length === 0) continue;
      const line = firstLine + i;
      const problem = parseS3AccessLine(text.trimEnd(), this.values);
      if (problem === null) {
        this.records++;
        this.sink.row(S3_ACCESS_LOG_TYPE, this.values, { line });
        continue;
      }
      this.bad++;
      this.sink.issue({
        code: problem.code,
        file: this.file,
        line,
        ...(problem.field === undefined ? {} : { field: problem.field }),
        message: `S3 access log: ${problem.message}`,
        text: text.slice(0, 1000),
      });
    }
  }
}
