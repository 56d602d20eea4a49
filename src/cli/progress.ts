import type { CliContext } from './context.js';
import { writeErr } from './context.js';
import type { IngestProgress, IngestSummary } from '../store/index.js';

/** A progress display for ingest-like work: a cli-progress bar on a TTY, nothing otherwise. */
export interface ProgressDisplay {
  update(progress: IngestProgress): void;
  /** Shows a remote source's own progress (e.g. CloudWatch pages and events) next to the unit. */
  note(text: string): void;
  stop(): void;
}

/** Creates the progress display: drawn on stderr only when it is a terminal. */
export async function createProgress(context: CliContext, label: string): Promise<ProgressDisplay> {
  if (!context.interactive) return { update: () => undefined, note: () => undefined, stop: () => undefined };
  const { default: cliProgress } = await import('cli-progress');
  const bar = new cliProgress.SingleBar(
    {
      format: `${label} {units} units | {mb} MB | {records} records | {bad} bad | {rate} rec/s | {unit}{note}`,
      stream: context.stderr as NodeJS.WriteStream,
      fps: 5,
      hideCursor: true,
      clearOnComplete: true,
    },
    cliProgress.Presets.shades_classic,
  );
  const started = performance.now();
  bar.start(1, 0, { units: 0, mb: '0.0', records: 0, bad: 0, rate: 0, unit: '', note: '' });
  return {
    update(progress) {
      const seconds = (performance.now() - started) / 1000;
      bar.update(0, {
        units: progress.units,
        mb: (progress.bytes / 1e6).toFixed(1),
        records: progress.records,
        bad: progress.badLines,
        rate: seconds > 0 ? Math.round(progress.records / seconds) : 0,
        unit: progress.unit.length > 50 ? `…${progress.unit.slice(-49)}` : progress.unit,
      });
    },
    note(text) {
      bar.update(0, { note: ` (${text})` });
    },
    stop() {
      bar.stop();
    },
  };
}

/** The one-line summary printed after an ingest. */
export function renderIngestSummary(summary: IngestSummary): string {
  const rate = summary.seconds > 0 ? Math.round(summary.records / summary.seconds) : 0;
  const parts = [
    `${summary.records} records`,
    `${summary.badLines} bad lines`,
    `${summary.units} units read`,
    `${summary.skippedUnits} skipped`,
  ];
  if (summary.failedUnits) parts.push(`${summary.failedUnits} failed`);
  if (summary.duplicates) parts.push(`${summary.duplicates} duplicate events dropped`);
  if (summary.filteredOut) parts.push(`${summary.filteredOut} filtered out`);
  if (summary.millisecondTimes) parts.push(`${summary.millisecondTimes} records had millisecond times (read as seconds)`);
  parts.push(`${(summary.bytes / 1e6).toFixed(1)} MB`, `${summary.seconds.toFixed(2)} s`, `${rate} records/s`);
  return `ingested ${parts.join(', ')}`;
}

/** Reports bad lines on stderr: the first `limit` in full, then only a count at the end. */
export function createIssueReporter(context: CliContext, limit = 10): { report(message: string): void; finish(total: number): void } {
  let shown = 0;
  return {
    report(message) {
      if (shown++ < limit) writeErr(context, `warning: ${message}`);
    },
    finish(total) {
      if (total > limit) writeErr(context, `warning: ${total - limit} more bad lines not shown`);
    },
  };
}
