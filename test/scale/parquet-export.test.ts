import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VPC_FIELDS, toColumnName } from '../../src/records/index.js';
import { buildExportSql, exportParquet, listParquetFiles, parquetColumnsFor } from '../../src/scale/index.js';
import { Store, sqlLiteral } from '../../src/store/index.js';
import { runFlowlens } from '../helpers/cli.js';
import { sampleFlowLogText } from './sample-flows.js';

let dir: string;
let db: string;
const COLUMNS = VPC_FIELDS.map((f) => toColumnName(f.name));

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flowlens-export-test-'));
  db = join(dir, 'flows.duckdb');
  await writeFile(join(dir, 'flows.log'), sampleFlowLogText(3000));
  const run = await runFlowlens(['ingest', join(dir, 'flows.log'), '--db', db]);
  expect(run.code).toBe(0);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function storeRows(): Promise<Record<string, unknown>[]> {
  const store = await Store.open(db, { readOnly: true });
  try {
    const cols = COLUMNS.map((c) => `"${c}"`).join(', ');
    return (await store.query(`SELECT ${cols} FROM flows ORDER BY start, srcport, dstport, bytes`)).rows;
  } finally {
    store.close();
  }
}

describe('exportParquet', () => {
  it.each([
    ['zstd', 'day'],
    ['snappy', 'hour'],
  ] as const)('round-trips every field and null with %s compression and %s partitions', async (compression, partition) => {
    const out = join(dir, `out-${compression}`);
    const run = await runFlowlens(['export', 'parquet', '--db', db, '--out', out, '--compression', compression, '--partition', partition]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/exported 3000 records into \d+ partitions/);
    const files = await listParquetFiles(out);
    const pattern = partition === 'hour' ? /^year=2024\/month=01\/day=0[1-3]\/hour=\d{2}\/flowlens-[0-9a-f-]+\.parquet$/ : /^year=2024\/month=01\/day=0[1-3]\/flowlens-[0-9a-f-]+\.parquet$/;
    for (const f of files) expect(f.path).toMatch(pattern);
    expect(new Set(files.map((f) => f.path.split('/').slice(0, 3).join('/')))).toEqual(new Set(['year=2024/month=01/day=01', 'year=2024/month=01/day=02', 'year=2024/month=01/day=03']));

    const expected = await storeRows();
    // DuckDB reads the files back, partition columns as text.
    const store = await Store.memory();
    try {
      const cols = COLUMNS.map((c) => `"${c}"`).join(', ');
      const back = await store.query(
        `SELECT ${cols}, year, month, day FROM read_parquet(${sqlLiteral(`${out}/**/*.parquet`)}, hive_partitioning = true, hive_types_autocast = false) ORDER BY start, srcport, dstport, bytes`,
      );
      expect(back.rows.map((r) => Object.fromEntries(COLUMNS.map((c) => [c, r[c]])))).toEqual(expected);
      for (const r of back.rows) {
        const day = new Date(Number(r.start) * 1000).toISOString().slice(0, 10);
        expect(`${r.year}-${r.month}-${r.day}`).toBe(day);
      }
    } finally {
      store.close();
    }

    // An independent reader (hyparquet) sees the same values and AWS's physical types.
    const independent: Record<string, unknown>[] = [];
    for (const f of files) {
      const buffer = await readFile(join(out, f.path));
      const file = buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength);
      const metadata = parquetMetadata(file);
      const schema = Object.fromEntries(metadata.schema.slice(1).map((s) => [s.name, s.type]));
      for (const field of VPC_FIELDS) {
        const column = toColumnName(field.name);
        expect(schema[column], column).toBe(field.kind === 'int32' ? 'INT32' : field.kind === 'int64' ? 'INT64' : 'BYTE_ARRAY');
      }
      expect(metadata.row_groups[0]?.columns[0]?.meta_data?.codec).toBe(compression.toUpperCase());
      independent.push(...((await parquetReadObjects({ file, compressors })) as Record<string, unknown>[]));
    }
    const normalize = (r: Record<string, unknown>) => Object.fromEntries(COLUMNS.map((c) => [c, typeof r[c] === 'bigint' ? Number(r[c]) : (r[c] ?? null)]));
    const sortKey = (r: Record<string, unknown>) => [r.start, r.srcport, r.dstport, r.bytes].map((v) => String(v ?? '').padStart(14, '0')).join('|');
    const got = independent.map(normalize).sort((a, b) => sortKey(a).localeCompare(sortKey(b)));
    const want = expected.map(normalize).sort((a, b) => sortKey(a).localeCompare(sortKey(b)));
    expect(got).toEqual(want);
  });

  it('refuses a non-empty directory unless told to append or overwrite', async () => {
    const out = join(dir, 'out-twice');
    expect((await runFlowlens(['export', 'parquet', '--db', db, '--out', out])).code).toBe(0);
    const again = await runFlowlens(['export', 'parquet', '--db', db, '--out', out]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/not empty/);
    expect((await runFlowlens(['export', 'parquet', '--db', db, '--out', out, '--overwrite'])).code).toBe(0);
    const store = await Store.memory();
    try {
      expect(await store.scalar(`SELECT count(*) FROM read_parquet(${sqlLiteral(`${out}/**/*.parquet`)})`)).toBe(3000);
    } finally {
      store.close();
    }
  });

  it('exports only the selected records and the fields a --log-format names', async () => {
    const store = await Store.open(db, { readOnly: true });
    const out = join(dir, 'out-selected');
    try {
      const result = await exportParquet(store, { outDir: out, columns: parquetColumnsFor(['srcaddr', 'dstaddr', 'bytes', 'start', 'action']), where: `action = 'REJECT'` });
      const rejects = Number(await store.scalar(`SELECT count(*) FROM flows WHERE action = 'REJECT'`));
      expect(result.rows).toBe(rejects);
      const described = await store.query(`DESCRIBE SELECT * FROM read_parquet(${sqlLiteral(`${out}/**/*.parquet`)}, hive_partitioning = false)`);
      expect(described.rows.map((r) => [r.column_name, r.column_type])).toEqual([
        ['srcaddr', 'VARCHAR'],
        ['dstaddr', 'VARCHAR'],
        ['bytes', 'BIGINT'],
        ['start', 'BIGINT'],
        ['action', 'VARCHAR'],
      ]);
    } finally {
      store.close();
    }
  });

  it('quotes the output path as a literal in the COPY statement', () => {
    const sql = buildExportSql({ outDir: "/tmp/it's", columns: parquetColumnsFor(['end']) });
    expect(sql).toContain("TO '/tmp/it''s'");
    expect(sql).toContain('"end"');
    expect(sql).toContain('PARTITION_BY ("year", "month", "day")');
  });
});
