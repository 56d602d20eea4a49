import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCloudWatchSource } from '../../src/sources/cloudwatch/index.js';
import { createLocalSource } from '../../src/sources/index.js';
import type { Source, SourceUnit } from '../../src/sources/index.js';
import { createS3Source } from '../../src/sources/s3/index.js';
import { ingestSources, Store } from '../../src/store/index.js';
import { startFakeLogs } from './helpers/cwl-server.js';
import type { FakeLogsServer } from './helpers/cwl-server.js';
import { flowLines, gzipLines, plainKey } from './helpers/flow-data.js';
import { startS3Server, useTestAwsEnv } from './helpers/s3-server.js';
import type { TestS3Server } from './helpers/s3-server.js';

// Every Source gives the same records from the same content, with stable unit identities, and
// re-ingesting it adds nothing (hono's common router cases, one suite over all implementations).
const START = Date.UTC(2024, 0, 2, 10) / 1000;
const FILES = [flowLines(6, { start: START, seed: 1 }), flowLines(4, { start: START + 600, seed: 2 })];
const WINDOW = { start: START - 3600, end: START + 3 * 3600 };

let folder: string;
let s3: TestS3Server;
let logs: FakeLogsServer;
let restoreEnv: () => void;

beforeAll(async () => {
  restoreEnv = useTestAwsEnv();
  folder = await mkdtemp(join(tmpdir(), 'flowlens-contract-'));
  s3 = await startS3Server();
  await s3.createBucket('contract');
  logs = await startFakeLogs({ pageSize: 3 });
  for (const [i, lines] of FILES.entries()) {
    const time = START + i * 600;
    await writeFile(join(folder, `file-${i}.log.gz`), gzipLines(lines));
    await s3.put('contract', plainKey('123456789012', 'us-east-1', time), gzipLines(lines));
    logs.addEvents(
      'contract',
      `eni-${i}`,
      lines.map((message) => ({ timestamp: Number(message.split(' ')[10]) * 1000, message })),
    );
  }
});

afterAll(async () => {
  await s3?.stop();
  await logs?.stop();
  await rm(folder, { recursive: true, force: true });
  restoreEnv?.();
});

const cases: [string, () => Promise<Source>][] = [
  ['local folder', async () => createLocalSource(folder)],
  ['s3', async () => createS3Source('s3://contract', { endpointUrl: s3.endpoint })],
  [
    'cloudwatch',
    async () =>
      createCloudWatchSource(
        'cwl://contract',
        { endpointUrl: logs.endpoint },
        { now: () => (START + 3 * 3600) * 1000 },
      ),
  ],
];

describe.each(cases)('Source contract: %s', (_name, create) => {
  it('lists units with stable keys and fingerprints', async () => {
    const list = async (): Promise<SourceUnit[]> => {
      const units: SourceUnit[] = [];
      for await (const unit of (await create()).units(WINDOW)) units.push(unit);
      return units;
    };
    const first = await list();
    const second = await list();
    expect(first.length).toBeGreaterThan(0);
    expect(second.map((u) => [u.key, u.fingerprint, u.kind])).toEqual(
      first.map((u) => [u.key, u.fingerprint, u.kind]),
    );
    expect(new Set(first.map((u) => u.key)).size).toBe(first.length);
  });

  it('yields the same records as the content it was given', async () => {
    const store = await Store.memory();
    try {
      await ingestSources(store, [await create()], { list: WINDOW });
      const rows = await store.query(
        'SELECT srcaddr, dstaddr, srcport, dstport, packets, bytes, "start", "end", action FROM flows ORDER BY srcport, "start", dstaddr',
      );
      const expected = FILES.flat()
        .map((line) => line.split(' '))
        .map((v) => ({
          srcaddr: v[3],
          dstaddr: v[4],
          srcport: Number(v[5]),
          dstport: Number(v[6]),
          packets: BigInt(v[8] as string),
          bytes: BigInt(v[9] as string),
          start: BigInt(v[10] as string),
          end: BigInt(v[11] as string),
          action: v[12],
        }))
        .sort(
          (a, b) =>
            a.srcport - b.srcport ||
            Number(a.start - b.start) ||
            String(a.dstaddr).localeCompare(String(b.dstaddr)),
        );
      expect(
        rows.rows.map((row) => ({
          ...row,
          packets: BigInt(row.packets as number),
          bytes: BigInt(row.bytes as number),
          start: BigInt(row.start as number),
          end: BigInt(row.end as number),
        })),
      ).toEqual(expected);
    } finally {
      store.close();
    }
  });

  it('adds nothing when ingested again', async () => {
    const store = await Store.memory();
    try {
      const first = await ingestSources(store, [await create()], { list: WINDOW });
      const again = await ingestSources(store, [await create()], { list: WINDOW });
      expect(first.records).toBe(10);
      expect(again.records).toBe(0);
      expect(Number(await store.scalar('SELECT count(*) FROM flows'))).toBe(10);
    } finally {
      store.close();
    }
  });
});
