import { Option } from 'commander';
import type { Command } from 'commander';
import { formatIssue } from '../../parse/index.js';
import { parseDuration } from '../../alerts/units.js';
import { UsageError } from '../../records/index.js';
import type { CliContext } from '../context.js';
import { writeErr, writeOut } from '../context.js';
import { logFormatFrom, sourceOptionsFrom } from '../data.js';
import { parsePositiveInt } from '../options.js';
import type { ReadingOptions } from '../options.js';
import { createIssueReporter } from '../progress.js';
import { parseTimeOption } from '../time.js';

interface WatchCommandOptions extends ReadingOptions {
  rules: string;
  interval: string;
  once?: boolean;
  maxCycles?: string;
  late: string;
  clock: 'data' | 'wall';
  verbose?: boolean;
  interfaces?: string;
}

/** `flowlens watch --rules FILE SOURCE...`: follow flow logs, evaluate alarms and detections as data arrives, notify. */
export function registerWatch(program: Command, context: CliContext): void {
  program
    .command('watch')
    .argument('<source...>', 'folders or files to follow (new files, appended lines), s3://bucket/prefix, cwl://log-group')
    .requiredOption('-r, --rules <file>', 'rules file (YAML): metricFilters, alarms, detections, notify')
    .option('--db <path>', 'database for records, progress and undelivered alerts; survives restarts (default: $FLOWLENS_DB or ./flowlens.duckdb; :memory: for none)')
    .option('--interval <duration>', 'time between cycles (30s, 5m)', '30s')
    .option('--once', 'run one cycle and stop')
    .option('--max-cycles <n>', 'stop after n cycles')
    .option('--late <duration>', 'how long a period stays open for late records', '1m')
    .addOption(new Option('--clock <clock>', "the time periods close by: the newest record's start (data) or the system clock (wall)").choices(['data', 'wall']).default('data'))
    .option('-s, --start <time>', 'evaluate nothing before this time (ISO 8601, epoch seconds or -2h)')
    .option('--log-format <format>', "format of header-less lines, AWS syntax: '${version} ${srcaddr} ...' (default: the v2 format)")
    .addOption(new Option('-f, --format <format>', 'how events are printed when the rules file has no notifiers').choices(['text', 'json']).default('text'))
    .option('-v, --verbose', 'report each cycle on stderr')
    .option('--interfaces <file>', '`aws ec2 describe-network-interfaces` JSON: the addresses of these interfaces are inside the VPC')
    .option('--profile <name>', 'AWS profile for s3:// and cwl:// sources and sns notifiers')
    .option('--region <region>', 'AWS region for s3:// and cwl:// sources')
    .option('--endpoint-url <url>', 'endpoint of an S3-, CloudWatch- or SNS-compatible service')
    .option('--log-streams <names>', 'CloudWatch: only these log streams (comma-separated)')
    .description('follow flow logs and evaluate alarms and detections continuously; notify on state changes and findings')
    .action(async (sources: string[], options: WatchCommandOptions) => {
      if (sources.includes('-')) throw new UsageError('watch cannot follow standard input', { hint: 'use `flowlens alerts run --rules FILE -` for a one-off evaluation' });
      const interval = parseSeconds(options.interval, '--interval');
      const late = parseSeconds(options.late, '--late', true);
      const maxCycles = options.once ? 1 : options.maxCycles === undefined ? undefined : parsePositiveInt(options.maxCycles, '--max-cycles', 1);
      const start = options.start === undefined ? undefined : parseTimeOption(options.start, '--start');
      const { loadRulesFile, watch, createNotifiers, renderAlertLine, toJsonEvent } = await import('../../alerts/index.js');
      const rules = await loadRulesFile(options.rules);
      const interfaceAddresses = options.interfaces ? [...(await (await import('../../graph/index.js')).loadNetworkInterfacesFile(options.interfaces)).eniAddresses.keys()] : undefined;
      const { Store, resolveDbPath, createStoreCursors } = await import('../../store/index.js');
      const { resolveSource } = await import('../../sources/index.js');
      const store = await Store.open(resolveDbPath(options.db, context.env));
      // Remote sources keep their position where `flowlens ingest` does: the ledger and the cursors table.
      const sourceOptions = { ...sourceOptionsFrom(options, context), cursors: createStoreCursors(store) };
      const watched = await Promise.all(
        sources.map(async (uri) => (/^[a-z][a-z0-9+.-]*:\/\//i.test(uri) ? { kind: 'remote' as const, source: await resolveSource(uri, sourceOptions) } : { kind: 'local' as const, path: uri })),
      ).catch((error: unknown) => {
        store.close();
        throw error;
      });
      const aws = { profile: options.profile, region: options.region, endpointUrl: options.endpointUrl };
      const notifiers = createNotifiers(rules.notify, { stdout: context.stdout, stderr: context.stderr, aws });
      const issues = createIssueReporter(context);
      const controller = new AbortController();
      const stop = (): void => controller.abort();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      try {
        const summary = await watch({
          store,
          rules,
          sources: watched,
          notifiers,
          intervalMs: interval * 1000,
          maxCycles,
          late,
          clock: options.clock,
          start,
          interfaceAddresses,
          format: logFormatFrom(options),
          signal: controller.signal,
          onEvent: notifiers.length > 0 ? undefined : (event) => writeOut(context, options.format === 'json' ? `${JSON.stringify(toJsonEvent(event))}\n` : `${renderAlertLine(event)}\n`),
          onIssue: (issue) => issues.report(formatIssue(issue)),
          onError: (error) => writeErr(context, `warning: ${(error as Error).message}`),
          onCycle: (cycle) => {
            if (!options.verbose) return;
            const through = cycle.closedThrough === undefined ? 'no records yet' : `closed through ${new Date(cycle.closedThrough * 1000).toISOString()}`;
            writeErr(context, `cycle ${cycle.cycle}: ${cycle.ingest.units} new units, ${cycle.ingest.records} records; ${through}; ${cycle.events} events, ${cycle.delivered} delivered${cycle.failed ? `, ${cycle.failed} failed` : ''}`);
          },
        });
        if (options.verbose) writeErr(context, `watch stopped after ${summary.cycles} cycles: ${summary.records} records, ${summary.events} events, ${summary.delivered} delivered`);
        if (summary.failed > 0) context.exitCode = 1;
      } finally {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        for (const notifier of notifiers) notifier.close?.();
        store.close();
      }
    });
}

function parseSeconds(text: string, option: string, allowZero = false): number {
  const seconds = parseDuration(text);
  if (seconds === undefined || (!allowZero && seconds === 0)) {
    throw new UsageError(`${option} "${text}" is not a duration`, { hint: 'write e.g. 500ms, 30s, 5m or 1h' });
  }
  return seconds;
}
