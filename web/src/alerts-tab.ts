import './alerts.css';
import type uPlot from 'uplot';
import type { AlarmDto, AlertsQuery, AlertSourceDto, AlertsResponse, FindingDto } from '../../src/server/protocol.js';
import { formatDuration } from '../../src/alerts/units.js';
import { drawAlarmChart } from './alarm-chart.js';
import { api, errorText } from './api.js';
import { esc, formatCount, formatTime } from './format.js';
import { bindTabPanel, createTabPanel } from './tab-panel.js';

/** What the Alerts tab needs from the page: the time window, whether to pseudonymize, and how to show an address on the graph. */
export interface AlertsTabOptions {
  window: () => { start: number; end: number } | undefined;
  pseudonymize: () => boolean;
  select: (address: string) => void;
}

/** The Alerts tab's handle: refresh the ALARM count badge (the page calls it once the graph is drawn). */
export interface AlertsTab {
  refreshBadge(): Promise<void>;
}

const OPERATORS: Record<string, string> = {
  GreaterThanOrEqualToThreshold: '≥',
  GreaterThanThreshold: '>',
  LessThanThreshold: '<',
  LessThanOrEqualToThreshold: '≤',
};
const STATE_ORDER: Record<string, number> = { ALARM: 0, INSUFFICIENT_DATA: 1, OK: 2 };

/** A state badge: ALARM red, OK green, INSUFFICIENT_DATA grey. */
export function renderStateBadge(state: string): string {
  return `<span class="state-badge state-${esc(state.toLowerCase().replace('_', '-'))}" data-testid="state-badge">${esc(state)}</span>`;
}

/** One alarm: badge, name and dimensions, since when, its rule, the last reason, a chart placeholder and its history table. */
export function renderAlarm(alarm: AlarmDto, index: number): string {
  const dims = Object.entries(alarm.dimensions).map(([k, v]) => `${esc(k)}=${addressLink(v)}`).join(', ');
  const rule =
    alarm.threshold === null
      ? esc(`${alarm.namespace} / ${alarm.metricName}`)
      : esc(`${alarm.statistic ?? ''} of ${alarm.metricName} (${alarm.namespace}) per ${formatDuration(alarm.period ?? 0)} ${OPERATORS[alarm.comparisonOperator ?? ''] ?? alarm.comparisonOperator} ${alarm.threshold}, ${alarm.datapointsToAlarm} of ${alarm.evaluationPeriods} periods`);
  const history = alarm.transitions.length
    ? `<table class="alarm-history" data-testid="alarm-history"><thead><tr><th>time</th><th>change</th><th>reason</th></tr></thead><tbody>${[...alarm.transitions]
        .reverse()
        .map((t) => `<tr><td>${esc(formatTime(t.time))}</td><td class="change">${renderStateBadge(t.from)} → ${renderStateBadge(t.to)}</td><td class="reason">${esc(t.reason)}</td></tr>`)
        .join('')}</tbody></table>`
    : '<p class="muted">No state change in this window.</p>';
  return `<article class="alarm" data-testid="alarm" data-alarm="${esc(alarm.alarmName)}" data-state="${esc(alarm.state)}">
<header>${renderStateBadge(alarm.state)} <strong class="alarm-name" data-testid="alarm-name">${esc(alarm.alarmName)}</strong>${dims ? ` <span class="dims">[${dims}]</span>` : ''}
<span class="since">${alarm.since === null ? '' : `since ${esc(formatTime(alarm.since))}`}</span></header>
<p class="alarm-rule">${rule}</p>
${alarm.reason ? `<p class="alarm-reason">${esc(alarm.reason)}</p>` : ''}
${alarm.datapoints.length || alarm.threshold !== null ? `<div class="alarm-chart" data-testid="alarm-chart" data-index="${index}"></div>` : ''}
<details class="alarm-transitions" ${alarm.transitions.length ? 'open' : ''}><summary>History (${alarm.transitions.length} state change${alarm.transitions.length === 1 ? '' : 's'})</summary>${history}</details>
</article>`;
}

/** The findings table: detection, when, actor, target, ports and evidence; addresses link to the graph. */
export function renderFindings(findings: readonly FindingDto[]): string {
  if (!findings.length) return '<p class="muted" data-testid="findings-empty">No findings in this window.</p>';
  const rows = findings
    .map((f) => {
      const ports = f.target.ports ?? [];
      const shownPorts = ports.length > 6 ? `${ports.slice(0, 5).join(', ')} +${ports.length - 5}` : ports.join(', ');
      const evidence = Object.entries(f.counts).filter(([k]) => k !== 'windows' || (f.counts.windows ?? 1) > 1).map(([k, v]) => `${esc(k)} ${esc(formatCount(v))}`).join(' · ');
      return `<tr data-detection="${esc(f.detection)}" title="${esc(f.description)}">
<td>${esc(f.detection)}<br><small>${esc(f.type)}</small></td>
<td><span class="severity severity-${esc(f.severityLabel.toLowerCase())}">${esc(f.severityLabel)} ${esc(f.severity)}</span></td>
<td>${esc(formatTime(f.firstSeen))}<br><small>to ${esc(formatTime(f.lastSeen))}</small></td>
<td data-testid="finding-actor">${addressLink(f.actor.address || f.resource.interfaceIds.join(', '))}${f.actor.count && f.actor.count > 1 ? `<br><small>${esc(f.actor.count)} sources</small>` : ''}</td>
<td data-testid="finding-target">${f.target.address ? addressLink(f.target.address) : '–'}</td>
<td>${esc(shownPorts || '–')}</td>
<td class="evidence">${evidence}${f.baseline ? `<br><small data-testid="finding-baseline">${f.learning ? '' : 'baseline: '}${esc(f.baseline.description)}</small>` : ''}${f.suppressedBy ? `<br><small>suppressed by ${esc(f.suppressedBy)}</small>` : ''}</td></tr>`;
    })
    .join('');
  return `<table class="findings" data-testid="findings"><thead><tr><th>detection</th><th>severity</th><th>time</th><th>actor</th><th>target</th><th>ports</th><th>evidence</th></tr></thead><tbody>${rows}</tbody></table>`;
}

// Findings a suppression rule archived: counted, listed when the user opens them.
function renderSuppressed(findings: readonly FindingDto[]): string {
  if (!findings.length) return '';
  return `<details class="suppressed" data-testid="suppressed-findings"><summary>Suppressed findings (${findings.length})</summary>${renderFindings(findings)}</details>`;
}

function addressLink(value: string): string {
  return /^[0-9a-f.:]+$/i.test(value) && /[.:]/.test(value) ? `<a href="#" data-address="${esc(value)}">${esc(value)}</a>` : esc(value);
}

function renderSummary(report: AlertsResponse): string {
  const where = report.source === 'watch' ? `saved by <code>flowlens watch</code>${report.updatedAt ? ` (last cycle ${esc(formatTime(report.updatedAt))})` : ''}` : `<code>${esc(report.rulesFile ?? 'rules')}</code> evaluated over the flows`;
  const range = report.range ? ` · ${esc(formatTime(report.range.start))} – ${esc(formatTime(report.range.end))}` : '';
  return `<p class="muted" data-testid="alerts-summary">${where}${range} · ${report.alarms.length} alarm${report.alarms.length === 1 ? '' : 's'}, ${report.alarming} in ALARM · ${report.findings.length} finding${report.findings.length === 1 ? '' : 's'}${report.pseudonymized ? ' · pseudonymized' : ''}</p>`;
}

/**
 * Adds the "Alerts" tab: a header button (with the count of alarms in ALARM) that opens a panel over the graph
 * with each alarm's state, since when, metric chart (threshold and ALARM spans) and history, and the findings.
 */
export function setupAlerts(options: AlertsTabOptions): AlertsTab {
  const { button, panel } = createTabPanel('alerts', 'Alerts <span class="alerts-count" data-testid="alerts-count" hidden></span>', `<div class="tab-head alerts-head"><h2>Alerts</h2>
    <label hidden>source <select data-testid="alerts-source"></select></label>
    <button type="button" data-close>back to graph</button></div><div class="alerts-body" data-testid="alerts-body"></div>`);
  const count = button.querySelector<HTMLElement>('.alerts-count') as HTMLElement;
  const body = panel.querySelector<HTMLElement>('.alerts-body') as HTMLElement;
  const sourceSelect = panel.querySelector<HTMLSelectElement>('select') as HTMLSelectElement;
  let plots: uPlot[] = [];
  let serial = 0;

  const showCount = (report: AlertsResponse): void => {
    count.textContent = String(report.alarming);
    count.hidden = report.alarming === 0;
    button.title = report.alarming ? `${report.alarming} alarm${report.alarming === 1 ? '' : 's'} in ALARM` : '';
  };
  const query = (): AlertsQuery => ({
    ...options.window(),
    ...(options.pseudonymize() ? { pseudonymize: 1 as const } : {}),
    ...(sourceSelect.value ? { source: sourceSelect.value as AlertSourceDto } : {}),
  });
  const render = (report: AlertsResponse): void => {
    for (const plot of plots) plot.destroy();
    plots = [];
    if (report.sources.length > 1 && sourceSelect.options.length !== report.sources.length) {
      sourceSelect.innerHTML = report.sources.map((s) => `<option value="${s}">${s === 'watch' ? 'watch state' : 'rules file'}</option>`).join('');
      sourceSelect.value = report.source ?? '';
    }
    (sourceSelect.parentElement as HTMLElement).hidden = report.sources.length < 2;
    if (report.source === null) {
      body.innerHTML = `<div class="alerts-hint" data-testid="alerts-hint"><p>No alerts for this data yet.</p>
<p>Evaluate a rules file over it: <code>flowlens serve --rules examples/rules.yaml …</code></p>
<p>or keep alarm states and history in the database: <code>flowlens watch --rules RULES.yaml --db DB SOURCE…</code>, then serve that database.</p></div>`;
      return;
    }
    const alarms = [...report.alarms].sort((a, b) => (STATE_ORDER[a.state] ?? 3) - (STATE_ORDER[b.state] ?? 3));
    body.innerHTML = `${renderSummary(report)}<h3>Alarms</h3>${alarms.length ? alarms.map(renderAlarm).join('') : '<p class="muted">The rules define no alarm.</p>'}
<h3>Findings (${report.findings.length})</h3>${renderFindings(report.findings)}${renderSuppressed(report.suppressed ?? [])}`;
    const range = report.range;
    if (!range) return;
    for (const container of body.querySelectorAll<HTMLElement>('.alarm-chart')) {
      const alarm = alarms[Number(container.dataset.index)];
      if (alarm) plots.push(drawAlarmChart(container, alarm, range));
    }
  };
  const load = async (): Promise<void> => {
    const mine = ++serial;
    panel.dataset.loading = '1';
    body.innerHTML = '<p class="muted">evaluating alerts…</p>';
    try {
      const q = query();
      const report = await api.alerts(q);
      if (mine !== serial) return;
      render(report);
      if (q.start === undefined) showCount(report);
    } catch (error) {
      if (mine === serial) body.innerHTML = `<p class="error">${esc(errorText(error))}</p>`;
    } finally {
      if (mine === serial) delete panel.dataset.loading;
    }
  };
  const toggle = bindTabPanel('alerts', button, panel, () => void load());
  sourceSelect.addEventListener('change', () => void load());
  document.getElementById('f-pseudo')?.addEventListener('change', () => {
    if (!panel.hidden) void load();
  });
  body.addEventListener('click', (event) => {
    const link = (event.target as HTMLElement).closest<HTMLElement>('[data-address]');
    if (!link?.dataset.address) return;
    event.preventDefault();
    toggle(false);
    options.select(link.dataset.address);
  });
  return {
    async refreshBadge() {
      try {
        showCount(await api.alerts(options.pseudonymize() ? { pseudonymize: 1 } : {}));
      } catch {
        count.hidden = true; // the tab itself shows the error when opened
      }
    },
  };
}
