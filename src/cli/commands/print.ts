import type { Command } from 'commander';
import { Option } from 'commander';
import type { LogFormat } from '../../parse/index.js';
import { formatIssue } from '../../parse/index.js';
import { ParseError, UsageError } from '../../records/index.js';
import type { CliContext } from '../context.js';
import { writeErr } from '../context.js';
import { createNoticePrinter, logFormatFrom, openData, sourceOptionsFrom } from '../data.js';
import { addReadingOptions, parseFieldList, parseSelection } from '../options.js';
import type { ReadingOptions } from '../options.js';
import { createIssueReporter } from '../progress.js';
import {
  addLogTypeOption,
  awsLogsServicesFor,
  checkLogSelection,
  createLogTypeAnnouncer,
  logRowObject,
  logSelectionPredicate,
  logTableTypeFrom,
  logTypeFrom,
  parsePrintFields,
  printedLogColumns,
  printLogsFromDatabase,
} from '../log-types.js';
import type { LogTypeOptions } from '../log-types.js';
import { RecordPrinter } from '../record-printer.js';
import type { OutputFormat } from '../render.js';

interface PrintOptions extends ReadingOptions, LogTypeOptions {
  fields?: string;
  limit?: string;
}

const PRINT_FORMATS: OutputFormat[] = ['table', 'text', 'ndjson', 'json', 'csv'];

/** `flowlens print [SOURCE...]`: records for people (table) or pipes (text, ndjson, csv). */
export function registerPrint(program: Command, context: CliContext): void {
  addLogTypeOption(addReadingOptions(program.command('print').argument('[source...]', 'files, folders, -, s3://…, cwl://… (default: the database)'), PRINT_FORMATS))
    .description('print flow records (or S3 access / CloudTrail records); `--format text` keeps the flow-log layout for grep and awk')
    .option('--fields <names>', 'comma-separated fields to print (hyphenated or snake_case)')
    .addOption(new Option('-n, --limit <n>', 'print at most n records'))
    .action(async (sources: string[], options: PrintOptions) => {
      const selection = parseSelection(options);
      const logTable = logTableTypeFrom(options);
      checkLogSelection(logTable, selection);
      const fields = parsePrintFields(options, options.fields, parseFieldList);
      const limit = options.limit === undefined ? Infinity : Number(options.limit);
      if (!(limit >= 0)) throw new UsageError(`--limit "${options.limit}" is not a number`);
      const printer = new RecordPrinter(context, options.format as OutputFormat, fields);
      if (sources.length === 0 && logTable) {
        await printLogsFromDatabase(context, logTable, options, selection, printer, limit);
        await printer.finish();
      } else if (sources.length === 0) {
        await printFromDatabase(context, options, selection, printer, limit);
      } else {
        await printFromSources(context, sources, options, selection, printer, limit);
        await printer.finish();
      }
    });
}

async function printFromDatabase(context: CliContext, options: PrintOptions, selection: ReturnType<typeof parseSelection>, printer: RecordPrinter, limit: number): Promise<void> {
  const data = await openData(context, [], options, selection);
  try {
    const { presentFieldColumns } = await import('../../query/present-columns.js');
    const columns = printer.fields ?? (await presentFieldColumns(data.store, data.where));
    const { startOrderedFlowQueries } = await import('../../query/start-slices.js');
    // In start order slice by slice (a sort of each, see startSlices), or one query keeping the first `limit` rows.
    const queries = await startOrderedFlowQueries(data.store, columns, data.where, limit);
    const { printFlowRows } = await import('../sql-lines.js');
    await printFlowRows(context, data.store, queries, columns, options.format as OutputFormat, () => printer);
  } finally {
    data.close();
  }
}

async function printFromSources(context: CliContext, sources: string[], options: PrintOptions, selection: ReturnType<typeof parseSelection>, printer: RecordPrinter, limit: number): Promise<void> {
  const { resolveSource } = await import('../../sources/index.js');
  const { decodeLogUnit } = await import('../../parse/index.js');
  const { selectionToPredicate } = await import('../../query/selection.js');
  const predicate = await selectionToPredicate(selection);
  const format = logFormatFrom(options);
  const sourceOptions = sourceOptionsFrom(options, context);
  sourceOptions.awsLogsServices = awsLogsServicesFor(logTypeFrom(options));
  const issues = createIssueReporter(context);
  const notice = createNoticePrinter(context);
  let bad = 0;
  let printed = 0;
  const logType = logTypeFrom(options);
  const onLogType = createLogTypeAnnouncer(context, logType);
  const logPredicate = logSelectionPredicate(selection);
  const logFormats = new Map<unknown, Pick<LogFormat, 'columns'>>();
  let pending: { format: Pick<LogFormat, 'columns'>; row: Record<string, unknown> }[] = [];
  const flush = async (): Promise<void> => {
    let i = 0;
    while (i < pending.length) {
      const current = pending[i]?.format as Pick<LogFormat, 'columns'>;
      let j = i;
      while (j < pending.length && pending[j]?.format === current) j++;
      await printer.rows(printer.fields ?? current.columns, pending.slice(i, j).map((p) => p.row));
      i = j;
    }
    pending = [];
  };
  outer: for (const uri of sources) {
    const source = await resolveSource(uri, sourceOptions);
    for await (const unit of source.units({ start: selection.start, end: selection.end })) {
      if (printed >= limit) break outer;
      await decodeLogUnit(
        unit,
        {
          row(rowFormat, values, meta) {
            if (printed >= limit || (predicate && !predicate(rowFormat, values, meta))) return;
            const row: Record<string, unknown> = {};
            rowFormat.columns.forEach((column, i) => (row[column] = values[i] ?? null));
            pending.push({ format: rowFormat, row });
            printed++;
          },
          logRow(type, values) {
            if (printed >= limit || (logPredicate && !logPredicate(type, values))) return;
            let format = logFormats.get(type);
            if (!format) logFormats.set(type, (format = { columns: printedLogColumns(type, printer.fields) }));
            pending.push({ format, row: logRowObject(type, values, format.columns) });
            printed++;
          },
          issue(issue) {
            if (options.strict) throw new ParseError('bad-line', formatIssue(issue), { hint: 'remove --strict to skip bad lines' });
            bad++;
            issues.report(formatIssue(issue));
          },
          notice,
          afterBatch: flush,
        },
        { format, logType, onLogType },
      );
    }
  }
  await flush();
  issues.finish(bad);
  if (bad > 0) {
    writeErr(context, `warning: ${bad} bad lines skipped`);
    if (options.strict) context.exitCode = 1;
  }
}
