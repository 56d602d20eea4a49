import { createHash } from 'node:crypto';
import type { Store } from '../store/index.js';
import type { Notifier } from './notifiers.js';
import type { AlarmRule, DetectionRule } from './rules.js';
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

const STATE_KEY = 'progress';

/** The tables watch keeps in the store next to the flows: its progress, and the events not yet delivered. */
export function watchStateStatements(): string[] {
  return [
    'CREATE TABLE IF NOT EXISTS alert_watch_state (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL, updated_at TIMESTAMP NOT NULL)',
    'CREATE TABLE IF NOT EXISTS alert_outbox (event_id VARCHAR NOT NULL, notifier VARCHAR NOT NULL, event VARCHAR NOT NULL, created_at TIMESTAMP NOT NULL, PRIMARY KEY (event_id, notifier))',
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

/** Saves progress and queues each new event for every notifier that accepts it, in one transaction. */
export async function commitCycle(store: Store, progress: WatchProgress, events: readonly AlertEvent[], notifiers: readonly Notifier[]): Promise<void> {
  await store.run('BEGIN TRANSACTION');
  try {
    await store.run(
      'INSERT INTO alert_watch_state (key, value, updated_at) VALUES (?, ?, now()) ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at',
      [STATE_KEY, JSON.stringify(progress)],
    );
    for (const event of events) {
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
