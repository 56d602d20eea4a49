import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { FlowlensError, SourceError } from '../records/index.js';
import { sqlLiteral } from '../sql/index.js';
import { FlowLogDecoder } from './decoder.js';
import type { RowSink } from './decoder.js';
import { buildFormat } from './format.js';
import type { LogFormat } from './format.js';
import { readByteBatches, readLineBatches, TruncatedInputError } from './line-reader.js';

/** What decodeUnit needs of a unit: its name, whether it is text or Parquet, and its bytes. */
export interface DecodableUnit {
  readonly key: string;
  readonly kind: 'text' | 'parquet';
  open(): Promise<Readable>;
}

/** A row sink that may also do asynchronous work between batches (e.g. flushing to the store). */
export interface BatchingRowSink extends RowSink {
  afterBatch?(): Promise<void>;
}

/** Options of decodeUnit: the format of header-less lines, and a byte counter for progress. */
export interface DecodeUnitOptions {
  format?: LogFormat | undefined;
  onBytes?: ((bytes: number) => void) | undefined;
}

/** Counts from decoding one unit. */
export interface DecodeCounts {
  records: number;
  bad: number;
  headers: number;
  /** Records whose start or end was in milliseconds (read as seconds); absent for S3 access and CloudTrail logs. */
  millisecondTimes?: number;
}

/** Decodes a unit's text or Parquet into rows; a truncated or corrupt input becomes an issue after the good rows. */
export async function decodeUnit(unit: DecodableUnit, sink: BatchingRowSink, options: DecodeUnitOptions = {}): Promise<DecodeCounts> {
  const decoder = new FlowLogDecoder(sink, { file: unit.key, format: options.format });
  if (unit.kind === 'parquet') {
    await decodeParquet(unit, decoder, sink, options);
    return { records: decoder.records, bad: decoder.bad, headers: decoder.headers, millisecondTimes: decoder.millisecondTimes };
  }
  const stream = await unit.open();
  const reading = { name: unit.key, onBytes: options.onBytes };
  try {
    if (sink.rawRecord) {
      // Sinks that take records as bytes get them without any string being made (ingest's fast path).
      for await (const batch of readByteBatches(stream, reading)) {
        decoder.pushBytes(batch.bytes, batch.firstLine);
        await sink.afterBatch?.();
      }
    } else {
      for await (const batch of readLineBatches(stream, reading)) {
        decoder.pushLines(batch.lines, batch.firstLine);
        await sink.afterBatch?.();
      }
    }
    decoder.finish();
  } catch (error) {
    if (!(error instanceof TruncatedInputError)) throw error;
    decoder.finish();
    decoder.bad++;
    sink.issue({ code: 'corrupt-input', file: unit.key, line: error.line, message: `${error.message} (${error.hint ?? ''})`, text: error.partialLine });
  }
  await sink.afterBatch?.();
  return { records: decoder.records, bad: decoder.bad, headers: decoder.headers, millisecondTimes: decoder.millisecondTimes };
}

async function decodeParquet(unit: DecodableUnit, decoder: FlowLogDecoder, sink: BatchingRowSink, options: DecodeUnitOptions): Promise<void> {
  const { DuckDBInstance } = await import('../store/duckdb-api.js');
  const folder = await mkdtemp(join(tmpdir(), 'flowlens-parquet-'));
  const path = join(folder, 'object.parquet');
  try {
    const input = await unit.open();
    input.on('data', (chunk: Buffer) => options.onBytes?.(chunk.length));
    await pipeline(input, createWriteStream(path));
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    try {
      const result = await connection.stream(`SELECT * FROM read_parquet(${sqlLiteral(path)})`);
      const format = parquetFormat(result.columnNames(), unit.key);
      decoder.pushMessage(format.header, { line: 0, text: format.header });
      let row = 0;
      for await (const batch of result.yieldRowsJs()) {
        for (const values of batch) {
          row++;
          const text = values.map((v) => (v === null || v === undefined ? '-' : String(v))).join(' ');
          decoder.pushMessage(text, { line: row, text });
        }
        await sink.afterBatch?.();
      }
    } catch (error) {
      if (error instanceof FlowlensError) throw error;
      decoder.bad++;
      sink.issue({ code: 'corrupt-input', file: unit.key, line: 0, message: `cannot read Parquet: ${(error as Error).message}`, text: '' });
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

function parquetFormat(columns: readonly string[], key: string): LogFormat {
  try {
    return buildFormat(columns);
  } catch (error) {
    throw new SourceError('parquet-schema', `${key}: Parquet columns are not flow-log fields: ${(error as Error).message}`, {
      hint: 'flowlens reads Parquet flow logs as AWS writes them (columns named like version, account_id, srcaddr)',
      cause: error,
    });
  }
}
