import type { Readable } from 'node:stream';

/** One independently ingestible piece of a source: a file, an S3 object, a CloudWatch Logs fetch. */
export interface SourceUnit {
  /** Stable identity across runs: absolute path, s3://bucket/key, cwl://group/stream. */
  readonly key: string;
  /** Changes when the content changes: size and mtime, the S3 ETag, a CloudWatch time window. */
  readonly fingerprint: string;
  /** Flow-log text (plain or gzip, with or without header, or CloudWatch event JSON lines) or Parquet. */
  readonly kind: 'text' | 'parquet';
  /** Size in bytes when known, for progress. */
  readonly size?: number | undefined;
  /** Opens the raw bytes. */
  open(): Promise<Readable>;
  /**
   * The whole raw bytes of a small unit already read (or being read) ahead, instead of open(); undefined when the
   * source holds no such copy (then call open()). Either one of the two is called, once.
   */
  readWhole?(): Promise<Buffer | undefined>;
  /** Rows of this unit may repeat CloudWatch events already stored; ingest drops those by event id. */
  readonly dedupeEvents?: boolean;
  /** Called after the unit's rows are committed (e.g. to advance a CloudWatch cursor). */
  committed?(): Promise<void>;
}

/** Options that let a source skip work: a record-time window in epoch seconds, and cancellation. */
export interface ListOptions {
  start?: number | undefined;
  end?: number | undefined;
  signal?: AbortSignal | undefined;
  /** Tells a source which units ingest already holds (same key and fingerprint), so it need not download them ahead. */
  isIngested?: ((key: string, fingerprint: string) => Promise<boolean>) | undefined;
}

/** Where flow logs come from: a file, folder, stdin, an S3 prefix or a CloudWatch Logs group. */
export interface Source {
  /** The source as the user named it, for messages. */
  readonly name: string;
  /** Lists the units to read, in a stable order. */
  units(options: ListOptions): AsyncIterable<SourceUnit>;
  /** Counts what units() would list (objects and bytes) without reading them, for progress; absent when unknown. */
  total?(options: ListOptions): Promise<SourceTotal>;
}

/** What a source's listing holds in all. */
export interface SourceTotal {
  units: number;
  bytes: number;
}

/** Options every source accepts from the command line (AWS ones are ignored by local sources). */
export interface SourceOptions {
  profile?: string | undefined;
  region?: string | undefined;
  endpointUrl?: string | undefined;
  concurrency?: number | undefined;
  accounts?: string[] | undefined;
  regions?: string[] | undefined;
  logStreams?: string[] | undefined;
  filterPattern?: string | undefined;
  stdin?: Readable | undefined;
  /** Cursor storage for incremental sources (CloudWatch): read and write a string per source. */
  cursors?: CursorStore | undefined;
  /** Receives progress notes of remote sources (CloudWatch pages and events fetched). */
  onStatus?: ((source: string, message: string) => void) | undefined;
  /** Receives one-line warnings and notices for the user (stderr), e.g. an S3 prefix read in its other form. */
  onWarning?: ((source: string, message: string) => void) | undefined;
  /** S3: the `AWSLogs/{account}/{service}/` folders read (default vpcflowlogs; CloudTrail for `--log-type cloudtrail`). */
  awsLogsServices?: readonly string[] | undefined;
}

/** Persists per-source progress (e.g. the last CloudWatch event time) between runs. */
export interface CursorStore {
  get(source: string): Promise<string | undefined>;
  set(source: string, cursor: string): Promise<void>;
}
