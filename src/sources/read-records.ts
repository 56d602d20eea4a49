import type { FlowRecord } from '../records/index.js';
import type { LogFormat, ParseIssue } from '../parse/index.js';
import { decodeUnit, parseFormatString } from '../parse/index.js';
import type { RecordSelection } from '../query/selection.js';
import { selectionToPredicate } from '../query/selection.js';
import { resolveSource } from './resolve.js';
// The s3:// and cwl:// kinds register themselves here.
import './remote.js';
import type { SourceOptions } from './types.js';

/** Options of readRecords: how to reach the SOURCEs, the format of header-less lines, which records, what to do with bad lines. */
export interface ReadRecordsOptions extends SourceOptions {
  /** The format of header-less lines, AWS syntax (`${version} ${srcaddr} …`); default the v2 format. */
  logFormat?: string | LogFormat | undefined;
  /** Keep only these records (time window on `start`, action, CloudWatch filter pattern). */
  selection?: RecordSelection | undefined;
  /** Called with every line that is no valid record; without it bad lines are skipped silently. */
  onIssue?: ((issue: ParseIssue) => void) | undefined;
}

/**
 * Reads flow records from SOURCEs (files, folders, `-`, `s3://…`, `cwl://…`) as an async iterator, one object per
 * record keyed by snake_case field name, in source order; nothing is stored. Leaving the loop early stops reading.
 */
export async function* readRecords(sources: string | readonly string[], options: ReadRecordsOptions = {}): AsyncGenerator<FlowRecord> {
  const format = typeof options.logFormat === 'string' ? parseFormatString(options.logFormat) : options.logFormat;
  const selection = options.selection ?? {};
  const predicate = await selectionToPredicate(selection);
  for (const uri of typeof sources === 'string' ? [sources] : sources) {
    const source = await resolveSource(uri, options);
    for await (const unit of source.units({ start: selection.start, end: selection.end })) {
      for await (const batch of unitBatches(unit, format, predicate, options.onIssue)) yield* batch;
    }
  }
}

type Predicate = Awaited<ReturnType<typeof selectionToPredicate>>;

/** Decodes one unit, handing its records over one batch at a time: decoding waits until the consumer took the batch. */
async function* unitBatches(unit: Parameters<typeof decodeUnit>[0], format: LogFormat | undefined, predicate: Predicate, onIssue: ReadRecordsOptions['onIssue']): AsyncGenerator<FlowRecord[]> {
  const ready: (FlowRecord[] | { error: unknown } | null)[] = [];
  let batch: FlowRecord[] = [];
  let wake: (() => void) | undefined;
  let resume: (() => void) | undefined;
  let stopped = false;
  const push = (item: FlowRecord[] | { error: unknown } | null): void => {
    ready.push(item);
    wake?.();
  };
  const decoding = decodeUnit(
    unit,
    {
      row(rowFormat, values, meta) {
        if (predicate && !predicate(rowFormat, values, meta)) return;
        const record: FlowRecord = {};
        rowFormat.columns.forEach((column, i) => (record[column] = values[i] ?? null));
        batch.push(record);
      },
      issue: (issue) => onIssue?.(issue),
      async afterBatch() {
        if (stopped) throw new ReadStopped();
        if (batch.length === 0) return;
        push(batch);
        batch = [];
        await new Promise<void>((resolve) => (resume = resolve));
        if (stopped) throw new ReadStopped();
      },
    },
    { format },
  ).then(
    () => {
      if (batch.length > 0) ready.push(batch);
      push(null);
    },
    (error: unknown) => push(error instanceof ReadStopped ? null : { error }),
  );
  try {
    for (;;) {
      if (ready.length === 0) await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
      const item = ready.shift();
      if (item === null) break;
      if (item === undefined) continue;
      if (!Array.isArray(item)) throw item.error;
      yield item;
      const next = resume;
      resume = undefined;
      next?.();
    }
  } finally {
    stopped = true;
    resume?.();
    await decoding;
  }
}

class ReadStopped extends Error {}
