import { UsageError } from '../records/index.js';
import { createLocalSource, createStdinSource } from './local.js';
import type { Source, SourceOptions } from './types.js';

/** A factory for a URI scheme (s3://, cwl://, arn:aws:logs:...), loaded lazily so local use needs no AWS SDK. */
export type SourceFactory = (uri: string, options: SourceOptions) => Promise<Source>;

const remoteFactories: { test: (uri: string) => boolean; load: () => Promise<SourceFactory> }[] = [];

/** Registers a remote source kind; the S3 and CloudWatch modules call this. */
export function registerSourceKind(test: (uri: string) => boolean, load: () => Promise<SourceFactory>): void {
  remoteFactories.push({ test, load });
}

/** Turns a SOURCE argument (path, folder, `-`, s3://…, cwl://…) into a Source. */
export async function resolveSource(uri: string, options: SourceOptions = {}): Promise<Source> {
  if (uri === '-') {
    if (!options.stdin) throw new UsageError('"-" reads standard input, but no input stream is available');
    return createStdinSource(options.stdin);
  }
  for (const factory of remoteFactories) {
    if (factory.test(uri)) return (await factory.load())(uri, options);
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(uri)) {
    throw new UsageError(`unsupported source "${uri}"`, { hint: 'sources are paths, -, s3://bucket/prefix or cwl://log-group' });
  }
  return createLocalSource(uri);
}
