import { Readable } from 'node:stream';
import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { UsageError } from '../../records/index.js';
import { buildAwsClientConfig } from '../aws/client-config.js';
import type { ListOptions, Source, SourceOptions, SourceUnit } from '../types.js';
import { fetchLogEvents } from './fetch-events.js';
import { parseCloudWatchUri } from './uri.js';
import type { CloudWatchLocation } from './uri.js';
import { extendCoverage, parseCoverage, planWindows } from './windows.js';
import type { Coverage, TimeWindow } from './windows.js';

/**
 * How much of the stored coverage a run reads again: flow-log events carry the record's start time
 * as their timestamp and arrive after the aggregation interval (up to 10 minutes) plus delivery delay
 * (https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-cwl.html), so the last half hour may still grow.
 */
export const CURSOR_OVERLAP_MS = 30 * 60 * 1000;

/** Options of createCloudWatchSource beyond the command line's: a ready client and clock (tests), the overlap. */
export interface CloudWatchSourceSettings {
  client?: CloudWatchLogsClient;
  overlapMs?: number;
  now?: () => number;
  pageRetries?: number;
}

/**
 * A `cwl://LOG_GROUP` (or log-group ARN) source: FilterLogEvents over --start/--end (the event
 * timestamp is the record's start), one unit per UTC day of events, each de-duplicated by event id on
 * ingest. With a cursor store the covered time range is remembered per group (and streams and
 * filter), so the next run fetches only what is new plus an overlap for late events.
 */
export async function createCloudWatchSource(
  uri: string,
  options: SourceOptions,
  settings: CloudWatchSourceSettings = {},
): Promise<Source> {
  const location = parseCloudWatchUri(uri);
  if ((options.logStreams?.length ?? 0) > 100)
    throw new UsageError('--log-streams: FilterLogEvents accepts at most 100 log streams');
  const client = settings.client ?? (await createLogsClient(options, location.region));
  const cursorKey = sourceKey(location, options);
  const overlapMs = settings.overlapMs ?? CURSOR_OVERLAP_MS;
  return {
    name: uri,
    async *units(list: ListOptions): AsyncGenerator<SourceUnit> {
      let coverage = parseCoverage(await options.cursors?.get(cursorKey));
      const requested: TimeWindow = {
        from: list.start === undefined ? undefined : list.start * 1000,
        to: list.end === undefined ? (settings.now ?? Date.now)() : list.end * 1000,
      };
      for (const window of planWindows(requested, coverage, overlapMs)) {
        const unit: SourceUnit = {
          key: `${cursorKey}${cursorKey.includes('?') ? '&' : '?'}from=${iso(window.from)}&to=${iso(window.to)}`,
          fingerprint: 'filter-log-events',
          kind: 'text',
          dedupeEvents: true,
          open: async () =>
            Readable.from(
              fetchLogEvents(client, location, window, {
                name: uri,
                logStreams: options.logStreams,
                filterPattern: options.filterPattern,
                signal: list.signal,
                retries: settings.pageRetries,
                onPage: (pages, events) =>
                  options.onStatus?.(
                    uri,
                    `${pages} pages, ${events} events (${iso(window.from)} – ${iso(window.to)})`,
                  ),
              }),
              { objectMode: false },
            ),
          committed: async () => {
            if (!options.cursors) return;
            coverage = extendCoverage(coverage, window);
            await options.cursors.set(cursorKey, JSON.stringify(coverage satisfies Coverage));
          },
        };
        yield unit;
      }
    },
  };
}

/** Creates the CloudWatch Logs client; throttling (FilterLogEvents allows few calls a second) is retried by the SDK first. */
export async function createLogsClient(
  options: SourceOptions,
  arnRegion?: string,
): Promise<CloudWatchLogsClient> {
  const { CloudWatchLogsClient } = await import('@aws-sdk/client-cloudwatch-logs');
  const config = await buildAwsClientConfig(options, { maxAttempts: 8, retryMode: 'standard' });
  return new CloudWatchLogsClient({ ...config, ...(arnRegion ? { region: arnRegion } : {}) });
}

/** Names what a cursor covers: the group, and the streams and filter pattern that narrowed what was read. */
function sourceKey(location: CloudWatchLocation, options: SourceOptions): string {
  const base =
    'logGroupIdentifier' in location.parameter
      ? location.parameter.logGroupIdentifier
      : `cwl://${location.group}`;
  const query: string[] = [];
  if (options.logStreams?.length)
    query.push(`streams=${[...options.logStreams].sort().map(encodeURIComponent).join(',')}`);
  if (options.filterPattern) query.push(`filter=${encodeURIComponent(options.filterPattern)}`);
  return query.length > 0 ? `${base}?${query.join('&')}` : base;
}

function iso(ms: number | undefined): string {
  return ms === undefined ? 'beginning' : new Date(ms).toISOString();
}
