import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTextEvents, looksLikeText, TEXT_EVENTS_TABLE } from '../../src/store/text-events.js';
import { resolveSource } from '../../src/sources/index.js';
import { Store } from '../../src/store/index.js';
import { fixturePath } from '../query/fixture-store.js';

describe('text events', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flowlens-text-events-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const detect = async (path: string) => looksLikeText([path], [await resolveSource(path)], undefined);
  const file = async (name: string, content: string | Buffer) => {
    const path = join(dir, name);
    await writeFile(path, content);
    return path;
  };

  it.each([
    ['flow logs with a header line', fixturePath('aws-docs/nat-gateway-custom.log')],
    ['default-format flow logs', fixturePath('queries/flows-mixed.log')],
    ['S3 server access logs', fixturePath('s3-access/aws-docs-current.log')],
  ])('leaves %s to their own reader', async (_name, path) => {
    expect(await detect(path)).toBe(false);
  });

  it('recognizes application logs, plain or gzip, and JSON events that are not flow records', async () => {
    expect(await detect(await file('app.log', '\n[INFO] started\n[WARN] slow\n'))).toBe(true);
    expect(await detect(await file('app.log.gz', gzipSync('GET /index.html 200\n')))).toBe(true);
    expect(await detect(await file('events.json', '{"level":"info","msg":"hi"}\n'))).toBe(true);
    expect(await detect(await file('empty.log', ''))).toBe(false);
  });

  it('does not look at standard input or names that are not local paths', async () => {
    const { Readable } = await import('node:stream');
    expect(await looksLikeText(['-'], [await resolveSource('-', { stdin: Readable.from([Buffer.from('text\n')]) })], undefined)).toBe(false);
  });

  it('loads one event per non-empty line with the leading time (UTC when no zone) or a CloudWatch event\'s own fields', async () => {
    const lines = [
      '2024-05-01T10:00:00.250Z first',
      '2024-05-01 10:00:01,5 second (no zone)',
      '[2024-05-01T12:00:02+02:00] third',
      '',
      'no time',
      '{"timestamp": 1700000000000, "message": "from CloudWatch", "ingestionTime": 1}',
      '{"message": "JSON without a time"}',
    ];
    const path = await file('mixed.log', lines.join('\r\n'));
    const store = await Store.memory();
    try {
      expect(await loadTextEvents(store, [await resolveSource(path)])).toBe(6);
      const rows = (await store.query(`SELECT timestamp, message FROM ${TEXT_EVENTS_TABLE} ORDER BY message`)).rows;
      const expected = [
        [Date.UTC(2024, 4, 1, 10, 0, 0, 250), lines[0]],
        [Date.UTC(2024, 4, 1, 10, 0, 1, 500), lines[1]],
        [Date.UTC(2024, 4, 1, 10, 0, 2), lines[2]],
        [null, lines[4]],
        [1700000000000, 'from CloudWatch'],
        [null, lines[6]],
      ].map(([timestamp, message]) => ({ timestamp, message }));
      expect(rows).toEqual(expected.sort((a, b) => (String(a.message) < String(b.message) ? -1 : 1)));
    } finally {
      store.close();
    }
  });
});
