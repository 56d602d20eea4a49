import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CLOUDTRAIL_COLUMNS, CLOUDTRAIL_STRUCT_SHAPES, parseCloudTrailKey, toCloudTrailRow, toShape, USER_IDENTITY_SHAPE } from '../../../src/parse/index.js';
import type { LogStruct, LogValue, Shape } from '../../../src/parse/index.js';

// The straightforward reading of the Athena DDL's rules, kept here to compare the one-pass row builder with:
// every key lowercased into a map (first spelling wins), then each column looked up.
function lowerKeysReference(object: Record<string, unknown>): Map<string, unknown> {
  const map = new Map<string, unknown>();
  for (const key of Object.keys(object)) if (!map.has(key.toLowerCase())) map.set(key.toLowerCase(), object[key]);
  return map;
}

function textReference(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

function shapeReference(value: unknown, shape: Shape): LogValue {
  if (shape === 'string') return textReference(value);
  if (value === null || typeof value !== 'object') return null;
  if (shape === 'map') {
    if (Array.isArray(value)) return null;
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, textReference(item)]));
  }
  if ('list' in shape && Object.keys(shape).length === 1) {
    if (!Array.isArray(value)) return null;
    return value.map((item) => shapeReference(item, shape.list as Shape)).filter((item): item is LogStruct => item !== null && typeof item === 'object' && !Array.isArray(item));
  }
  if (Array.isArray(value)) return null;
  const lower = lowerKeysReference(value as Record<string, unknown>);
  return Object.fromEntries(Object.entries(shape).map(([key, inner]) => [key, shapeReference(lower.get(key), inner)]));
}

function rowReference(event: Record<string, unknown>, key: string): Record<string, LogValue> | string {
  const fields = lowerKeysReference(event);
  const insight = fields.get('insightdetails');
  if (insight !== null && typeof insight === 'object' && !Array.isArray(insight)) {
    const details = lowerKeysReference(insight as Record<string, unknown>);
    for (const name of ['eventsource', 'eventname']) if (!fields.has(name) && details.has(name)) fields.set(name, details.get(name));
  }
  const eventTime = fields.get('eventtime');
  if (typeof eventTime !== 'string' || (!fields.has('eventname') && !fields.has('eventsource'))) return 'bad-value';
  const time = /^(\d{4})-(\d{2})-(\d{2})T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z$/.exec(eventTime);
  if (!time || Number.isNaN(Date.parse(eventTime))) return 'bad-value';
  const row: Record<string, LogValue> = {};
  for (const column of CLOUDTRAIL_COLUMNS) {
    if (!column.record) continue;
    const shape = CLOUDTRAIL_STRUCT_SHAPES[column.name];
    row[column.name] = shape ? shapeReference(fields.get(column.name), shape) : textReference(fields.get(column.name));
  }
  const parts = parseCloudTrailKey(key);
  const parameters = fields.get('requestparameters');
  const parameterFields = parameters !== null && typeof parameters === 'object' && !Array.isArray(parameters) ? lowerKeysReference(parameters as Record<string, unknown>) : null;
  const scalar = (value: unknown): string | null => (typeof value === 'string' || typeof value === 'number' ? String(value) : null);
  Object.assign(row, {
    region: parts?.region ?? textReference(fields.get('awsregion')),
    year: parts?.year ?? time[1],
    month: parts?.month ?? time[2],
    day: parts?.day ?? time[3],
    event_time: Date.parse(eventTime),
    bucketname: scalar(parameterFields?.get('bucketname')),
    key: scalar(parameterFields?.get('key')),
  });
  return row;
}

function rowOf(event: Record<string, unknown>, key: string, values: LogValue[]): Record<string, LogValue> | string {
  const problem = toCloudTrailRow(event, parseCloudTrailKey(key), values);
  if (problem) return problem.code;
  return structuredClone(Object.fromEntries(CLOUDTRAIL_COLUMNS.map((c, i) => [c.name, values[i] ?? null])));
}

// Keys in any spelling (several spellings of one name may meet in one object), values of every JSON kind.
const spelling = (name: string): fc.Arbitrary<string> =>
  fc.array(fc.boolean(), { minLength: name.length, maxLength: name.length }).map((upper) => [...name].map((ch, i) => (upper[i] ? ch.toUpperCase() : ch)).join(''));
const scalar = fc.oneof(fc.string({ maxLength: 6 }), fc.integer(), fc.boolean(), fc.constant(null));
const json: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, scalar, fc.array(tie('value'), { maxLength: 3 }), fc.dictionary(fc.constantFrom('arn', 'Arn', 'type', 'x', 'key', 'Key'), tie('value'), { maxKeys: 4 })),
})).value;
const shaped = (shape: Shape): fc.Arbitrary<unknown> => {
  if (shape === 'string' || shape === 'map') return json;
  if ('list' in shape && Object.keys(shape).length === 1) return fc.oneof(json, fc.array(shaped(shape.list as Shape), { maxLength: 3 }));
  const entries = Object.entries(shape).map(([key, inner]) => fc.tuple(spelling(key), shaped(inner)));
  return fc.oneof({ weight: 1, arbitrary: json }, { weight: 4, arbitrary: fc.subarray(entries).chain((picked) => fc.tuple(...picked)).map((pairs) => Object.fromEntries(pairs)) });
};
const field = (name: string): fc.Arbitrary<[string, unknown]> => {
  const shape = CLOUDTRAIL_STRUCT_SHAPES[name];
  if (name === 'eventtime') return fc.tuple(spelling(name), fc.oneof(fc.constantFrom('2021-12-05T01:02:03Z', '2021-12-05T01:02:03.25Z', '2021-13-05T01:02:03Z', 'yesterday'), json));
  if (name === 'requestparameters') return fc.tuple(spelling(name), fc.oneof(json, fc.record({ bucketName: scalar, BucketName: scalar, key: scalar }, { requiredKeys: [] })));
  if (name === 'insightdetails') return fc.tuple(spelling(name), fc.oneof(json, fc.record({ eventSource: scalar, EventName: scalar }, { requiredKeys: [] })));
  return fc.tuple(spelling(name), shape ? shaped(shape) : json);
};
const names = CLOUDTRAIL_COLUMNS.filter((c) => c.record).map((c) => c.name);
const event = fc
  .tuple(fc.subarray([...names, 'eventtime', 'eventsource', 'eventname', 'notacolumn'], { minLength: 1 }), fc.constantFrom('eventtime', 'eventsource', 'eventname', 'useridentity'))
  .chain(([picked, again]) => fc.tuple(...[...picked, again].map(field)))
  .map((pairs) => {
    const object: Record<string, unknown> = {};
    for (const [key, value] of pairs) if (!(key in object)) object[key] = value;
    return object;
  });
const key = fc.constantFrom('events.json', 'AWSLogs/111122223333/CloudTrail/us-west-2/2019/02/01/x.json.gz');

describe('toCloudTrailRow', () => {
  it('gives the same row or problem as the plain lowercase-map reading for any event', () => {
    const values = new Array<LogValue>(CLOUDTRAIL_COLUMNS.length).fill(null);
    fc.assert(
      fc.property(event, key, (input, file) => {
        expect(rowOf(input, file, values)).toEqual(rowReference(input, file));
      }),
      { numRuns: 2000 },
    );
  });

  it('keeps the first spelling of a key and leaves absent struct fields null', () => {
    const values = new Array<LogValue>(CLOUDTRAIL_COLUMNS.length).fill(null);
    const row = rowOf(
      { eventTime: '2021-12-05T01:02:03Z', eventName: 'A', EVENTNAME: 'B', userIdentity: { Type: 'Root', type: 'IAMUser', ARN: 'arn:1' }, requestParameters: { BucketName: 'b1', bucketName: 'b2' } },
      'events.json',
      values,
    );
    expect(row).toMatchObject({ eventname: 'A', bucketname: 'b1', useridentity: { type: 'Root', arn: 'arn:1', principalid: null, sessioncontext: null } });
  });

  it('does not carry a field over from the previous event', () => {
    const values = new Array<LogValue>(CLOUDTRAIL_COLUMNS.length).fill(null);
    rowOf({ eventTime: '2021-12-05T01:02:03Z', eventName: 'A', errorCode: 'Denied' }, 'events.json', values);
    expect(rowOf({ eventTime: '2021-12-05T01:02:03Z', eventName: 'B' }, 'events.json', values)).toMatchObject({ eventname: 'B', errorcode: null });
  });

  it('shapes a struct the same way whatever the order and case of its keys', () => {
    const a = toShape({ principalId: 'p', Type: 'Root', sessionContext: { sessionIssuer: { userName: 'u' } } }, USER_IDENTITY_SHAPE);
    const b = toShape({ SessionContext: { SessionIssuer: { USERNAME: 'u' } }, type: 'Root', PRINCIPALID: 'p' }, USER_IDENTITY_SHAPE);
    expect(a).toEqual(b);
    expect(a).toMatchObject({ type: 'Root', principalid: 'p', sessioncontext: { sessionissuer: { username: 'u', arn: null }, attributes: null } });
  });
});
