import type { LogStruct, LogValue } from '../log-type/types.js';

/** The shape of a nested CloudTrail value as AWS's Athena DDL declares it: text, a struct, a list or a text map. */
export type Shape = 'string' | 'map' | { readonly list: Shape } | { readonly [key: string]: Shape };

const S = 'string' as const;

// Structs of AWS's Athena DDL for CloudTrail ("Create a table for CloudTrail logs in Athena using manual
// partitioning"), with its lowercase field names. JSON keys are matched case-insensitively, as Hive's JsonSerDe does.
/** useridentity: who made the request (CloudTrail userIdentity element). */
export const USER_IDENTITY_SHAPE: Shape = {
  type: S,
  principalid: S,
  arn: S,
  accountid: S,
  invokedby: S,
  accesskeyid: S,
  username: S,
  onbehalfof: { userid: S, identitystorearn: S },
  sessioncontext: {
    attributes: { mfaauthenticated: S, creationdate: S },
    sessionissuer: { type: S, principalid: S, arn: S, accountid: S, username: S },
    ec2roledelivery: S,
    webidfederationdata: { federatedprovider: S, attributes: 'map' },
  },
};

/** resources: the resources accessed in the event. */
export const RESOURCES_SHAPE: Shape = { list: { arn: S, accountid: S, type: S } };

/** addendum: why and how a delayed or updated event was changed. */
export const ADDENDUM_SHAPE: Shape = { reason: S, updatedfields: S, originalrequestid: S, originaleventid: S };

/** tlsdetails: TLS version, cipher suite and host header of the request. */
export const TLS_DETAILS_SHAPE: Shape = { tlsversion: S, ciphersuite: S, clientprovidedhostheader: S };

/** Converts a JSON value to the DDL's STRING: strings as is, other scalars as text, objects and arrays as JSON text. */
export function toText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return JSON.stringify(value);
}

/** Converts a JSON value to a shape: every declared key present (null when absent), keys lowercase. */
export function toShape(value: unknown, shape: Shape): LogValue {
  if (shape === 'string') return toText(value);
  if (value === null || typeof value !== 'object') return null;
  if (shape === 'map') {
    if (Array.isArray(value)) return null;
    const map: LogStruct = {};
    for (const [key, item] of Object.entries(value)) map[key] = toText(item);
    return map;
  }
  if (isListShape(shape)) {
    if (!Array.isArray(value)) return null;
    return value.map((item) => toShape(item, shape.list)).filter((item): item is LogStruct => item !== null && typeof item === 'object' && !Array.isArray(item));
  }
  if (Array.isArray(value)) return null;
  // One pass over the object's keys: a declared key absent from it stays null, as toShape(undefined) would give.
  const plan = structPlan(shape);
  const struct: LogStruct = {};
  for (const key of plan.keys) struct[key] = null;
  const object = value as Record<string, unknown>;
  let assigned = 0;
  for (const key in object) {
    const index = plan.index.get(lowerCase(key));
    if (index === undefined || (assigned & (1 << index)) !== 0) continue;
    assigned |= 1 << index;
    struct[plan.keys[index] as string] = toShape(object[key], plan.shapes[index] as Shape);
  }
  return struct;
}

/** A struct shape's keys in order, their shapes, and each key's position (the bit marking it assigned). */
interface StructPlan {
  keys: string[];
  shapes: Shape[];
  index: Map<string, number>;
}

const STRUCT_PLANS = new WeakMap<object, StructPlan>();

function structPlan(shape: { readonly [key: string]: Shape }): StructPlan {
  let plan = STRUCT_PLANS.get(shape);
  if (!plan) {
    const keys = Object.keys(shape);
    if (keys.length > 31) throw new Error('a CloudTrail struct shape has at most 31 keys');
    plan = { keys, shapes: keys.map((key) => shape[key] as Shape), index: new Map(keys.map((key, i) => [key, i])) };
    STRUCT_PLANS.set(shape, plan);
  }
  return plan;
}

/** The DuckDB type of a shape: STRUCT(...), LIST (`[]`), MAP(VARCHAR, VARCHAR) or VARCHAR. */
export function shapeSqlType(shape: Shape): string {
  if (shape === 'string') return 'VARCHAR';
  if (shape === 'map') return 'MAP(VARCHAR, VARCHAR)';
  if (isListShape(shape)) return `${shapeSqlType(shape.list)}[]`;
  return `STRUCT(${Object.entries(shape).map(([key, inner]) => `"${key}" ${shapeSqlType(inner)}`).join(', ')})`;
}

/** A JSON object's entries keyed by lowercase name (the first spelling wins). */
export function lowerKeys(object: Record<string, unknown>): Map<string, unknown> {
  const map = new Map<string, unknown>();
  // for…in over a parsed JSON object visits its own keys in Object.keys order, without Object.entries' pair arrays.
  for (const key in object) {
    const lower = lowerCase(key);
    if (!map.has(lower)) map.set(lower, object[key]);
  }
  return map;
}

// CloudTrail's keys repeat from event to event: their lowercase forms are kept (a bounded number) rather than made again.
const LOWER_CASE_CACHE = new Map<string, string>();
const LOWER_CASE_CACHE_SIZE = 4096;

/** The lowercase form of a JSON key (cached: CloudTrail's keys repeat from event to event). */
export function lowerCase(key: string): string {
  let lower = LOWER_CASE_CACHE.get(key);
  if (lower === undefined) {
    lower = key.toLowerCase();
    if (LOWER_CASE_CACHE.size < LOWER_CASE_CACHE_SIZE) LOWER_CASE_CACHE.set(key, lower);
  }
  return lower;
}

function isListShape(shape: Shape): shape is { readonly list: Shape } {
  return typeof shape === 'object' && 'list' in shape && Object.keys(shape).length === 1;
}
