import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FlowlensError } from '../../src/records/index.js';
import { openFailureHint, Store } from '../../src/store/index.js';
import { runFlowlens } from '../helpers/cli.js';
import { useTestAwsEnv } from './helpers/s3-server.js';

describe('a CloudWatch Logs 403', () => {
  let server: Server;
  let endpoint: string;
  let restoreEnv: () => void;
  beforeAll(async () => {
    restoreEnv = useTestAwsEnv();
    // A 403 with no error code, as a proxy or a VPC endpoint policy answers.
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(403, { 'content-type': 'application/x-amz-json-1.1' });
        res.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    restoreEnv?.();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('names the CloudWatch Logs permission, not S3 ones', async () => {
    const start = Date.UTC(2024, 0, 2) / 1000;
    const run = await runFlowlens(['print', 'cwl://flows', '--endpoint-url', endpoint, '--region', 'us-east-1', '--start', String(start), '--end', String(start + 300)]);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('logs:FilterLogEvents');
    expect(run.stderr).not.toMatch(/s3:|bucket/i);
  });
});

describe('a database that cannot be opened', () => {
  let dir: string;
  let db: string;
  let holder: ChildProcess;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'flowlens-locked-'));
    db = join(dir, 'flows.duckdb');
    (await Store.open(db)).close();
    // Another process writing to the database (as `flowlens ingest` does) holds DuckDB's file lock.
    holder = spawn(process.execPath, ['--input-type=module', '-e', `import { DuckDBInstance } from '@duckdb/node-api'; await DuckDBInstance.create(${JSON.stringify(db)}); process.stdout.write('ready'); setInterval(() => {}, 1000);`], {
      cwd: join(import.meta.dirname, '../..'),
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    await new Promise((resolve) => holder.stdout?.once('data', resolve));
  });
  afterAll(() => {
    holder?.kill();
  });

  it('tells a reader that a writer holds it, not to run ingest first', async () => {
    const run = await runFlowlens(['query', '--db', db, 'SELECT 1 AS x']);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/hint: process \d+ .* is writing to the database/);
    expect(run.stderr).not.toContain('ingest SOURCE');
  });

  it('tells a writer which process holds it', async () => {
    const error = await Store.open(db).then(
      (store) => {
        store.close();
        return undefined;
      },
      (caught: unknown) => caught,
    );
    expect((error as FlowlensError).hint).toMatch(/^process \d+ .* has the database open/);
  });

  it('tells a read-only file or file system apart from a lock', () => {
    // DuckDB's messages when the file cannot be written (root ignores permissions, so the text is given here).
    const denied = 'IO Error: Cannot open file "/data/flows.duckdb": Permission denied';
    const readOnlyFs = 'IO Error: Cannot open file "/mnt/ro/flows.duckdb": Read-only file system';
    for (const message of [denied, readOnlyFs]) {
      expect(openFailureHint(message, false)).toMatch(/not writable/);
      expect(openFailureHint(message, false)).not.toMatch(/another|process/);
    }
    expect(openFailureHint('IO Error: Cannot open database "/x.duckdb" in read-only mode: database does not exist', true)).toMatch(/flowlens ingest/);
  });
});
