import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A clickhouse-server the test started on loopback ports, with its own data directory. */
export interface TestClickHouse {
  url: string;
  stop(): Promise<void>;
}

const CANDIDATES: [string, string[]][] = [
  ['/usr/sbin/clickhouse-server', []],
  ['/usr/bin/clickhouse-server', []],
  ['/usr/bin/clickhouse', ['server']],
  ['/usr/local/bin/clickhouse', ['server']],
];

/** The server binary and the arguments before --config-file, or undefined when ClickHouse is not installed. */
export function findClickHouseServer(): [string, string[]] | undefined {
  return CANDIDATES.find(([path]) => existsSync(path));
}

/** Why ClickHouse tests are skipped, or undefined when they can run. */
export const CLICKHOUSE_SKIP_REASON: string | undefined = findClickHouseServer()
  ? undefined
  : 'clickhouse-server is not installed (apt-get install clickhouse-server clickhouse-client; .ci/apt-packages lists it)';

/** Starts clickhouse-server with a temp config (HTTP and TCP on free 127.0.0.1 ports) and waits for /ping. */
export async function startClickHouse(): Promise<TestClickHouse> {
  const found = findClickHouseServer();
  if (!found) throw new Error(CLICKHOUSE_SKIP_REASON);
  const dir = await mkdtemp(join(tmpdir(), 'flowlens-clickhouse-'));
  const [httpPort, tcpPort] = [await freePort(), await freePort()];
  await writeFile(join(dir, 'users.xml'), USERS_XML);
  await writeFile(join(dir, 'config.xml'), configXml(dir, httpPort, tcpPort));
  const child: ChildProcess = spawn(found[0], [...found[1], `--config-file=${join(dir, 'config.xml')}`], { stdio: 'ignore', cwd: dir });
  const url = `http://127.0.0.1:${httpPort}`;
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited) throw new Error(`clickhouse-server exited during start-up; see ${dir}/log`);
    try {
      const response = await fetch(`${url}/ping`);
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error('clickhouse-server did not answer /ping within 60 s');
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    url,
    async stop() {
      if (!exited) {
        const done = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        await done;
        clearTimeout(timer);
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function configXml(dir: string, httpPort: number, tcpPort: number): string {
  // <yandex> is the root element old servers require; newer ones accept it too.
  return `<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>${dir}/log/server.log</log><errorlog>${dir}/log/error.log</errorlog><size>10M</size><count>1</count></logger>
  <http_port>${httpPort}</http_port>
  <tcp_port>${tcpPort}</tcp_port>
  <listen_host>127.0.0.1</listen_host>
  <path>${dir}/data/</path>
  <tmp_path>${dir}/tmp/</tmp_path>
  <user_files_path>${dir}/user_files/</user_files_path>
  <format_schema_path>${dir}/format_schemas/</format_schema_path>
  <users_config>${dir}/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
  <mark_cache_size>268435456</mark_cache_size>
  <uncompressed_cache_size>268435456</uncompressed_cache_size>
  <max_concurrent_queries>20</max_concurrent_queries>
</yandex>
`;
}

const USERS_XML = `<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>8000000000</max_memory_usage></default></profiles>
  <users>
    <default>
      <password></password>
      <networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
      <profile>default</profile>
      <quota>default</quota>
    </default>
  </users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
</yandex>
`;
