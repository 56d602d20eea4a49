import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SourceError } from '../../src/records/index.js';
import { createCloudWatchSource } from '../../src/sources/cloudwatch/index.js';
import type { Source, SourceOptions } from '../../src/sources/index.js';
import { createStoreCursors, ingestSources, Store } from '../../src/store/index.js';
import { parseNdjson, runFlowlens } from '../helpers/cli.js';
import { startFakeLogs } from './helpers/cwl-server.js';
import type { FakeLogsServer } from './helpers/cwl-server.js';
import { flowLines } from './helpers/flow-data.js';
import { useTestAwsEnv } from './helpers/s3-server.js';

const HOUR = 3600;
const T0 = Date.UTC(2024, 0, 2, 10) / 1000;

let logs: FakeLogsServer;
let restoreEnv: () => void;
let store: Store;

/** Puts `count` flow records into a stream as events timestamped with each record's start, as AWS does. */
function addFlows(group: string, stream: string, count: number, start: number, seed: number): void {
  const events = flowLines(count, { start, seed, eni: stream }).map((message) => ({
    timestamp: Number(message.split(' ')[10]) * 1000,
    message,
  }));
  logs.addEvents(group, stream, events);
}

async function flowCount(): Promise<number> {
  return Number(await store.scalar('SELECT count(*) FROM flows'));
}

function source(uri: string, options: SourceOptions = {}, now = (T0 + 2 * HOUR) * 1000): Promise<Source> {
  return createCloudWatchSource(
    uri,
    { endpointUrl: logs.endpoint, ...options },
    { now: () => now, overlapMs: 30 * 60 * 1000 },
  );
}

beforeAll(() => {
  restoreEnv = useTestAwsEnv();
});
afterAll(() => restoreEnv?.());

beforeEach(async () => {
  logs = await startFakeLogs({ pageSize: 4 });
  store = await Store.memory();
  addFlows('vpc-flow-logs', 'eni-0000000000000000a', 10, T0, 1);
  addFlows('vpc-flow-logs', 'eni-0000000000000000b', 10, T0 + 30, 2);
});

afterEach(async () => {
  store.close();
  await logs.stop();
});

describe('createCloudWatchSource', () => {
  it('reads every page of FilterLogEvents over the window, streams interleaved, into records with event ids', async () => {
    logs.options.emptyFirstPage = true;
    const summary = await ingestSources(store, [await source('cwl://vpc-flow-logs')], {
      list: { start: T0, end: T0 + HOUR },
    });
    expect(summary.records).toBe(20);
    expect(await flowCount()).toBe(20);
    expect(Number(await store.scalar('SELECT count(DISTINCT event_id) FROM flows'))).toBe(20);
    // One empty page that still has a token, then 20 events in pages of 4.
    expect(logs.requests.map((r) => r.nextToken ?? null)).toEqual([
      null,
      'offset:0',
      'offset:4',
      'offset:8',
      'offset:12',
      'offset:16',
    ]);
    expect(logs.requests[0]).toMatchObject({
      logGroupName: 'vpc-flow-logs',
      startTime: T0 * 1000,
      endTime: (T0 + HOUR) * 1000 - 1,
    });
  });

  it('retries a ThrottlingException with backoff', async () => {
    logs.options.throttle = 1;
    const summary = await ingestSources(store, [await source('cwl://vpc-flow-logs')], {
      list: { start: T0, end: T0 + HOUR },
    });
    expect(summary.records).toBe(20);
    expect(logs.requests[0]?.nextToken).toBeUndefined();
    expect(logs.requests[1]?.nextToken).toBeUndefined();
  });

  it('passes --log-streams and --filter-pattern to the service', async () => {
    const pattern =
      '[version, account, eni, source, destination, srcport, destport="22", protocol="6", packets, bytes, windowstart, windowend, action="REJECT", flowlogstatus]';
    const cwl = await source('cwl://vpc-flow-logs', {
      logStreams: ['eni-0000000000000000b'],
      filterPattern: pattern,
    });
    const summary = await ingestSources(store, [cwl], { list: { start: T0, end: T0 + HOUR } });
    expect(logs.requests[0]).toMatchObject({
      logStreamNames: ['eni-0000000000000000b'],
      filterPattern: pattern,
    });
    const rows = await store.query('SELECT DISTINCT interface_id, dstport, action FROM flows');
    expect(summary.records).toBeGreaterThan(0);
    expect(rows.rows).toEqual([{ interface_id: 'eni-0000000000000000b', dstport: 22, action: 'REJECT' }]);
  });

  it('names a log-group ARN by logGroupIdentifier', async () => {
    const cwl = await source('arn:aws:logs:us-east-1:123456789012:log-group:vpc-flow-logs:*');
    await ingestSources(store, [cwl], { list: { start: T0, end: T0 + HOUR } });
    expect(logs.requests[0]?.logGroupIdentifier).toBe(
      'arn:aws:logs:us-east-1:123456789012:log-group:vpc-flow-logs',
    );
    expect(await flowCount()).toBe(20);
  });

  it('fails with a SourceError naming a missing log group', async () => {
    const error = await ingestSources(store, [await source('cwl://missing-group')], {
      list: { start: T0, end: T0 + HOUR },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SourceError);
    expect((error as SourceError).code).toBe('not-found');
    expect((error as SourceError).message).toContain('cwl://missing-group');
  });

  it('remembers how far it got: the next run fetches only what is new plus the overlap, and drops repeats by event id', async () => {
    const cursors = createStoreCursors(store);
    addFlows('vpc-flow-logs', 'eni-0000000000000000d', 1, T0 + 50 * 60, 7);
    const first = await ingestSources(
      store,
      [await source('cwl://vpc-flow-logs', { cursors }, (T0 + HOUR) * 1000)],
      { list: {} },
    );
    expect(first.records).toBe(21);
    expect(JSON.parse((await cursors.get('cwl://vpc-flow-logs')) as string)).toEqual({
      from: 0,
      to: (T0 + HOUR) * 1000,
    });
    // New events, and one late event inside the overlap (timestamped before the first run's end).
    addFlows('vpc-flow-logs', 'eni-0000000000000000a', 5, T0 + HOUR + 60, 3);
    addFlows('vpc-flow-logs', 'eni-0000000000000000c', 1, T0 + HOUR - 10 * 60, 4);
    logs.requests.length = 0;
    const second = await ingestSources(
      store,
      [await source('cwl://vpc-flow-logs', { cursors }, (T0 + 2 * HOUR) * 1000)],
      { list: {} },
    );
    expect(logs.requests[0]?.startTime).toBe((T0 + HOUR) * 1000 - 30 * 60 * 1000);
    expect(second.records).toBe(6);
    expect(second.duplicates).toBe(1); // the T0+50min event, read again in the overlap
    expect(await flowCount()).toBe(27);
    // Nothing new: a third run adds nothing.
    const third = await ingestSources(
      store,
      [await source('cwl://vpc-flow-logs', { cursors }, (T0 + 2 * HOUR) * 1000)],
      { list: {} },
    );
    expect(third.records).toBe(0);
    expect(await flowCount()).toBe(27);
  });

  it('resumes an interrupted multi-day run from the last stored day', async () => {
    addFlows('vpc-flow-logs', 'eni-0000000000000000a', 3, T0 + 24 * HOUR, 5);
    addFlows('vpc-flow-logs', 'eni-0000000000000000a', 3, T0 + 48 * HOUR, 6);
    const cursors = createStoreCursors(store);
    const start = Date.UTC(2024, 0, 2) / 1000;
    const end = start + 3 * 24 * HOUR;
    const cwl = await source('cwl://vpc-flow-logs', { cursors });
    const interrupted: Source = {
      name: cwl.name,
      async *units(list) {
        let n = 0;
        for await (const unit of cwl.units(list)) {
          if (n++ === 1) throw new Error('killed');
          yield unit;
        }
      },
    };
    await expect(ingestSources(store, [interrupted], { list: { start, end } })).rejects.toThrow('killed');
    expect(await flowCount()).toBe(20);
    logs.requests.length = 0;
    const resumed = await ingestSources(store, [await source('cwl://vpc-flow-logs', { cursors })], {
      list: { start, end },
    });
    expect(resumed.records).toBe(6);
    expect(await flowCount()).toBe(26);
    // Only the days after the stored one (minus the overlap) were fetched again.
    expect(Math.min(...logs.requests.map((r) => r.startTime ?? 0))).toBe(
      (start + 24 * HOUR) * 1000 - 30 * 60 * 1000,
    );
  });
});

describe('flowlens print/ingest cwl://… (end to end)', () => {
  it('prints the records of a log group over --start/--end', async () => {
    const run = await runFlowlens([
      'print',
      'cwl://vpc-flow-logs',
      '--endpoint-url',
      logs.endpoint,
      '--region',
      'us-east-1',
      '--start',
      String(T0),
      '--end',
      String(T0 + 5 * 60),
      '--format',
      'ndjson',
      '--fields',
      'interface-id,start,action',
    ]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const rows = parseNdjson(run.stdout);
    expect(rows).toHaveLength(10);
    expect(rows[0]).toEqual({ interface_id: 'eni-0000000000000000a', start: T0, action: 'REJECT' });
  });

  it('ingests only what is new on the next run, keeping the cursor in the database', async () => {
    const db = join(await mkdtemp(join(tmpdir(), 'flowlens-cwl-')), 'flows.duckdb');
    try {
      const argv = (end: number): string[] => [
        'ingest',
        'cwl://vpc-flow-logs',
        '--endpoint-url',
        logs.endpoint,
        '--db',
        db,
        '--start',
        String(T0),
        '--end',
        String(end),
        '--format',
        'json',
      ];
      const first = await runFlowlens(argv(T0 + HOUR));
      expect(first.code).toBe(0);
      expect(JSON.parse(first.stdout)).toMatchObject({ records: 20, failedUnits: 0 });
      addFlows('vpc-flow-logs', 'eni-0000000000000000a', 3, T0 + HOUR + 60, 8);
      logs.requests.length = 0;
      const second = await runFlowlens(argv(T0 + 2 * HOUR));
      expect(JSON.parse(second.stdout)).toMatchObject({ records: 3 });
      expect(logs.requests[0]?.startTime).toBe((T0 + HOUR) * 1000 - 30 * 60 * 1000);
      const cursor = await runFlowlens([
        'query',
        'SELECT source, cursor FROM ingest_cursors',
        '--db',
        db,
        '--format',
        'ndjson',
      ]);
      expect(parseNdjson(cursor.stdout)).toEqual([
        {
          source: 'cwl://vpc-flow-logs',
          cursor: JSON.stringify({ from: T0 * 1000, to: (T0 + 2 * HOUR) * 1000 }),
        },
      ]);
    } finally {
      await rm(dirname(db), { recursive: true, force: true });
    }
  });

  it('reports a missing log group with a hint', async () => {
    const run = await runFlowlens([
      'print',
      'cwl://nope',
      '--endpoint-url',
      logs.endpoint,
      '--start',
      String(T0),
      '--end',
      String(T0 + 60),
    ]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('error: cannot read cwl://nope: ResourceNotFoundException');
    expect(run.stderr).toContain('hint: check the log group name');
  });
});
