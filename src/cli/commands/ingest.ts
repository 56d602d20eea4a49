import type { Command } from 'commander';
import { formatIssue } from '../../parse/index.js';
import { formatError, UsageError } from '../../records/index.js';
import type { CliContext } from '../context.js';
import { writeErr, writeOut } from '../context.js';
import { createNoticePrinter, logFormatFrom, sourceOptionsFrom } from '../data.js';
import { addReadingOptions, parseSelection } from '../options.js';
import type { ReadingOptions } from '../options.js';
import { createIssueReporter, createProgress, renderIngestSummary } from '../progress.js';
import { addLogTypeOption, awsLogsServicesFor, checkLogSelection, createLogTypeAnnouncer, logSelectionPredicate, logTableTypeFrom, logTypeFrom } from '../log-types.js';
import type { LogTypeOptions } from '../log-types.js';

/** `flowlens ingest SOURCE...`: load flow logs into the database, once per file/object/event. */
export function registerIngest(program: Command, context: CliContext): void {
  addLogTypeOption(addReadingOptions(program.command('ingest').argument('<source...>', 'files, folders, - (stdin), s3://bucket/prefix, cwl://log-group')))
    .description('store flow logs in the DuckDB database; re-running adds no duplicates and resumes after an interruption')
    .option('--no-rollups', 'skip bringing the query rollups up to date (reports, Insights stats and the graph then read the raw records)')
    .action(async (sources: string[], options: ReadingOptions & LogTypeOptions & { rollups: boolean }) => {
      const selection = parseSelection(options);
      checkLogSelection(logTableTypeFrom(options), selection);
      if (sources.includes('-') && !context.stdin) throw new UsageError('no standard input to read');
      const { Store, resolveDbPath, ingestSources, createStoreCursors, refreshRollups } = await import('../../store/index.js');
      const { resolveSource } = await import('../../sources/index.js');
      const { selectionToPredicate } = await import('../../query/selection.js');
      const path = resolveDbPath(options.db, context.env);
      const sourceOptions = sourceOptionsFrom(options, context);
      sourceOptions.awsLogsServices = awsLogsServicesFor(logTypeFrom(options));
      const resolved = await Promise.all(sources.map((uri) => resolveSource(uri, sourceOptions)));
      const store = await Store.open(path);
      const progress = await createProgress(context, 'ingest');
      // Sources read these when listing, after the store is open: CloudWatch cursors live in the database.
      sourceOptions.cursors = createStoreCursors(store, options.action ? `action=${options.action}` : undefined);
      sourceOptions.onStatus = (_source, message) => progress.note(message);
      const issues = createIssueReporter(context);
      try {
        const summary = await ingestSources(store, resolved, {
          format: logFormatFrom(options),
          strict: options.strict,
          filter: await selectionToPredicate(selection),
          list: { start: selection.start, end: selection.end },
          logType: logTypeFrom(options),
          onLogType: createLogTypeAnnouncer(context, logTypeFrom(options)),
          logFilter: logSelectionPredicate(selection),
          onProgress: (p) => progress.update(p),
          onIssue: (issue) => issues.report(formatIssue(issue)),
          onNotice: createNoticePrinter(context),
          onUnitSkipped: (unit, reason) => {
            if (!context.interactive) return;
            writeErr(context, `skipped ${unit.key}: ${reason}`);
          },
          onUnitError: (_unit, error) => writeErr(context, formatError(error)),
        });
        // Units that could not be read were left out; the run still fails so scripts notice and run again.
        if (summary.failedUnits > 0) context.exitCode = 1;
        // The rollups (per unit and hour) answer top-talkers, Insights stats and the graph without scanning every record.
        let rollups: { units: number; seconds: number } | undefined;
        if (options.rollups && logTableTypeFrom(options) === undefined) {
          progress.note('updating the query rollups');
          const began = performance.now();
          const units = await refreshRollups(store);
          rollups = { units, seconds: (performance.now() - began) / 1000 };
        }
        progress.stop();
        issues.finish(summary.badLines);
        if (options.format === 'json' || options.format === 'ndjson') {
          await writeOut(context, `${JSON.stringify({ db: path, ...summary, ...(rollups ? { rollups } : {}) })}\n`);
        } else {
          writeErr(context, `${renderIngestSummary(summary)} → ${path}`);
          if (rollups && rollups.units > 0) writeErr(context, `query rollups updated for ${rollups.units} units in ${rollups.seconds.toFixed(2)} s`);
          if (summary.badLines > 0) writeErr(context, `bad lines are kept in the rejects table: flowlens rejects --db ${path}`);
        }
      } finally {
        progress.stop();
        store.close();
      }
    });
}
