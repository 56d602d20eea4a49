import { createHash } from 'node:crypto';
import type { Store } from '../store/index.js';
import type { Notifier } from './notifiers.js';
import type { AlarmRule, DetectionRule, MetricDefinition, Rules } from './rules.js';
import type { AlarmSeriesState } from './run-alarms.js';
import type { AlertEvent } from './types.js';

/** Where each alarm and detection stopped, so a restarted `watch` neither repeats nor skips periods. */
export interface WatchProgress {
  /** Where the last cycle closed periods (epoch seconds): rules added or edited later start from here. */
  closedThrough?: number | undefined;
  /** Per alarm (keyed by name and definition): the start of the last evaluated period and the series states. */
  alarms: Record<string, { through: number; states: AlarmSeriesState[] }>;
  /**
   * Per detection (keyed by name and definition): the end of the last window looked at, and the findings
   * seen in the latest windows (finding key → window start), so that a finding going on in the next window
   * is not notified again.
   */
  detections: Record<string, { before: number; open?: Record<string, number> }>;
}

/** An event waiting for one notifier. */
export interface OutboxEntry {
  eventId: string;
  notifier: string;
  event: AlertEvent;
}

/** The rules a watch cycle evaluated, saved so that the page can chart alarms without the rules file. */
export interface WatchRulesSnapshot {
  file: string;
  metrics: MetricDefinition[];
  alarms: AlarmRule[];
  detections: DetectionRule[];
}

const STATE_KEY = 'progress';
const RULES_KEY = 'rules';
const TABLES = ['alert_watch_state', 'alert_outbox', 'alert_history'];

/** The tables watch keeps in the store next to the flows: its progress, and the events not yet delivered. */
export function watchStateStatements(): string[] {
  return [
    'CREATE TABLE IF NOT EXISTS alert_watch_state (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL, updated_at TIMESTAMP NOT NULL)',
    'CREATE TABLE IF NOT EXISTS alert_outbox (event_id VARCHAR NOT NULL, notifier VARCHAR NOT NULL, event VARCHAR NOT NULL, created_at TIMESTAMP NOT NULL, PRIMARY KEY (event_id, notifier))',
    // Every event of every cycle, delivered or not: the alarm and finding history the page shows.
    'CREATE TABLE IF NOT EXISTS alert_history (event_id VARCHAR PRIMARY KEY, kind VARCHAR NOT NULL, event_time BIGINT NOT NULL, event VARCHAR NOT NULL, created_at TIMESTAMP NOT NULL)',
  ];
}

/**
 * A key for an alarm's or detection's saved progress: its name and a hash of its definition, so that an
 * edited rule starts afresh instead of continuing from a state computed with other parameters.
 */
export function ruleKey(rule: AlarmRule | DetectionRule): string {
  const name = 'alarmName' in rule ? rule.alarmName : rule.name;
  return `${name}#${createHash('sha256').update(JSON.stringify(rule)).digest('hex').slice(0, 12)}`;
}

/** Creates the tables when missing and reads the saved progress. */
export async function loadWatchProgress(store: Store): Promise<WatchProgress> {
  for (const sql of watchStateStatements()) await store.run(sql);
  const found = await store.query('SELECT value FROM alert_watch_state WHERE key = ?', [STATE_KEY]);
  const value = found.rows[0]?.value;
  return typeof value === 'string' ? (JSON.parse(value) as WatchProgress) : { alarms: {}, detections: {} };
}

/**
 * Saves progress (and the rules evaluated, when given), records each new event in the history and queues it
 * for every notifier that accepts it, in one transaction.
 */
export async function commitCycle(store: Store, progress: WatchProgress, events: readonly AlertEvent[], notifiers: readonly Notifier[], rules?: Rules): Promise<void> {
  await store.run('BEGIN TRANSACTION');
  try {
    const upsert = 'INSERT INTO alert_watch_state (key, value, updated_at) VALUES (?, ?, now()) ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at';
    await store.run(upsert, [STATE_KEY, JSON.stringify(progress)]);
    if (rules) {
      const snapshot: WatchRulesSnapshot = { file: rules.file, metrics: rules.metrics, alarms: rules.alarms, detections: rules.detections };
      await store.run(upsert, [RULES_KEY, JSON.stringify(snapshot)]);
    }
    for (const event of events) {
      const at = event.kind === 'alarm' ? event.timestamp : event.windowStart;
      await store.run('INSERT OR IGNORE INTO alert_history (event_id, kind, event_time, event, created_at) VALUES (?, ?, ?, ?, now())', [event.id, event.kind, at, JSON.stringify(event)]);
      for (const notifier of notifiers) {
        if (!notifier.accepts(event)) continue;
        await store.run('INSERT OR IGNORE INTO alert_outbox (event_id, notifier, event, created_at) VALUES (?, ?, ?, now())', [event.id, notifier.name, JSON.stringify(event)]);
      }
    }
    await store.run('COMMIT');
  } catch (error) {
    await store.run('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/** The events still to deliver, oldest first. */
export async function pendingOutbox(store: Store): Promise<OutboxEntry[]> {
  const result = await store.query('SELECT event_id, notifier, event FROM alert_outbox ORDER BY created_at, rowid');
  return result.rows.map((row) => ({ eventId: String(row.event_id), notifier: String(row.notifier), event: JSON.parse(String(row.event)) as AlertEvent }));
}

/** Removes a delivered entry. */
export async function removeFromOutbox(store: Store, entry: OutboxEntry): Promise<void> {
  await store.run('DELETE FROM alert_outbox WHERE event_id = ? AND notifier = ?', [entry.eventId, entry.notifier]);
}

/** What a read-only reader (the page's server) finds of watch's state: progress, rules, and when it was saved. */
export interface SavedWatchState {
  progress: WatchProgress;
  rules?: WatchRulesSnapshot | undefined;
  /** When the last cycle committed (epoch seconds). */
  updatedAt: number;
}

/** Reads watch's saved state without creating anything (works on a read-only store); undefined when watch never ran there. */
export async function readWatchState(store: Store): Promise<SavedWatchState | undefined> {
  const present = await watchTables(store);
  if (!present.has('alert_watch_state')) return undefined;
  const found = await store.query('SELECT key, value, epoch(updated_at) AS updated FROM alert_watch_state WHERE key IN (?, ?)', [STATE_KEY, RULES_KEY]);
  const row = (key: string) => found.rows.find((r) => r.key === key);
  const progress = row(STATE_KEY);
  if (typeof progress?.value !== 'string') return undefined;
  const rules = row(RULES_KEY);
  return {
    progress: JSON.parse(progress.value) as WatchProgress,
    rules: typeof rules?.value === 'string' ? (JSON.parse(rules.value) as WatchRulesSnapshot) : undefined,
    updatedAt: Math.floor(Number(progress.updated)),
  };
}

/** The events watch recorded, oldest first, optionally those at or after `start` and before `end` (epoch seconds). */
export async function readWatchHistory(store: Store, window: { start?: number | undefined; end?: number | undefined } = {}): Promise<AlertEvent[]> {
  if (!(await watchTables(store)).has('alert_history')) return [];
  const conditions = ['TRUE'];
  const params: number[] = [];
  if (window.start !== undefined) {
    conditions.push('event_time >= ?');
    params.push(window.start);
  }
  if (window.end !== undefined) {
    conditions.push('event_time < ?');
    params.push(window.end);
  }
  const result = await store.query(`SELECT event FROM alert_history WHERE ${conditions.join(' AND ')} ORDER BY event_time, event_id`, params);
  return result.rows.map((row) => JSON.parse(String(row.event)) as AlertEvent);
}

async function watchTables(store: Store): Promise<Set<string>> {
  const result = await store.query(`SELECT table_name FROM information_schema.tables WHERE table_name IN (${TABLES.map(() => '?').join(', ')})`, TABLES);
  return new Set(result.rows.map((row) => String(row.table_name)));
}
