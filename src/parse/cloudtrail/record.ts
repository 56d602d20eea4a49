import type { ParseIssueCode } from '../issues.js';
import type { LogValue } from '../log-type/types.js';
import { CLOUDTRAIL_COLUMNS, CLOUDTRAIL_STRUCT_SHAPES } from './fields.js';
import { lowerKeys, toShape, toText } from './shapes.js';
import type { Shape } from './shapes.js';

/** The partition values of a CloudTrail object key (AWSLogs/[o-org/]{account}/CloudTrail/{region}/YYYY/MM/DD/...). */
export interface CloudTrailKeyParts {
  account: string;
  region: string;
  year: string;
  month: string;
  day: string;
}

/** Why a CloudTrail record was refused. */
export interface CloudTrailRecordProblem {
  code: ParseIssueCode;
  field?: string;
  message: string;
}

const KEY_PATTERN = /AWSLogs\/(?:o-[a-z0-9]+\/)?(\d{12})\/CloudTrail\/([a-z0-9-]+)\/(\d{4})\/(\d{2})\/(\d{2})(?:\/|$)/;
const ISO_TIME = /^(\d{4})-(\d{2})-(\d{2})T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z$/;
const INDEX = new Map(CLOUDTRAIL_COLUMNS.map((c, i) => [c.name, i]));
const SHAPES: (Shape | null)[] = CLOUDTRAIL_COLUMNS.map((c) => CLOUDTRAIL_STRUCT_SHAPES[c.name] ?? null);

/** Reads the account, region and date of a CloudTrail object key as AWS lays them out; null for other keys. */
export function parseCloudTrailKey(key: string): CloudTrailKeyParts | null {
  const m = KEY_PATTERN.exec(key.replaceAll('\\', '/'));
  if (!m) return null;
  return { account: m[1] as string, region: m[2] as string, year: m[3] as string, month: m[4] as string, day: m[5] as string };
}

/**
 * Fills `values` (one per CLOUDTRAIL_COLUMNS entry) from one CloudTrail event: record fields keyed like the
 * Athena DDL (JSON keys matched case-insensitively, objects as JSON text in STRING columns), the partition
 * columns from the object key (else from awsregion and eventtime), and the derived time, bucket and key.
 */
export function toCloudTrailRow(event: unknown, keyParts: CloudTrailKeyParts | null, values: LogValue[]): CloudTrailRecordProblem | null {
  if (event === null || typeof event !== 'object' || Array.isArray(event)) {
    return { code: 'bad-json', message: 'a CloudTrail record is a JSON object' };
  }
  const fields = lowerKeys(event as Record<string, unknown>);
  // Insights events name the API the insight is about inside insightDetails, not at the top level.
  const insight = fields.get('insightdetails');
  if (insight !== null && typeof insight === 'object' && !Array.isArray(insight)) {
    const details = lowerKeys(insight as Record<string, unknown>);
    for (const name of ['eventsource', 'eventname']) if (fields.get(name) === undefined && details.has(name)) fields.set(name, details.get(name));
  }
  const eventTime = fields.get('eventtime');
  if (typeof eventTime !== 'string' || (fields.get('eventname') === undefined && fields.get('eventsource') === undefined)) {
    const missing = typeof eventTime === 'string' ? 'eventSource and eventName are missing' : 'eventTime is missing';
    return { code: 'bad-value', field: 'eventtime', message: `not a CloudTrail event: ${missing}` };
  }
  const time = ISO_TIME.exec(eventTime);
  const epoch = time ? Date.parse(eventTime) : NaN;
  if (!time || Number.isNaN(epoch)) {
    return { code: 'bad-value', field: 'eventtime', message: `eventTime "${eventTime}" is not an ISO 8601 UTC time like 2019-02-01T03:18:19Z` };
  }
  CLOUDTRAIL_COLUMNS.forEach((column, i) => {
    if (!column.record) return;
    const shape = SHAPES[i];
    values[i] = shape ? toShape(fields.get(column.name), shape) : toText(fields.get(column.name));
  });
  const parameters = fields.get('requestparameters');
  const parameterFields = parameters !== null && typeof parameters === 'object' && !Array.isArray(parameters) ? lowerKeys(parameters as Record<string, unknown>) : null;
  set(values, 'region', keyParts?.region ?? toText(fields.get('awsregion')));
  set(values, 'year', keyParts?.year ?? (time[1] as string));
  set(values, 'month', keyParts?.month ?? (time[2] as string));
  set(values, 'day', keyParts?.day ?? (time[3] as string));
  set(values, 'event_time', epoch);
  set(values, 'bucketname', scalarText(parameterFields?.get('bucketname')));
  set(values, 'key', scalarText(parameterFields?.get('key')));
  return null;
}

function set(values: LogValue[], column: string, value: LogValue): void {
  values[INDEX.get(column) as number] = value;
}

function scalarText(value: unknown): string | null {
  return typeof value === 'string' || typeof value === 'number' ? String(value) : null;
}
