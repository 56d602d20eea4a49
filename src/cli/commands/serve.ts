import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { writeErr, writeOut } from '../context.js';
import { openData } from '../data.js';
import { lookUpEnis } from '../live-enis.js';
import { parsePositiveInt } from '../options.js';
import type { ReadingOptions } from '../options.js';
import { UsageError } from '../../records/index.js';

/** Options of `flowlens serve`. */
export interface ServeOptions extends ReadingOptions {
  port: string;
  host: string;
  names?: string[];
  enis?: string[];
  enisLive?: string | boolean;
  key?: string;
  pseudonymize?: boolean;
  rules?: string;
  queryTimeout: string;
  allowedHost?: string[];
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** `flowlens serve [SOURCE...]`: the graph page and its JSON API over the database (read-only) or SOURCEs loaded into memory. */
export function registerServe(program: Command, context: CliContext): void {
  program
    .command('serve')
    .argument('[source...]', 'sources to load into memory (default: the database, opened read-only)')
    .description('serve the interactive graph page (with Costs and Alerts tabs) and its JSON API (binds 127.0.0.1 unless --host says otherwise)')
    .option('--db <path>', 'database file (default: $FLOWLENS_DB or ./flowlens.duckdb)')
    .option('--log-format <format>', 'format of header-less lines in SOURCEs')
    .option('-p, --port <port>', 'port to listen on (0 picks a free one)', '8080')
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .option('--names <file>', 'known names: YAML/JSON/CSV of address or CIDR → name (repeatable)', collect)
    .option('--enis <file>', 'name ENIs from `aws ec2 describe-network-interfaces` JSON (repeatable)', collect)
    .option('--enis-live [scope]', 'name ENIs live with EC2 DescribeNetworkInterfaces: seen (VPCs/ENIs in the data, default) or all')
    .option('--profile <name>', 'AWS profile for --enis-live and s3:// or cwl:// sources')
    .option('--region <region>', 'AWS region for --enis-live and s3:// or cwl:// sources')
    .option('--endpoint-url <url>', 'endpoint of an AWS-compatible service (EC2 for --enis-live, S3, CloudWatch Logs)')
    .option('--key <key>', 'pseudonymization key: lets the page switch to pseudonyms (default: $FLOWLENS_PSEUDONYM_KEY)')
    .option('--pseudonymize', 'always pseudonymize (needs a key); the page never shows real addresses')
    .option('-r, --rules <file>', "rules file (YAML) the page's Alerts tab evaluates over the data (like `alerts run`)")
    .option('--query-timeout <seconds>', "time limit of one query from the page's Query tab or POST /api/query; past it DuckDB interrupts it", '30')
    .option('--allowed-host <name>', 'another Host name the server answers (a LAN name, a proxy); by default only 127.0.0.1, localhost, [::1] and --host (repeatable)', collect)
    .action(async (sources: string[], options: ServeOptions) => {
      const port = options.port === '0' ? 0 : parsePositiveInt(options.port, '--port', 8080);
      const queryTimeoutMs = parseSeconds(options.queryTimeout, '--query-timeout');
      const key = options.key ?? context.env.FLOWLENS_PSEUDONYM_KEY;
      if (options.pseudonymize && !key) throw new UsageError('--pseudonymize needs a key', { hint: 'pass --key K or set FLOWLENS_PSEUDONYM_KEY' });
      // A bad rules file fails here, before anything is opened or served.
      const rules = options.rules === undefined ? undefined : await (await import('../../alerts/index.js')).loadRulesFile(options.rules);
      const { loadNameTable, createPseudonymizer, parseLiveEniScope } = await import('../../graph/index.js');
      const { createApp, findWebDist, startServer } = await import('../../server/index.js');
      const liveScope = options.enisLive === undefined ? undefined : parseLiveEniScope(options.enisLive);
      let names = await loadNameTable({ names: options.names, enis: options.enis });
      const data = await openData(context, sources, options, {});
      if (liveScope) {
        try {
          const live = await lookUpEnis(context, data.store, liveScope, options, data.where);
          names = await loadNameTable({ names: options.names, enis: options.enis, live });
        } catch (error) {
          data.close();
          throw error;
        }
      }
      const staticDir = findWebDist();
      // User SQL, Insights and reports run in the sandbox, on connections of their own, after everything was loaded.
      const { SqlSandbox } = await import('../../engines/duckdb/index.js');
      let sandbox;
      try {
        sandbox = await SqlSandbox.open(data.store, { connections: 2 });
      } catch (error) {
        data.close();
        throw error;
      }
      const app = createApp({
        store: data.store,
        names,
        pseudonymizer: key ? createPseudonymizer(key) : undefined,
        alwaysPseudonymize: options.pseudonymize === true,
        staticDir,
        rules,
        sandbox,
        queryTimeoutMs,
      });
      let server;
      try {
        server = await startServer(app, { port, host: options.host, allowedHosts: options.allowedHost });
      } catch (error) {
        await sandbox.close();
        data.close();
        throw new UsageError(`cannot listen on ${options.host}:${options.port}: ${(error as Error).message}`, { hint: 'pick another --port (0 picks a free one)' });
      }
      if (!staticDir) writeErr(context, 'warning: the page is not built (run `npm run build:web`); serving the API only');
      await writeOut(context, `flowlens serving ${server.url}\n`);
      await waitForStop(context);
      // Stop at once: running queries are interrupted, open connections closed.
      sandbox.interruptAll();
      await server.close();
      await sandbox.close();
      data.close();
    });
}

/** Parses a positive number of seconds into milliseconds; anything else is a usage error. */
function parseSeconds(value: string, option: string): number {
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new UsageError(`${option} "${value}" is not a positive number of seconds`);
  return Math.round(seconds * 1000);
}

/** Resolves on SIGINT/SIGTERM, or when the test harness passes FLOWLENS_SERVE_ONCE (start, print the URL, stop). */
function waitForStop(context: CliContext): Promise<void> {
  if (context.env.FLOWLENS_SERVE_ONCE) return Promise.resolve();
  return new Promise((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
