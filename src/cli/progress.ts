import type { CliContext } from './context.js';
import { writeErr } from './context.js';
import type { IngestProgress, IngestSummary } from '../store/index.js';

/** A progress display for ingest-like work: a cli-progress line on a TTY, nothing otherwise. */
export interface ProgressDisplay {
  update(progress: IngestProgress): void;
  /** Shows a remote source's own progress (e.g. CloudWatch pages and events) next to the unit. */
  note(text: string): void;
  /** Sets what the listing found in all (objects and bytes): done of total, percentage and ETA are then shown. */
  total(units: number, bytes: number): void;
  /** Counts the bytes of units skipped or failed without being read (so done bytes reach the total). */
  passed(bytes: number): void;
  /** Starts a step of its own after the load (e.g. the query rollups), shown with its elapsed time. */
  phase(label: string): void;
  stop(): void;
}

/** What the progress line shows. */
export interface ProgressState {
  label: string;
  progress: IngestProgress;
  /** Bytes of units passed over without reading (already stored, failed). */
  passedBytes: number;
  totalUnits?: number | undefined;
  totalBytes?: number | undefined;
  /** Seconds since the start. */
  seconds: number;
  note?: string | undefined;
  /** A step after the load, with the second it started at. */
  phase?: { label: string; since: number } | undefined;
}

/** Renders the progress line: done of total objects and bytes, percentage, rates and ETA (when the totals are known). */
export function renderProgressLine(state: ProgressState): string {
  const { progress: p, seconds } = state;
  if (state.phase) return `${state.label}: ${state.phase.label} … ${formatDuration(seconds - state.phase.since)}`;
  const done = p.units + (p.skippedUnits ?? 0) + (p.failedUnits ?? 0);
  const bytes = p.bytes + state.passedBytes;
  const parts: string[] = [];
  if (state.totalUnits !== undefined) parts.push(`${count(done)}/${count(state.totalUnits)} objects`);
  else parts.push(`${count(done)} objects`);
  if (state.totalBytes !== undefined && state.totalBytes > 0) {
    parts.push(`${megabytes(bytes)}/${megabytes(state.totalBytes)} MB (${Math.min(100, Math.floor((bytes / state.totalBytes) * 100))}%)`);
  } else parts.push(`${megabytes(bytes)} MB`);
  parts.push(`${count(p.records)} records`);
  if (p.badLines > 0) parts.push(`${count(p.badLines)} bad`);
  if (seconds > 0) parts.push(`${count(Math.round(p.records / seconds))} rec/s`, `${count(Math.round(done / seconds))} obj/s`);
  const eta = estimate(state, done, bytes);
  if (eta !== undefined) parts.push(`ETA ${formatDuration(eta)}`);
  const unit = p.unit.length > 40 ? `…${p.unit.slice(-39)}` : p.unit;
  return `${state.label} ${parts.join(' | ')}${unit ? ` | ${unit}` : ''}${state.note ? ` (${state.note})` : ''}`;
}

/** Creates the progress display: drawn on stderr only when it is a terminal. */
export async function createProgress(context: CliContext, label: string): Promise<ProgressDisplay> {
  if (!context.interactive) {
    return { update: () => undefined, note: () => undefined, total: () => undefined, passed: () => undefined, phase: () => undefined, stop: () => undefined };
  }
  const { default: cliProgress } = await import('cli-progress');
  const bar = new cliProgress.SingleBar(
    { format: '{line}', stream: context.stderr as NodeJS.WriteStream, fps: 5, hideCursor: true, clearOnComplete: true },
    cliProgress.Presets.shades_classic,
  );
  const started = performance.now();
  const state: ProgressState = { label, progress: { unit: '', units: 0, bytes: 0, records: 0, badLines: 0 }, passedBytes: 0, seconds: 0 };
  const draw = (): void => {
    state.seconds = (performance.now() - started) / 1000;
    bar.update(0, { line: renderProgressLine(state) });
  };
  let ticker: NodeJS.Timeout | undefined;
  bar.start(1, 0, { line: renderProgressLine(state) });
  return {
    update(progress) {
      state.progress = progress;
      draw();
    },
    note(text) {
      state.note = text;
      draw();
    },
    total(units, bytes) {
      state.totalUnits = units;
      state.totalBytes = bytes;
      draw();
    },
    passed(bytes) {
      state.passedBytes += bytes;
    },
    phase(phaseLabel) {
      state.phase = { label: phaseLabel, since: (performance.now() - started) / 1000 };
      draw();
      // The step reports nothing while it runs: its elapsed time keeps the line alive.
      ticker ??= setInterval(draw, 500);
      ticker.unref();
    },
    stop() {
      if (ticker) clearInterval(ticker);
      ticker = undefined;
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

// Seconds left: from the bytes when their total is known (objects differ in size), else from the objects.
function estimate(state: ProgressState, done: number, bytes: number): number | undefined {
  if (state.seconds < 1) return undefined;
  if (state.totalBytes !== undefined && state.totalBytes > 0 && bytes > 0) return ((state.totalBytes - bytes) * state.seconds) / bytes;
  if (state.totalUnits !== undefined && done > 0) return ((state.totalUnits - done) * state.seconds) / done;
  return undefined;
}

function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

function count(n: number): string {
  return n.toLocaleString('en-US');
}

function megabytes(bytes: number): string {
  return (bytes / 1e6).toFixed(1);
}
