import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { abortOption, backoffDelay, isTransientError, sleep } from '../aws/backoff.js';
import { toSourceError } from '../aws/errors.js';
import type { CloudWatchLocation } from './uri.js';
import type { TimeWindow } from './windows.js';

/** What to fetch besides the window: log streams, the service-side filter pattern, cancellation, progress. */
export interface FetchEventsOptions {
  logStreams?: readonly string[] | undefined;
  filterPattern?: string | undefined;
  signal?: AbortSignal | undefined;
  /** Retries of a page after the SDK's own attempts failed with throttling or a transient error (default 4). */
  retries?: number | undefined;
  onPage?: ((pages: number, events: number) => void) | undefined;
  /** Names the source in error messages. */
  name: string;
}

/**
 * Pages through FilterLogEvents over [from, to) until nextToken is exhausted (pages may be empty
 * and still carry a token), yielding each page as NDJSON lines `{"eventId","timestamp","message","logStreamName"}`
 * — the shape the flow-log decoder unwraps, with the event id kept for de-duplication.
 */
export async function* fetchLogEvents(
  client: CloudWatchLogsClient,
  location: CloudWatchLocation,
  window: TimeWindow,
  options: FetchEventsOptions,
): AsyncGenerator<Buffer> {
  const { FilterLogEventsCommand } = await import('@aws-sdk/client-cloudwatch-logs');
  const retries = options.retries ?? 4;
  let token: string | undefined;
  let pages = 0;
  let events = 0;
  let failures = 0;
  for (;;) {
    let page;
    try {
      page = await client.send(
        new FilterLogEventsCommand({
          ...location.parameter,
          // FilterLogEvents includes both ends: startTime ≤ timestamp ≤ endTime.
          startTime: window.from,
          endTime: window.to - 1,
          logStreamNames: options.logStreams?.length ? [...options.logStreams] : undefined,
          filterPattern: options.filterPattern,
          nextToken: token,
        }),
        abortOption(options.signal),
      );
    } catch (error) {
      if (!isTransientError(error) || failures >= retries || options.signal?.aborted)
        throw toSourceError(error, `cannot read ${options.name}`, { permission: 'logs:FilterLogEvents' });
      failures++;
      await sleep(backoffDelay(failures, 1000, 20_000), options.signal);
      continue;
    }
    failures = 0;
    pages++;
    const lines: string[] = [];
    for (const event of page.events ?? []) {
      lines.push(
        JSON.stringify({
          eventId: event.eventId,
          timestamp: event.timestamp,
          message: event.message ?? '',
          logStreamName: event.logStreamName,
        }),
      );
    }
    events += lines.length;
    options.onPage?.(pages, events);
    if (lines.length > 0) yield Buffer.from(`${lines.join('\n')}\n`);
    // A repeated token would loop forever; the service never sends one, a broken proxy might.
    if (!page.nextToken || page.nextToken === token) return;
    token = page.nextToken;
  }
}
