import { mkdtempSync, writeFileSync, copyFileSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLocalSource, createStdinSource } from '../../src/sources/index.js';
import type { Source, SourceUnit } from '../../src/sources/index.js';
import { ingestSources, Store } from '../../src/store/index.js';
import { V2_HEADER, openTempStore } from '../helpers/temp-store.js';

const HEADER = V2_HEADER;
const line = (i: number, action = 'ACCEPT'): string => `2 123456789010 eni-1 10.0.1.${i % 250} 10.0.2.6 ${1000 + i} 443 6 10 ${i} ${1700000000 + i} ${1700000060 + i} ${action} OK`;

let dir: string;
let store: Store;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'flowlens-ingest-'));
  store = await openTempStore();
});
afterEach(() => store.close());

const count = async (sql = 'SELECT count(*) FROM flows'): Promise<number> => Number(await store.scalar(sql));

function writeLog(name: string, lines: string[]): string {
  const path = join(dir, name);
  writeFileSync(path, `${HEADER}\n${lines.join('\n')}\n`);
  return path;
}

describe('ingestSources', () => {
  it('stores typed records with numeric addresses', async () => {
    const path = writeLog('a.log', [line(1), '2 123456789010 eni-1 2001:db8::1 2001:db8::2 1 2 6 1 0 1700000000 1700000001 REJECT OK']);
    const summary = await ingestSources(store, [createLocalSource(path)]);
    expect(summary).toMatchObject({ units: 1, records: 2, badLines: 0 });
    const rows = (await store.query('SELECT srcaddr, src_ip, bytes, "end" FROM flows ORDER BY bytes')).rows;
    expect(rows[0]).toEqual({ srcaddr: '2001:db8::1', src_ip: 0x20010db8000000000000000000000001n, bytes: 0, end: 1700000001 });
    expect(rows[1]).toMatchObject({ srcaddr: '10.0.1.1', src_ip: 0xffff0a000101 });
  });

  it('gives each of many units its own unit id, rising in the order they are read, across blocks of ids', async () => {
    // More units than one block of ids taken ahead (256): the next block is taken while the units go on.
    const units = 700;
    const source: Source = {
      name: 'memory',
      async *units() {
        for (let i = 0; i < units; i++) {
          const key = `unit-${String(i).padStart(4, '0')}`;
          yield { key, fingerprint: key, kind: 'text', open: async () => Readable.from([`${HEADER}\n${line(i)}\n`]) } satisfies SourceUnit;
        }
      },
    };
    expect(await ingestSources(store, [source])).toMatchObject({ units, records: units });
    const rows = (await store.query('SELECT unit_key, unit_id FROM ingest_units ORDER BY unit_key')).rows;
    const ids = rows.map((row) => Number(row.unit_id));
    expect(new Set(ids).size).toBe(units);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(await count('SELECT count(DISTINCT unit_id) FROM flows')).toBe(units);
  });

  it('adds nothing when the same files are ingested again', async () => {
    writeLog('a.log', [line(1), line(2)]);
    writeLog('b.log', [line(3)]);
    await ingestSources(store, [createLocalSource(dir)]);
    const again = await ingestSources(store, [createLocalSource(dir)]);
    expect(again).toMatchObject({ units: 0, skippedUnits: 2, records: 0 });
    expect(await count()).toBe(3);
  });

  it('skips a copy of a file already ingested under another name (same content hash)', async () => {
    const a = writeLog('a.log', [line(1), line(2)]);
    copyFileSync(a, join(dir, 'copy.log'));
    const summary = await ingestSources(store, [createLocalSource(dir)]);
    expect(summary.units).toBe(1);
    expect(await count()).toBe(2);
  });

  it('replaces the rows of a file that changed since it was ingested', async () => {
    const path = writeLog('a.log', [line(1), line(2)]);
    await ingestSources(store, [createLocalSource(path)]);
    writeLog('a.log', [line(1), line(2), line(3)]);
    utimesSync(path, new Date(), new Date(Date.now() + 5000));
    await ingestSources(store, [createLocalSource(path)]);
    expect(await count()).toBe(3);
  });

  it('leaves no partial unit when interrupted, and a re-run completes without duplicates or loss', async () => {
    writeLog('a.log', [line(1), line(2)]);
    writeLog('b.log', Array.from({ length: 1000 }, (_, i) => line(i + 10)));
    writeLog('c.log', [line(5)]);
    const local = createLocalSource(dir);
    const crashing: Source = {
      name: 'crashing',
      async *units(options) {
        for await (const unit of local.units(options)) {
          if (!unit.key.endsWith('b.log')) {
            yield unit;
            continue;
          }
          // b.log breaks half-way through its stream, as if the process were killed.
          yield { ...unit, open: async () => Readable.from(failingHalfWay(await unit.open())) } satisfies SourceUnit;
        }
      },
    };
    await expect(ingestSources(store, [crashing])).rejects.toThrow(/simulated crash/);
    expect(await count()).toBe(2);
    expect(await count("SELECT count(*) FROM ingest_units")).toBe(1);
    const summary = await ingestSources(store, [createLocalSource(dir)]);
    expect(summary).toMatchObject({ units: 2, skippedUnits: 1 });
    expect(await count()).toBe(1003);
    expect(await count('SELECT count(DISTINCT bytes) FROM flows')).toBe(1003);
  });

  it('keeps bad lines aside in the rejects table with file, line and reason', async () => {
    const path = writeLog('bad.log', [line(1), 'garbage here', line(2).replace(' 443 ', ' x443 ')]);
    const summary = await ingestSources(store, [createLocalSource(path)]);
    expect(summary).toMatchObject({ records: 1, badLines: 2 });
    const rejects = (await store.query('SELECT source, line, code, field, text FROM rejects ORDER BY line')).rows;
    expect(rejects).toEqual([
      { source: path, line: 3, code: 'field-count', field: null, text: 'garbage here' },
      { source: path, line: 4, code: 'bad-integer', field: 'dstport', text: line(2).replace(' 443 ', ' x443 ') },
    ]);
  });

  it('stops at the first bad line with --strict and stores nothing of that unit', async () => {
    const path = writeLog('bad.log', [line(1), 'garbage here']);
    await expect(ingestSources(store, [createLocalSource(path)], { strict: true })).rejects.toMatchObject({ code: 'bad-line' });
    expect(await count()).toBe(0);
  });

  it('identifies stdin by content so piping the same data twice adds nothing', async () => {
    const text = `${HEADER}\n${line(1)}\n${line(2)}\n`;
    await ingestSources(store, [createStdinSource(Readable.from([Buffer.from(text)]))]);
    const second = await ingestSources(store, [createStdinSource(Readable.from([Buffer.from(text)]))]);
    expect(second.skippedUnits).toBe(1);
    expect(await count()).toBe(2);
  });

  it('drops CloudWatch events already stored when a unit asks for event dedupe', async () => {
    const events = (ids: string[]): string => ids.map((id, i) => JSON.stringify({ eventId: id, timestamp: 1, message: line(i) })).join('\n');
    const unit = (key: string, ids: string[]): SourceUnit => ({ key, fingerprint: key, kind: 'text', dedupeEvents: true, open: async () => Readable.from([Buffer.from(events(ids))]) });
    const source = (units: SourceUnit[]): Source => ({ name: 'cwl', async *units() { yield* units; } });
    await ingestSources(store, [source([unit('w1', ['a', 'b'])])]);
    const summary = await ingestSources(store, [source([unit('w2', ['b', 'c', 'c'])])]);
    expect(summary.duplicates).toBe(2);
    expect((await store.query('SELECT event_id FROM flows ORDER BY event_id')).rows.map((r) => r.event_id)).toEqual(['a', 'b', 'c']);
  });
});

async function* failingHalfWay(stream: Readable): AsyncGenerator<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  const all = Buffer.concat(chunks);
  yield all.subarray(0, all.length / 2);
  throw new Error('simulated crash');
}
