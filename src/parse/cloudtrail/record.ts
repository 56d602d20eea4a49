import type { ParseIssueCode } from '../issues.js';
import type { LogValue } from '../log-type/types.js';
import { CLOUDTRAIL_COLUMNS, CLOUDTRAIL_STRUCT_SHAPES } from './fields.js';
import { lowerCase, lowerKeys, toShape, toText } from './shapes.js';
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
// The columns that are fields of the event itself, by lowercase name and in DDL order.
const RECORD_INDEX = new Map(CLOUDTRAIL_COLUMNS.flatMap((c, i) => (c.record ? [[c.name, i] as const] : [])));
const RECORD_INDEXES = [...RECORD_INDEX.values()];
const column = (name: string): number => RECORD_INDEX.get(name) as number;
const EVENT_TIME = column('eventtime');
const EVENT_SOURCE = column('eventsource');
const EVENT_NAME = column('eventname');
const AWS_REGION = column('awsregion');
const REQUEST_PARAMETERS = column('requestparameters');
const INSIGHT_DETAILS = column('insightdetails');

/** Reads the account, region and date of a CloudTrail object key as AWS lays them out; null for other keys. */
export function parseCloudTrailKey(key: string): CloudTrailKeyParts | null {
  const m = KEY_PATTERN.exec(key.replaceAll('\\', '/'));
  if (!m) return null;
  return { account: m[1] as string, region: m[2] as string, year: m[3] as string, month: m[4] as string, day: m[5] as string };
}

/**
 * Fills `values` (one per CLOUDTRAIL_COLUMNS entry) from one CloudTrail event: record fields keyed like the
 * Athena DDL (JSON keys matched case-insensitively, the first spelling winning, objects as JSON text in STRING
 * columns), the partition columns from the object key (else from awsregion and eventtime), and the derived time,
 * bucket and key.
 */
export function toCloudTrailRow(event: unknown, keyParts: CloudTrailKeyParts | null, values: LogValue[]): CloudTrailRecordProblem | null {
  if (event === null || typeof event !== 'object' || Array.isArray(event)) {
    return { code: 'bad-json', message: 'a CloudTrail record is a JSON object' };
  }
  const found = collectRecordFields(event as Record<string, unknown>);
  // Insights events name the API the insight is about inside insightDetails, not at the top level.
  const insight = found.get(INSIGHT_DETAILS);
  if (insight !== null && typeof insight === 'object' && !Array.isArray(insight)) {
    const details = lowerKeys(insight as Record<string, unknown>);
    for (const index of [EVENT_SOURCE, EVENT_NAME]) {
      const name = (CLOUDTRAIL_COLUMNS[index] as { name: string }).name;
      if (!found.has(index) && details.has(name)) found.set(index, details.get(name));
    }
  }
  const eventTime = found.get(EVENT_TIME);
  if (typeof eventTime !== 'string' || (!found.has(EVENT_NAME) && !found.has(EVENT_SOURCE))) {
    const missing = typeof eventTime === 'string' ? 'eventSource and eventName are missing' : 'eventTime is missing';
    return { code: 'bad-value', field: 'eventtime', message: `not a CloudTrail event: ${missing}` };
  }
  const time = ISO_TIME.exec(eventTime);
  const epoch = time ? Date.parse(eventTime) : NaN;
  if (!time || Number.isNaN(epoch)) {
    return { code: 'bad-value', field: 'eventtime', message: `eventTime "${eventTime}" is not an ISO 8601 UTC time like 2019-02-01T03:18:19Z` };
  }
  for (const index of RECORD_INDEXES) {
    const shape = SHAPES[index];
    const value = found.get(index);
    values[index] = shape ? toShape(value, shape) : toText(value);
  }
  const parameters = found.get(REQUEST_PARAMETERS);
  const bucket = parameters !== null && typeof parameters === 'object' && !Array.isArray(parameters) ? requestTarget(parameters as Record<string, unknown>) : null;
  set(values, 'region', keyParts?.region ?? toText(found.get(AWS_REGION)));
  set(values, 'year', keyParts?.year ?? (time[1] as string));
  set(values, 'month', keyParts?.month ?? (time[2] as string));
  set(values, 'day', keyParts?.day ?? (time[3] as string));
  set(values, 'event_time', epoch);
  set(values, 'bucketname', scalarText(bucket?.bucketname));
  set(values, 'key', scalarText(bucket?.key));
  return null;
}

/**
 * The record fields of one event, by column index: one pass over its keys (lowercased, the first spelling of a
 * name kept), with no map of the keys that are not columns. `has` tells a field present with a null value from
 * an absent one.
 */
class RecordFields {
  private readonly raw: unknown[] = new Array<unknown>(CLOUDTRAIL_COLUMNS.length);
  private readonly seen = new Uint32Array(CLOUDTRAIL_COLUMNS.length);
  private generation = 0;

  /** Forgets the previous event's fields. */
  reset(): void {
    this.generation++;
    if (this.generation === 0xffffffff) {
      this.seen.fill(0);
      this.generation = 1;
    }
  }

  has(index: number): boolean {
    return this.seen[index] === this.generation;
  }

  get(index: number): unknown {
    return this.seen[index] === this.generation ? this.raw[index] : undefined;
  }

  set(index: number, value: unknown): void {
    this.seen[index] = this.generation;
    this.raw[index] = value;
  }
}

const FIELDS = new RecordFields();

function collectRecordFields(event: Record<string, unknown>): RecordFields {
  FIELDS.reset();
  // for…in over a parsed JSON object visits its own keys in Object.keys order.
  for (const key in event) {
    const index = RECORD_INDEX.get(lowerCase(key));
    if (index !== undefined && !FIELDS.has(index)) FIELDS.set(index, event[key]);
  }
  return FIELDS;
}

// requestParameters' bucketName and key (matched case-insensitively, the first spelling winning).
function requestTarget(parameters: Record<string, unknown>): { bucketname: unknown; key: unknown } {
  const target: { bucketname: unknown; key: unknown } = { bucketname: undefined, key: undefined };
  let bucketSeen = false;
  let keySeen = false;
  for (const name in parameters) {
    const lower = lowerCase(name);
    if (lower === 'bucketname' && !bucketSeen) {
      bucketSeen = true;
      target.bucketname = parameters[name];
    } else if (lower === 'key' && !keySeen) {
      keySeen = true;
      target.key = parameters[name];
    }
  }
  return target;
}

function set(values: LogValue[], column: string, value: LogValue): void {
  values[INDEX.get(column) as number] = value;
}

function scalarText(value: unknown): string | null {
  return typeof value === 'string' || typeof value === 'number' ? String(value) : null;
}
