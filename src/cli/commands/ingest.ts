import type { Command } from 'commander';
import { formatIssue } from '../../parse/index.js';
import { FlowlensError, formatError, UsageError } from '../../records/index.js';
import type { ListOptions, Source, SourceTotal } from '../../sources/index.js';
import type { CliContext } from '../context.js';
import { writeErr, writeOut } from '../context.js';
import { createNoticePrinter, logFormatFrom, sourceOptionsFrom } from '../data.js';
import { addReadingOptions, parseSelection } from '../options.js';
import type { ReadingOptions } from '../options.js';
import { createIssueReporter, createProgress, renderIngestSummary } from '../progress.js';
import { addLogTypeOption, awsLogsServicesFor, checkLogSelection, createLogTypeAnnouncer, logSelectionPredicate, logTableTypeFrom, logTypeFrom } from '../log-types.js';
import type { LogTypeOptions } from '../log-types.js';
import { printTable } from './table-command.js';

/** `flowlens ingest SOURCE...`: load flow logs into the database, once per file/object/event. */
export function registerIngest(program: Command, context: CliContext): void {
  const command = addLogTypeOption(addReadingOptions(program.command('ingest').argument('<source...>', 'files, folders, - (stdin), s3://bucket/prefix, cwl://log-group')));
  const db = command.options.find((o) => o.long === '--db');
  if (db) db.description = 'database file to store the records in (default: $FLOWLENS_DB or ./flowlens.duckdb; created when missing)';
  command
    .description('store flow logs in the DuckDB database; re-running adds no duplicates and resumes after an interruption')
    .option('--no-rollups', 'skip bringing the query rollups up to date (reports, Insights stats and the graph then read the raw records)')
    .action(async (sources: string[], options: ReadingOptions & LogTypeOptions & { rollups: boolean }) => {
      const selection = parseSelection(options);
      checkLogSelection(logTableTypeFrom(options), selection);
      if (sources.includes('-') && !context.stdin) throw new UsageError('no standard input to read');
      const { Store, resolveDbPath, ingestSources, createStoreCursors, refreshRollups, removeSpillFiles, removeLiveIngestFolders, explainDiskError } = await import(
        '../../store/index.js'
      );
      const { resolveSource } = await import('../../sources/index.js');
      const { selectionToPredicate } = await import('../../query/selection.js');
      const path = resolveDbPath(options.db, context.env);
      const sourceOptions = sourceOptionsFrom(options, context);
      sourceOptions.awsLogsServices = awsLogsServicesFor(logTypeFrom(options));
      const resolved = await Promise.all(sources.map((uri) => resolveSource(uri, sourceOptions)));
      const store = await Store.open(path);
      // Holding the database for writing, no other process can be using what a killed run spilled next to it.
      removeSpillFiles(path);
      const progress = await createProgress(context, 'ingest');
      // Interrupted, the run leaves nothing behind: committed groups stay, temporary files go.
      const onSignal = (signal: NodeJS.Signals): void => {
        progress.stop();
        removeLiveIngestFolders();
        removeSpillFiles(path);
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        process.kill(process.pid, signal);
      };
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      // Totals only for the progress line, which only a terminal shows (an S3 prefix is listed a second time).
      if (context.interactive) {
        void countSources(resolved, { start: selection.start, end: selection.end }).then((total) => total && progress.total(total.units, total.bytes));
      }
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
          rollups: options.rollups && logTableTypeFrom(options) === undefined,
          onProgress: (p) => progress.update(p),
          onIssue: (issue) => issues.report(formatIssue(issue)),
          onNotice: createNoticePrinter(context),
          onUnitSkipped: (unit, reason) => {
            if (reason === 'already ingested') progress.passed(unit.size ?? 0);
            if (!context.interactive) return;
            writeErr(context, `skipped ${unit.key}: ${reason}`);
          },
          onUnitError: (unit, error) => {
            progress.passed(unit.size ?? 0);
            writeErr(context, formatError(error));
          },
        }).catch((error: unknown) => {
          throw explainDiskError(error, path);
        });
        // Units that could not be read were left out; the run still fails so scripts notice and run again.
        if (summary.failedUnits > 0) context.exitCode = 1;
        // The rollups (per unit and hour) answer top-talkers, Insights stats and the graph without scanning every record.
        let rollups: { units: number; seconds: number } | undefined;
        // After S3 access logs or CloudTrail too: their units join the rollup ledgers, which must list every stored
        // unit for reports to use the rollups.
        if (options.rollups) {
          progress.phase('updating the query rollups');
          const began = performance.now();
          try {
            const units = summary.rollupUnits + (await refreshRollups(store));
            rollups = { units, seconds: (performance.now() - began) / 1000 };
          } catch (error) {
            throw rollupFailure(explainDiskError(error, path), summary.units, summary.records, path);
          }
        }
        progress.stop();
        issues.finish(summary.badLines);
        if (options.format === 'json' || options.format === 'ndjson') {
          await writeOut(context, `${JSON.stringify({ db: path, ...summary, ...(rollups ? { rollups } : {}) })}\n`);
        } else if (options.format === 'csv') {
          // One row, the same fields as the JSON summary (rollups flattened), for scripts that collect run statistics.
          const row: Record<string, unknown> = { db: path, ...summary, rollup_units: rollups?.units ?? null, rollup_seconds: rollups?.seconds ?? null };
          await printTable(context, { columns: Object.keys(row), rows: [row] }, 'csv');
        } else {
          writeErr(context, `${renderIngestSummary(summary)} → ${path}`);
          if (rollups && rollups.units > 0) writeErr(context, `query rollups updated for ${rollups.units} units in ${rollups.seconds.toFixed(2)} s`);
          if (summary.badLines > 0) writeErr(context, `bad lines are kept in the rejects table: flowlens rejects --db ${path}`);
        }
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        progress.stop();
        store.close();
      }
    });
}

// What every source lists in all, or undefined when one of them cannot tell (progress then shows no total).
async function countSources(sources: readonly Source[], list: ListOptions): Promise<SourceTotal | undefined> {
  const total: SourceTotal = { units: 0, bytes: 0 };
  for (const source of sources) {
    if (!source.total) return undefined;
    const one = await source.total(list).catch(() => undefined);
    if (!one) return undefined;
    total.units += one.units;
    total.bytes += one.bytes;
  }
  return total;
}

// The records are committed when the rollups fail: say so, and how to finish the work.
function rollupFailure(error: unknown, units: number, records: number, path: string): FlowlensError {
  const reason = error instanceof Error ? error.message : String(error);
  return new FlowlensError('rollup-failed', `the ${records} records of ${units} units were stored, but updating the query rollups failed: ${reason}`, {
    hint: `run the same flowlens ingest command again (stored units are skipped and the rollups are brought up to date), or pass --no-rollups; until then reports read the raw records of ${path}`,
    cause: error,
  });
}
