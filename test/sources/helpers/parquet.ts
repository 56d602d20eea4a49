import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';

const COLUMNS =
  'version INTEGER, account_id VARCHAR, interface_id VARCHAR, srcaddr VARCHAR, dstaddr VARCHAR, srcport INTEGER, dstport INTEGER, protocol INTEGER, packets BIGINT, bytes BIGINT, start BIGINT, "end" BIGINT, action VARCHAR, log_status VARCHAR';

/** Writes version-2 flow lines as a Parquet file the way AWS names its columns, with DuckDB's COPY … TO, and returns its bytes. */
export async function flowParquet(lines: readonly string[]): Promise<Buffer> {
  const folder = await mkdtemp(join(tmpdir(), 'flowlens-parquet-test-'));
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    await connection.run(`CREATE TABLE flows (${COLUMNS})`);
    const appender = await connection.createAppender('flows');
    for (const line of lines) {
      const v = line.split(' ');
      appender.appendInteger(Number(v[0]));
      appender.appendVarchar(v[1] as string);
      appender.appendVarchar(v[2] as string);
      appender.appendVarchar(v[3] as string);
      appender.appendVarchar(v[4] as string);
      appender.appendInteger(Number(v[5]));
      appender.appendInteger(Number(v[6]));
      appender.appendInteger(Number(v[7]));
      appender.appendBigInt(BigInt(v[8] as string));
      appender.appendBigInt(BigInt(v[9] as string));
      appender.appendBigInt(BigInt(v[10] as string));
      appender.appendBigInt(BigInt(v[11] as string));
      appender.appendVarchar(v[12] as string);
      appender.appendVarchar(v[13] as string);
      appender.endRow();
    }
    appender.closeSync();
    const path = join(folder, 'flows.parquet');
    await connection.run(`COPY flows TO '${path.replaceAll("'", "''")}' (FORMAT parquet)`);
    return await readFile(path);
  } finally {
    connection.closeSync();
    instance.closeSync();
    await rm(folder, { recursive: true, force: true });
  }
}
