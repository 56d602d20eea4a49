import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import type { Gzip } from 'node:zlib';
import { generateFlowLogChunks, resolveGenerateOptions } from './generator.js';
import type { GeneratedObject, GenerateOptions } from './generator.js';
import type { VpcModel } from './model.js';

/** Where objects go under --out: AWS's S3 prefixes, its Hive-compatible prefixes, or all in one folder. */
export type GenerateLayout = 's3' | 'hive' | 'flat';

/** Options of writeFlowLogs: generator options plus the destination. */
export interface WriteFlowLogsOptions extends GenerateOptions {
  /** Folder to write objects under; when absent, everything goes to `stream` as one continuous text. */
  out?: string | undefined;
  stream?: Writable | undefined;
  layout?: GenerateLayout | undefined;
  /** Gzip each object (default: true with `out`, false on a stream). */
  gzip?: boolean | undefined;
  /** zlib compression level 1-9 (default 6, zlib's default). */
  gzipLevel?: number | undefined;
}

/** One written object: its path (relative to `out`, or `-` for the stream), records and bytes before and after compression. */
export interface WrittenObject {
  path: string;
  records: number;
  textBytes: number;
}

/** What writeFlowLogs wrote. */
export interface WriteFlowLogsSummary {
  records: number;
  textBytes: number;
  objects: WrittenObject[];
  seconds: number;
}

/**
 * Generates flow logs and writes them to a folder (one object per hour, laid out like AWS's S3
 * delivery) or to a stream, with backpressure, so memory stays bounded at any size.
 */
export async function writeFlowLogs(options: WriteFlowLogsOptions): Promise<WriteFlowLogsSummary> {
  const started = performance.now();
  const resolved = resolveGenerateOptions(options);
  const toFolder = options.out !== undefined;
  const gzip = options.gzip ?? toFolder;
  const level = options.gzipLevel ?? 6;
  const summary: WriteFlowLogsSummary = { records: 0, textBytes: 0, objects: [], seconds: 0 };
  let sink: ObjectSink | null = null;
  let current: GeneratedObject | null = null;
  try {
    for (const chunk of generateFlowLogChunks({ ...options, split: options.split ?? toFolder })) {
      if (chunk.object !== current) {
        current = chunk.object;
        await sink?.close();
        const path = toFolder ? objectKey(resolved.model, chunk.object, options.layout ?? 's3', gzip) : '-';
        sink = toFolder ? await openFile(join(options.out as string, path), gzip, level) : openStream(options.stream ?? process.stdout, gzip, level);
        summary.objects.push({ path, records: 0, textBytes: 0 });
      }
      const written = summary.objects[summary.objects.length - 1] as WrittenObject;
      written.records += chunk.records;
      written.textBytes += chunk.data.length;
      summary.records += chunk.records;
      summary.textBytes += chunk.data.length;
      if (!(await (sink as ObjectSink).write(chunk.data))) break;
    }
    await sink?.close();
  } catch (error) {
    sink?.destroy();
    throw error;
  }
  summary.seconds = (performance.now() - started) / 1000;
  return summary;
}

/**
 * The key of an object as AWS writes it: `AWSLogs/{account}/vpcflowlogs/{region}/YYYY/MM/DD/{account}_vpcflowlogs_{region}_{flow-log-id}_{YYYYMMDDTHHmmZ}_{hash}.log.gz`
 * (AWS VPC guide, "Flow log files" for S3); `hive` uses the Hive-compatible prefixes with hourly partitions.
 */
export function objectKey(model: VpcModel, object: GeneratedObject, layout: GenerateLayout, gzip: boolean): string {
  const date = new Date(object.time * 1000);
  const yyyy = String(date.getUTCFullYear());
  const mm = pad(date.getUTCMonth() + 1);
  const dd = pad(date.getUTCDate());
  const hh = pad(date.getUTCHours());
  const stamp = `${yyyy}${mm}${dd}T${hh}${pad(date.getUTCMinutes())}Z`;
  const name = `${model.accountId}_vpcflowlogs_${model.region}_${model.flowLogId}_${stamp}_${object.hash}.log${gzip ? '.gz' : ''}`;
  switch (layout) {
    case 'flat':
      return name;
    case 'hive':
      return `AWSLogs/aws-account-id=${model.accountId}/aws-service=vpcflowlogs/aws-region=${model.region}/year=${yyyy}/month=${mm}/day=${dd}/hour=${hh}/${name}`;
    default:
      return `AWSLogs/${model.accountId}/vpcflowlogs/${model.region}/${yyyy}/${mm}/${dd}/${name}`;
  }
}

interface ObjectSink {
  /** Writes bytes, waiting while the destination is busy; false when the destination has gone (e.g. a closed pipe). */
  write(data: Buffer): Promise<boolean>;
  close(): Promise<void>;
  destroy(): void;
}

async function openFile(path: string, gzip: boolean, level: number): Promise<ObjectSink> {
  await mkdir(dirname(path), { recursive: true });
  const file = createWriteStream(path, { highWaterMark: 1024 * 1024 });
  const compressor = gzip ? createGzip({ level, chunkSize: 256 * 1024 }) : null;
  const head: Writable = compressor ?? file;
  const done = compressor ? pipeline(compressor, file) : null;
  // Surface a failure of the pipeline at the next write or close, not as an unhandled rejection.
  done?.catch(() => undefined);
  return {
    write: (data) => writeWithBackpressure(head, data),
    async close() {
      head.end();
      if (done) await done;
      else await new Promise<void>((resolve, reject) => file.once('close', resolve).once('error', reject));
    },
    destroy() {
      compressor?.destroy();
      file.destroy();
    },
  };
}

function openStream(stream: Writable, gzip: boolean, level: number): ObjectSink {
  let compressor: Gzip | null = null;
  if (gzip) {
    const gz = createGzip({ level, chunkSize: 256 * 1024 });
    gz.pipe(stream, { end: false });
    // A reader that goes away (`| head`) must stop the compressor too, or writes would wait forever.
    const stop = (): void => void gz.destroy();
    stream.once('close', stop).once('error', stop);
    gz.once('close', () => stream.off('close', stop).off('error', stop));
    compressor = gz;
  }
  const head = compressor ?? stream;
  return {
    write: (data) => writeWithBackpressure(head, data),
    async close() {
      const gz = compressor;
      if (!gz || gz.destroyed) return;
      const flushed = new Promise<void>((resolve) => gz.once('end', resolve).once('close', resolve));
      gz.end();
      await flushed;
    },
    destroy() {
      compressor?.destroy();
    },
  };
}

function writeWithBackpressure(stream: Writable, data: Buffer): Promise<boolean> {
  if (stream.destroyed || stream.writableEnded) return Promise.resolve(false);
  if (stream.write(data)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const finish = (ok: boolean) => (): void => {
      stream.off('drain', onDrain);
      stream.off('close', onClose);
      stream.off('error', onClose);
      resolve(ok);
    };
    const onDrain = finish(true);
    const onClose = finish(false);
    stream.once('drain', onDrain);
    stream.once('close', onClose);
    stream.once('error', onClose);
  });
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}
