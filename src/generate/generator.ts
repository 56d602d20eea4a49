import { DEFAULT_LOG_FORMAT, parseFormatString } from '../parse/index.js';
import type { LogFormat } from '../parse/index.js';
import { UsageError } from '../records/index.js';
import { Emitter } from './emitter.js';
import type { GenerateStyle } from './emitter.js';
import { buildVpcModel } from './model.js';
import type { VpcModel } from './model.js';
import { hexId, Random } from './random.js';
import { compileLineBuilders } from './record.js';
import { TrafficSimulator } from './traffic.js';
import type { TrafficComponent } from './traffic.js';

/** Options of the generator; every default is the documented `flowlens generate` default. */
export interface GenerateOptions {
  /** Number of records (default 100000). */
  records?: number | undefined;
  /** Seed of the pseudo-random generator (default 1): the same seed and options give the same bytes. */
  seed?: string | number | undefined;
  /** Epoch seconds of the first aggregation window (default 2024-05-01T00:00:00Z). */
  start?: number | undefined;
  /** Hours of traffic (default 24). */
  hours?: number | undefined;
  style?: GenerateStyle | undefined;
  /** Record format: a LogFormat or an AWS format string (default: the v2 default format). */
  format?: LogFormat | string | undefined;
  accountId?: string | undefined;
  region?: string | undefined;
  /** Starts a new object once one holds this many bytes of text, counted before compression (default 256 MiB). */
  maxObjectBytes?: number | undefined;
  /** True (default): one object per hour, as flow logs arrive in S3; false: one continuous stream. */
  split?: boolean | undefined;
  /** Seconds of records per object when split (default 3600; 300 or 600 as AWS's 5- and 10-minute delivery). */
  objectSeconds?: number | undefined;
}

/** One output object (an S3 log file): its index, the epoch second its records start at, and its file-name hash. */
export interface GeneratedObject {
  readonly index: number;
  readonly time: number;
  readonly hash: string;
}

/** A batch of generated text (complete lines, ASCII bytes) belonging to one object. */
export interface GeneratedChunk {
  readonly object: GeneratedObject;
  readonly data: Buffer;
  readonly records: number;
}

/** The documented defaults. */
export const GENERATE_DEFAULTS = {
  records: 100_000,
  seed: 1,
  start: Date.UTC(2024, 4, 1) / 1000,
  hours: 24,
  maxObjectBytes: 256 * 1024 * 1024,
} as const;

// Share of all records per component; the web share takes the rounding remainder.
const SHARES: readonly (readonly [TrafficComponent, number])[] = [
  ['web', 0.585],
  ['internal', 0.16],
  ['egress', 0.14],
  ['admin', 0.005],
  ['ssh-brute-force', 0.04],
  ['port-scan', 0.015],
  ['probes', 0.04],
  ['ipv6', 0.01],
  ['nodata', 0.005],
];

const SLICE_SECONDS = 60;
const CHUNK_BYTES = 1024 * 1024;

/** Generator options with every default applied, and the simulated account. */
export interface ResolvedGenerateOptions {
  records: number;
  seed: string | number;
  start: number;
  hours: number;
  style: GenerateStyle;
  format: LogFormat;
  maxObjectBytes: number;
  split: boolean;
  objectSeconds: number;
  model: VpcModel;
}

/** Resolves generator options to their values, validating them. */
export function resolveGenerateOptions(options: GenerateOptions): ResolvedGenerateOptions {
  const records = options.records ?? GENERATE_DEFAULTS.records;
  const hours = options.hours ?? GENERATE_DEFAULTS.hours;
  if (!Number.isSafeInteger(records) || records < 0) throw new UsageError(`records must be a non-negative integer, not ${records}`);
  if (!(hours > 0) || !Number.isFinite(hours) || Math.round(hours * 60) < 1) throw new UsageError(`hours must be a positive number (at least one minute), not ${hours}`);
  const format = typeof options.format === 'string' ? parseFormatString(options.format) : (options.format ?? DEFAULT_LOG_FORMAT);
  const seed = options.seed ?? GENERATE_DEFAULTS.seed;
  return {
    records,
    hours,
    seed,
    start: Math.floor(options.start ?? GENERATE_DEFAULTS.start),
    style: options.style ?? 's3',
    format,
    maxObjectBytes: options.maxObjectBytes ?? GENERATE_DEFAULTS.maxObjectBytes,
    split: options.split ?? true,
    objectSeconds: Math.max(60, Math.round((options.objectSeconds ?? 3600) / 60) * 60),
    model: buildVpcModel({ seed, accountId: options.accountId, region: options.region }),
  };
}

/**
 * Generates flow-log text in chunks of complete lines, streaming: memory stays bounded however many
 * records are asked for. Traffic is simulated minute by minute with a daily rhythm; attacks run in
 * windows placed by the seed. S3-style objects start with a header line.
 */
export function* generateFlowLogChunks(options: GenerateOptions = {}): Generator<GeneratedChunk> {
  const o = resolveGenerateOptions(options);
  const random = new Random(`traffic:${o.seed}`);
  const builders = compileLineBuilders(o.format, o.model);
  const emitter = new Emitter(builders, o.style, new Random(`events:${o.seed}`));
  const simulator = new TrafficSimulator(o.model, random, emitter);
  const slices = Math.round(o.hours * 60);
  const schedule = buildSchedule(o.records, slices, o.start, new Random(`schedule:${o.seed}`));
  const header = Buffer.from(o.style === 's3' ? `${o.format.header}\n` : '');
  // Objects open lazily at their first chunk, so an hour without records writes no empty file.
  let object: GeneratedObject | null = null;
  let objectTime = o.split ? o.start - (o.start % o.objectSeconds) : o.start;
  let objectBytes = 0;
  let index = 0;
  const flush = (): GeneratedChunk => {
    let data = emitter.take();
    if (object === null) {
      object = { index, time: objectTime, hash: hexId(`${o.seed}:${index}`, 8) };
      index++;
      objectBytes = 0;
      if (header.length > 0) data = Buffer.concat([header, data]);
    }
    objectBytes += data.length;
    const chunk: GeneratedChunk = { object, data, records: emitter.records };
    emitter.records = 0;
    return chunk;
  };
  for (let slice = 0; slice < slices; slice++) {
    const sliceStart = o.start + slice * SLICE_SECONDS;
    simulator.sliceStart = sliceStart;
    if (o.split && sliceStart % o.objectSeconds === 0 && slice > 0) {
      if (emitter.records > 0) yield flush();
      object = null;
      objectTime = sliceStart;
    }
    for (let k = 0; k < schedule.components.length; k++) {
      const component = schedule.components[k] as TrafficComponent;
      emitter.remaining = schedule.count(k, slice);
      while (emitter.remaining > 0) {
        simulator.step(component);
        if (emitter.length < CHUNK_BYTES) continue;
        yield flush();
        if (o.split && objectBytes >= o.maxObjectBytes) {
          object = null;
          objectTime = sliceStart;
        }
      }
    }
  }
  if (emitter.records > 0 || index === 0) yield flush();
}

/** Generates flow-log lines one by one (without newlines), header lines included: convenient for tests and small outputs. */
export function* generateFlowLogLines(options: GenerateOptions = {}): Generator<string> {
  for (const chunk of generateFlowLogChunks(options)) {
    const lines = chunk.data.toString('latin1').split('\n');
    lines.pop();
    yield* lines;
  }
}

/** Generates flow-log lines as an async iterable (without newlines), for consumers that await between lines. */
export async function* generateFlowLogs(options: GenerateOptions = {}): AsyncGenerator<string> {
  yield* generateFlowLogLines(options);
}

interface Schedule {
  readonly components: readonly TrafficComponent[];
  count(component: number, slice: number): number;
}

// Spreads each component's record total over the minutes by its weight curve, rounding cumulatively so
// the totals are exact: the output has exactly `records` records.
function buildSchedule(records: number, slices: number, start: number, random: Random): Schedule {
  const totals = SHARES.map(([, share]) => Math.floor(records * share));
  totals[0] = (totals[0] as number) + records - totals.reduce((a, b) => a + b, 0);
  const bruteStart = Math.floor(slices * (0.2 + 0.3 * random.float()));
  const bruteLength = Math.max(1, Math.floor(slices * 0.15));
  const scanStart = Math.floor(slices * (0.6 + 0.25 * random.float()));
  const scanLength = Math.max(1, Math.min(30, Math.floor(slices * 0.05)));
  const weights = SHARES.map(() => new Float64Array(slices));
  for (let i = 0; i < slices; i++) {
    const time = start + i * SLICE_SECONDS;
    const day = rhythm(time) * (0.9 + 0.2 * random.float());
    const working = isWorkingHour(time) ? 1 : 0.05;
    const curves = [day, 0.8 + 0.2 * day, day, working, i >= bruteStart && i < bruteStart + bruteLength ? 1 : 0.03, i >= scanStart && i < scanStart + scanLength ? 1 : 0, 1, day, 2 - day];
    curves.forEach((w, k) => ((weights[k] as Float64Array)[i] = w));
  }
  const cumulative = weights.map((w) => {
    const c = new Float64Array(slices + 1);
    for (let i = 0; i < slices; i++) c[i + 1] = (c[i] as number) + (w[i] as number);
    return c;
  });
  return {
    components: SHARES.map(([name]) => name),
    count(k, slice) {
      const c = cumulative[k] as Float64Array;
      const total = totals[k] as number;
      const sum = c[slices] as number;
      if (sum === 0 || total === 0) return 0;
      return Math.round((total * (c[slice + 1] as number)) / sum) - Math.round((total * (c[slice] as number)) / sum);
    },
  };
}

// Daily shape of user traffic: low at 04:00 UTC, high at 16:00 UTC, quieter at weekends.
function rhythm(time: number): number {
  const date = new Date(time * 1000);
  const hour = date.getUTCHours() + date.getUTCMinutes() / 60;
  const weekend = date.getUTCDay() === 0 || date.getUTCDay() === 6 ? 0.75 : 1;
  return (0.25 + 0.75 * (0.5 - 0.5 * Math.cos((2 * Math.PI * (hour - 4)) / 24))) * weekend;
}

function isWorkingHour(time: number): boolean {
  const date = new Date(time * 1000);
  const day = date.getUTCDay();
  const hour = date.getUTCHours();
  return day >= 1 && day <= 5 && hour >= 13 && hour < 22;
}
