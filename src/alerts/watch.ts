import { setTimeout as sleep } from 'node:timers/promises';
import type { LogFormat, ParseIssue } from '../parse/index.js';
import type { Source } from '../sources/index.js';
import type { IngestSummary, Store } from '../store/index.js';
import { FLOWS_TABLE, ingestSources } from '../store/index.js';
import { insideOf } from './address-sql.js';
import { runAnomaly } from './anomaly.js';
import { detectionWidth, findingKey, runDetection } from './detections.js';
import type { Notifier } from './notifiers.js';
import { eventTime } from './render.js';
import type { Rules } from './rules.js';
import { evaluateAlarm, seriesKey } from './run-alarms.js';
import { applySuppressions } from './suppress.js';
import { createTailSource, loadFollowState } from './tail-source.js';
import type { AlertEvent } from './types.js';
import { commitCycle, loadWatchProgress, pendingOutbox, removeFromOutbox, ruleKey } from './watch-state.js';
import type { WatchProgress } from './watch-state.js';

/** A source `watch` follows: a local path (tailed) or a remote source (re-listed; the ledger skips what is stored). */
export type WatchSource = { kind: 'local'; path: string } | { kind: 'remote'; source: Source };

/** Options of watch. */
export interface WatchOptions {
  /** Where records, progress and the outbox live: a database file to survive restarts, or `:memory:`. */
  store: Store;
  rules: Rules;
  sources: readonly WatchSource[];
  notifiers: readonly Notifier[];
  /** Time between cycles (ms). */
  intervalMs: number;
  /** Stop after this many cycles (undefined: until aborted). */
  maxCycles?: number | undefined;
  /** Seconds a period stays open for late records before it is evaluated. */
  late: number;
  /** `data`: time is the newest record's start (replays, demos); `wall`: the system clock (live logs). */
  clock: 'data' | 'wall';
  /** Evaluate nothing before this time (epoch seconds). */
  start?: number | undefined;
  format?: LogFormat | undefined;
  /** Addresses of our own interfaces (from `--interfaces`), inside the VPC like the rules file's `network`. */
  interfaceAddresses?: readonly string[] | undefined;
  signal?: AbortSignal | undefined;
  now?: (() => number) | undefined;
  onEvent?: ((event: AlertEvent) => void | Promise<void>) | undefined;
  onCycle?: ((cycle: WatchCycle) => void) | undefined;
  onError?: ((error: unknown) => void) | undefined;
  onIssue?: ((issue: ParseIssue) => void) | undefined;
}

/** What one cycle did. */
export interface WatchCycle {
  cycle: number;
  ingest: Pick<IngestSummary, 'units' | 'records' | 'badLines'>;
  /** The time periods and windows were closed up to (epoch seconds), or undefined before any record. */
  closedThrough?: number | undefined;
  events: number;
  delivered: number;
  failed: number;
}

/** Totals of a watch run. */
export interface WatchSummary {
  cycles: number;
  records: number;
  events: number;
  delivered: number;
  failed: number;
}

/**
 * Follows the sources and evaluates the rules as data arrives: each cycle ingests what is new (complete
 * lines appended to local files, new files and objects), evaluates alarms over the periods that closed
 * (CloudWatch semantics, continuing from saved states) and detections over the windows that closed, saves
 * progress and the new events in one transaction, then delivers the events. Stops after `maxCycles` or
 * when `signal` aborts (finishing the cycle in progress).
 */
export async function watch(options: WatchOptions): Promise<WatchSummary> {
  const { store } = options;
  const progress = await loadWatchProgress(store);
  const follow = await loadFollowState(store);
  const sources = options.sources.map((s) => (s.kind === 'local' ? createTailSource(s.path, follow) : s.source));
  const summary: WatchSummary = { cycles: 0, records: 0, events: 0, delivered: 0, failed: 0 };
  // Events left undelivered by a previous run go out first.
  await deliver(store, options, summary);
  while (!options.signal?.aborted && (options.maxCycles === undefined || summary.cycles < options.maxCycles)) {
    if (summary.cycles > 0) {
      try {
        await sleep(options.intervalMs, undefined, { signal: options.signal });
      } catch {
        break; // aborted while waiting
      }
    }
    summary.cycles++;
    const cycle = await runCycle(options, sources, progress, summary);
    options.onCycle?.(cycle);
  }
  return summary;
}

async function runCycle(options: WatchOptions, sources: readonly Source[], progress: WatchProgress, summary: WatchSummary): Promise<WatchCycle> {
  const ingest = await ingestNew(options, sources);
  summary.records += ingest.records;
  const closed = await closedThrough(options);
  const events: AlertEvent[] = [];
  if (closed !== undefined) {
    const first = Number(await options.store.scalar(`SELECT min("start") FROM ${FLOWS_TABLE}`));
    const origin = Math.max(first, options.start ?? -Infinity);
    // A rule added or edited while watch was stopped starts now, like a new CloudWatch alarm, not from the first record.
    const newRulesFrom = progress.closedThrough ?? origin;
    events.push(...(await evaluateAlarms(options, progress, closed, newRulesFrom)), ...(await runDetections(options, progress, closed, newRulesFrom)));
    progress.closedThrough = closed;
  }
  events.sort((a, b) => eventTime(a) - eventTime(b));
  await commitCycle(options.store, progress, events, options.notifiers, options.rules);
  summary.events += events.length;
  for (const event of events) await options.onEvent?.(event);
  const before = { delivered: summary.delivered, failed: summary.failed };
  await deliver(options.store, options, summary);
  return { cycle: summary.cycles, ingest, closedThrough: closed, events: events.length, delivered: summary.delivered - before.delivered, failed: summary.failed - before.failed };
}

async function ingestNew(options: WatchOptions, sources: readonly Source[]): Promise<WatchCycle['ingest']> {
  try {
    const result = await ingestSources(options.store, sources, { format: options.format, onIssue: options.onIssue });
    return { units: result.units, records: result.records, badLines: result.badLines };
  } catch (error) {
    // Units committed before the failure stay; the rest are tried again next cycle.
    options.onError?.(error);
    return { units: 0, records: 0, badLines: 0 };
  }
}

// Each alarm continues from the period after the last one it evaluated, through the last period that has closed.
async function evaluateAlarms(options: WatchOptions, progress: WatchProgress, closed: number, newFrom: number): Promise<AlertEvent[]> {
  const events: AlertEvent[] = [];
  for (const alarm of options.rules.alarms) {
    const key = ruleKey(alarm);
    const saved = progress.alarms[key];
    const to = Math.floor(closed / alarm.period) * alarm.period - alarm.period;
    const from = saved ? saved.through + alarm.period : Math.floor(newFrom / alarm.period) * alarm.period;
    if (to < from) continue;
    const previous = new Map((saved?.states ?? []).map((s) => [seriesKey(s.alarmName, s.dimensions), s]));
    const result = await evaluateAlarm(options.store, alarm, options.rules.metrics, { where: 'TRUE', from, to, previous, samples: 3 });
    progress.alarms[key] = { through: to, states: result.states };
    events.push(...result.events);
  }
  return events;
}

// Each detection looks at the windows that closed since the last cycle. A finding that goes on from the
// previous window continues silently, as `alerts run` merges it.
async function runDetections(options: WatchOptions, progress: WatchProgress, closed: number, newFrom: number): Promise<AlertEvent[]> {
  const events: AlertEvent[] = [];
  for (const rule of options.rules.detections) {
    const key = ruleKey(rule);
    const width = detectionWidth(rule);
    const before = Math.floor(closed / width) * width;
    const from = progress.detections[key]?.before ?? Math.floor(newFrom / width) * width;
    if (before <= from) continue;
    const inside = insideOf(options.rules.network, options.interfaceAddresses);
    const found =
      rule.type === 'Anomaly'
        ? await runAnomaly(options.store, rule, options.rules.metrics, { where: 'TRUE', from, before, inside })
        : await runDetection(options.store, rule, { where: 'TRUE', from, before, inside });
    const open = { ...progress.detections[key]?.open };
    for (const finding of found.sort((a, b) => a.windowStart - b.windowStart)) {
      const id = findingKey(finding, rule);
      const continues = open[id] === finding.windowStart - width;
      open[id] = finding.windowStart;
      // Suppressed findings are archived: not notified (alerts run lists them with --show-suppressed).
      if (!continues && applySuppressions([finding], options.rules.suppressions).findings.length > 0) events.push(finding);
    }
    for (const [id, last] of Object.entries(open)) if (last < before - width) delete open[id];
    progress.detections[key] = { before, open };
  }
  return events;
}

async function closedThrough(options: WatchOptions): Promise<number | undefined> {
  if (options.clock === 'wall') return Math.floor((options.now ?? Date.now)() / 1000) - options.late;
  const newest = await options.store.scalar(`SELECT max("start") FROM ${FLOWS_TABLE}`);
  return newest === null || newest === undefined ? undefined : Number(newest) - options.late;
}

async function deliver(store: Store, options: WatchOptions, summary: WatchSummary): Promise<void> {
  const byName = new Map(options.notifiers.map((n) => [n.name, n]));
  const failedNotifiers = new Set<string>();
  for (const entry of await pendingOutbox(store)) {
    const notifier = byName.get(entry.notifier);
    if (!notifier) {
      await removeFromOutbox(store, entry); // the notifier was removed from the rules file
      continue;
    }
    // Keep each notifier's events in order: after one failure, the rest wait for the next cycle.
    if (failedNotifiers.has(notifier.name)) continue;
    try {
      await notifier.notify(entry.event);
      await removeFromOutbox(store, entry);
      summary.delivered++;
    } catch (error) {
      failedNotifiers.add(notifier.name);
      summary.failed++;
      options.onError?.(error);
    }
  }
}
