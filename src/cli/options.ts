import { Option } from 'commander';
import type { Command } from 'commander';
import { findField, toColumnName, UsageError } from '../records/index.js';
import type { OutputFormat } from './render.js';
import { parseTimeOption } from './time.js';

/** The record selection every reading command shares: time window, action and CloudWatch filter pattern. */
export interface Selection {
  start?: number | undefined;
  end?: number | undefined;
  action?: 'ACCEPT' | 'REJECT' | undefined;
  filterPattern?: string | undefined;
}

/** Raw option values commander hands to a reading command. */
export interface ReadingOptions {
  db?: string;
  logFormat?: string;
  start?: string;
  end?: string;
  action?: string;
  filterPattern?: string;
  strict?: boolean;
  format?: string;
  profile?: string;
  region?: string;
  endpointUrl?: string;
  concurrency?: string;
  accounts?: string;
  regions?: string;
  logStreams?: string;
  rejects?: string;
}

const TIME_HELP = "compared with each record's `start` (epoch seconds); --start is inclusive, --end exclusive";

/** Adds the options of commands that read flow records from SOURCEs or from the database. */
export function addReadingOptions(command: Command, formats: readonly OutputFormat[] = ['table', 'json', 'ndjson', 'csv']): Command {
  return command
    .option('--db <path>', 'database file to read when no SOURCE is given (default: $FLOWLENS_DB or ./flowlens.duckdb)')
    .option('--log-format <format>', "format of header-less lines, AWS syntax: '${version} ${srcaddr} ...' (default: the v2 format)")
    .option('-s, --start <time>', `keep records from this time (ISO 8601, epoch seconds or -2h); ${TIME_HELP}`)
    .option('-e, --end <time>', 'keep records before this time')
    .addOption(new Option('--action <action>', 'keep only ACCEPT or REJECT records').choices(['ACCEPT', 'REJECT']))
    .option('--filter-pattern <pattern>', 'keep records whose line matches a CloudWatch filter pattern')
    .option('--strict', 'stop at the first bad line with a non-zero exit (default: count bad lines and go on)')
    .addOption(new Option('-f, --format <format>', 'output format').choices([...formats]).default(formats[0]))
    .option('--profile <name>', 'AWS profile for s3:// and cwl:// sources')
    .option('--region <region>', 'AWS region for s3:// and cwl:// sources')
    .option('--endpoint-url <url>', 'endpoint of an S3- or CloudWatch-compatible service')
    .option('--concurrency <n>', 'objects read at once from S3', '4')
    .option('--accounts <ids>', 'S3: only these account ids (comma-separated)')
    .option('--regions <names>', 'S3: only these regions (comma-separated)')
    .option('--log-streams <names>', 'CloudWatch: only these log streams (comma-separated)');
}

/** Turns raw options into a Selection, validating the time window. */
export function parseSelection(options: ReadingOptions): Selection {
  const start = options.start === undefined ? undefined : parseTimeOption(options.start, '--start');
  const end = options.end === undefined ? undefined : parseTimeOption(options.end, '--end');
  if (start !== undefined && end !== undefined && end <= start) {
    throw new UsageError(`--end (${options.end}) is not after --start (${options.start})`);
  }
  return {
    start,
    end,
    action: options.action as Selection['action'],
    filterPattern: options.filterPattern,
  };
}

/** Splits a comma-separated option into trimmed values. */
export function splitList(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  return value.split(',').map((v) => v.trim()).filter((v) => v.length > 0);
}

/** Parses a positive integer option. */
export function parsePositiveInt(value: string | undefined, option: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`${option} "${value}" is not a positive integer`);
  return n;
}

/** Parses --fields into snake_case column names, refusing unknown fields. */
export function parseFieldList(text: string | undefined): string[] | undefined {
  if (text === undefined) return undefined;
  return text.split(',').map((name) => {
    const field = findField(name.trim());
    if (!field) throw new UsageError(`--fields: unknown field "${name.trim()}"`, { hint: 'run `flowlens fields` to list field names' });
    return toColumnName(field.name);
  });
}
