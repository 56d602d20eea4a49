import { Option } from 'commander';
import type { Command } from 'commander';
import type { LogRowPredicate } from '../store/index.js';
import type { LogTableType, LogTypeChoice, LogTypeName, LogValue } from '../parse/index.js';
import { findLogTableType, LOG_TABLE_TYPES, LOG_TYPE_NAMES, parseLogTypeChoice, recordColumnNames } from '../parse/index.js';
import { UsageError } from '../records/index.js';
import { storedLogRowsSql } from '../query/log-records.js';
import type { CliContext } from './context.js';
import { writeErr } from './context.js';
import { openData } from './data.js';
import type { ReadingOptions, Selection } from './options.js';
import type { RecordPrinter } from './record-printer.js';

/** Options of commands that accept --log-type. */
export interface LogTypeOptions {
  logType?: string;
}

/** Adds `--log-type vpc|s3-access|cloudtrail` (default: detected from each file's content), plus a command's own extra types. */
export function addLogTypeOption(command: Command, extra: { choices: readonly string[]; help: string } = { choices: [], help: '' }): Command {
  return command.addOption(
    new Option('--log-type <type>', `what the SOURCEs hold: VPC flow logs, S3 server access logs or CloudTrail logs${extra.help} (default: detected from the content)`).choices([
      ...LOG_TYPE_NAMES,
      ...extra.choices,
      'auto',
    ]),
  );
}

/** The --log-type choice, `auto` when absent. */
export function logTypeFrom(options: LogTypeOptions): LogTypeChoice {
  return parseLogTypeChoice(options.logType);
}

/** The table type of an explicit non-flow --log-type; undefined for vpc and auto. */
export function logTableTypeFrom(options: LogTypeOptions): LogTableType | undefined {
  const choice = logTypeFrom(options);
  return choice === 'auto' ? undefined : findLogTableType(choice);
}

/** Returns a callback that says on stderr, once per type, which non-flow log type was detected. */
export function createLogTypeAnnouncer(context: CliContext, choice: LogTypeChoice): (type: LogTypeName) => void {
  const said = new Set<LogTypeName>();
  return (type) => {
    // Flow logs are the default and stay silent; a chosen --log-type needs no announcement either.
    if (choice !== 'auto' || type === 'vpc' || said.has(type)) return;
    said.add(type);
    writeErr(context, `log type: ${type} (detected from the content; pass --log-type to choose)`);
  };
}

/**
 * The `AWSLogs/{account}/{service}/` folders an s3:// source reads for a --log-type: CloudTrail's for
 * `cloudtrail`, else the default (vpcflowlogs), so a bucket shared by several services is not read whole.
 */
export function awsLogsServicesFor(choice: LogTypeChoice): string[] | undefined {
  return choice === 'cloudtrail' ? ['CloudTrail'] : undefined;
}

/** Refuses flow-only selections (--action, --filter-pattern) with an explicit S3 access / CloudTrail --log-type. */
export function checkLogSelection(type: LogTableType | undefined, selection: Selection): void {
  if (!type) return;
  if (selection.action !== undefined) throw new UsageError(`--action applies to VPC flow logs, not ${type.name} logs`);
  if (selection.filterPattern !== undefined) throw new UsageError(`--filter-pattern applies to VPC flow logs, not ${type.name} logs`, { hint: 'use `flowlens query` with a WHERE clause on the table' });
}

/** The --start/--end window as a predicate on S3 access / CloudTrail rows (their request or event time). */
export function logSelectionPredicate(selection: Selection): LogRowPredicate | undefined {
  const { start, end } = selection;
  if (start === undefined && end === undefined) return undefined;
  const indexes = new Map<LogTableType, number>();
  return (type, values) => {
    let index = indexes.get(type);
    if (index === undefined) {
      index = type.columns.findIndex((c) => c.name === type.timeColumn);
      indexes.set(type, index);
    }
    const time = values[index];
    if (typeof time !== 'number') return false;
    if (start !== undefined && time < start * 1000) return false;
    if (end !== undefined && time >= end * 1000) return false;
    return true;
  };
}

/** Parses --fields for a log type: column names of its table, refusing unknown ones. */
export function parseLogFieldList(type: LogTableType, text: string | undefined): string[] | undefined {
  if (text === undefined) return undefined;
  return text.split(',').map((raw) => {
    const name = raw.trim().toLowerCase();
    if (!type.columns.some((c) => c.name === name)) {
      throw new UsageError(`--fields: ${type.name} logs have no field "${raw.trim()}"`, { hint: `fields: ${type.columns.map((c) => c.name).join(', ')}` });
    }
    return name;
  });
}

/**
 * Parses `print --fields`: a log type's columns with an explicit S3 access / CloudTrail --log-type, else flow
 * fields (`parseFlowFields`), else — when the type is detected — the columns of the one log type that has them all.
 */
export function parsePrintFields(
  options: LogTypeOptions,
  text: string | undefined,
  parseFlowFields: (text: string | undefined) => string[] | undefined,
): string[] | undefined {
  const logTable = logTableTypeFrom(options);
  if (logTable) return parseLogFieldList(logTable, text);
  try {
    return parseFlowFields(text);
  } catch (error) {
    if (text === undefined || logTypeFrom(options) !== 'auto') throw error;
    const names = text.split(',').map((name) => name.trim().toLowerCase());
    const owner = LOG_TABLE_TYPES.find((type) => names.every((name) => type.columns.some((c) => c.name === name)));
    if (!owner) throw error;
    return names;
  }
}

/** The columns `print` shows for a log type: --fields, else the record's fields in DDL order. */
export function printedLogColumns(type: LogTableType, fields: readonly string[] | undefined): readonly string[] {
  return fields ?? recordColumnNames(type);
}

/** Builds the printed object of a decoded row: the chosen columns, times as ISO text. */
export function logRowObject(type: LogTableType, values: readonly LogValue[], columns: readonly string[]): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  for (const column of columns) {
    const index = type.columns.findIndex((c) => c.name === column);
    const value = index < 0 ? null : (values[index] ?? null);
    row[column] = type.columns[index]?.kind === 'timestamp' && typeof value === 'number' ? new Date(value).toISOString() : value;
  }
  return row;
}

/** Prints a log table of the database (`print --log-type s3-access` without SOURCE), in time order. */
export async function printLogsFromDatabase(
  context: CliContext,
  type: LogTableType,
  options: ReadingOptions,
  selection: Selection,
  printer: RecordPrinter,
  limit: number,
): Promise<void> {
  const data = await openData(context, [], options, selection);
  try {
    const columns = printedLogColumns(type, printer.fields);
    const sql = storedLogRowsSql(type, columns, selection, limit);
    for await (const batch of data.store.stream(sql)) await printer.rows(columns, batch);
  } finally {
    data.close();
  }
}
