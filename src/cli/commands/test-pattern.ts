import type { Command } from 'commander';
import { Option } from 'commander';
import type { Readable } from 'node:stream';
import { SourceError, UsageError } from '../../records/index.js';
import type { CliContext } from '../context.js';
import { writeErr, writeOut } from '../context.js';
import type { Table } from '../render.js';

interface TestPatternOptions {
  format: 'table' | 'ndjson';
}

/** One matching event: where it came from, its text, and what the pattern extracted. */
export interface PatternMatch {
  file: string;
  lineNumber: number;
  line: string;
  extracted: Record<string, string>;
}

/** `flowlens test-pattern PATTERN [FILE...]`: what `aws logs test-metric-filter` does, on local lines. */
export function registerTestPattern(program: Command, context: CliContext): void {
  program
    .command('test-pattern')
    .argument(
      '<pattern>',
      "a CloudWatch Logs filter pattern, e.g. '[..., action=\"REJECT\", status]' or 'ERROR -DEBUG'",
    )
    .argument(
      '[file...]',
      'files of event lines, any text (gzip is detected); - or none reads standard input',
    )
    .description(
      'print the lines a CloudWatch filter pattern matches, with the values it extracts (like aws logs test-metric-filter)',
    )
    .addOption(
      new Option('-f, --format <format>', 'output format').choices(['table', 'ndjson']).default('table'),
    )
    .action(async (pattern: string, files: string[], options: TestPatternOptions) => {
      const { compileLineMatcher } = await import('../../query/filter-pattern/index.js');
      const matcher = compileLineMatcher(pattern);
      const delimited = matcher.pattern.kind === 'delimited';
      const inputs = files.length === 0 ? ['-'] : files;
      const matches: PatternMatch[] = [];
      let events = 0;
      for (const file of inputs) {
        for await (const { line, lineNumber } of readEventLines(context, file)) {
          events++;
          const extracted = matcher.match(line);
          if (extracted === null) continue;
          const match = { file, lineNumber, line, extracted };
          if (options.format === 'ndjson') await writeOut(context, renderNdjsonMatch(match, delimited));
          else matches.push(match);
        }
      }
      if (options.format === 'table') {
        const { renderTable } = await import('../render.js');
        await writeOut(context, renderTable(matchTable(matches, inputs.length > 1), 'table'));
        writeErr(context, `${matches.length} of ${events} events matched`);
      }
    });
}

/** One ndjson line: `{"line": …, "extracted": {…}}`, with `extracted` only for space-delimited patterns. */
export function renderNdjsonMatch(match: PatternMatch, delimited: boolean): string {
  return `${JSON.stringify(delimited ? { line: match.line, extracted: match.extracted } : { line: match.line })}\n`;
}

/** The table of matches: line number (and file when several), the line, then one column per extracted value. */
export function matchTable(matches: readonly PatternMatch[], withFile: boolean): Table {
  const keys: string[] = [];
  const seen = new Set<string>();
  for (const match of matches) {
    for (const key of Object.keys(match.extracted)) {
      if (seen.has(key)) continue;
      seen.add(key);
      keys.push(key);
    }
  }
  const columns = [...(withFile ? ['file'] : []), 'line_number', 'line', ...keys];
  const rows = matches.map((m) => ({
    file: m.file,
    line_number: m.lineNumber,
    line: m.line,
    ...m.extracted,
  }));
  return { columns, rows };
}

/** The non-empty lines of a file (or of stdin for `-`), with 1-based line numbers. */
async function* readEventLines(
  context: CliContext,
  file: string,
): AsyncGenerator<{ line: string; lineNumber: number }> {
  const { readLineBatches } = await import('../../parse/index.js');
  const input = await openInput(context, file);
  for await (const batch of readLineBatches(input, { name: file === '-' ? '<stdin>' : file })) {
    for (let i = 0; i < batch.lines.length; i++) {
      const line = batch.lines[i] as string;
      // An empty line is not a log event (CloudWatch events have at least one character).
      if (line.length > 0) yield { line, lineNumber: batch.firstLine + i };
    }
  }
}

async function openInput(context: CliContext, file: string): Promise<Readable> {
  if (file === '-') {
    if (!context.stdin)
      throw new UsageError('no standard input to read', { hint: 'name FILEs of event lines' });
    return context.stdin;
  }
  const { createReadStream } = await import('node:fs');
  const { stat } = await import('node:fs/promises');
  const info = await stat(file).catch(() => undefined);
  if (!info?.isFile())
    throw new SourceError('not-found', `cannot read ${file}: no such file`, {
      hint: 'give files of event lines, or - for standard input',
    });
  return createReadStream(file);
}
