import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import './explore.css';
import type { ExploreDimensionDto, ExploreDimensionsResponse, ExploreResponse, QueryColumn } from '../../src/server/protocol.js';
import { api, errorText } from './api.js';
import { DEFAULT_STATE, RANGES, stateFromHash, stateToHash, stateToRequest } from './explore-state.js';
import type { ExploreState } from './explore-state.js';
import { renderSankey } from './explore-sankey.js';
import { esc, formatBytes, formatCount, protocolName } from './format.js';
import { downloadCsv } from './query-chart.js';
import { bindTabPanel, createTabPanel } from './tab-panel.js';

const COLORS = ['#2563eb', '#f97316', '#10b981', '#a855f7', '#ef4444', '#0ea5e9', '#eab308', '#14b8a6', '#ec4899', '#6366f1', '#84cc16', '#f43f5e'];
const OTHER_COLOR = '#cbd5e1';

/** Epoch seconds → a datetime-local input value (UTC), and back. */
const toInput = (seconds: number | undefined): string => (seconds === undefined ? '' : new Date(seconds * 1000).toISOString().slice(0, 16));
const fromInput = (value: string): number | undefined => (value ? Math.floor(Date.parse(`${value}:00Z`) / 1000) : undefined);

/** The colour of the i-th top group (the palette repeats past 12). */
export function groupColor(index: number): string {
  return COLORS[index % COLORS.length] as string;
}

/**
 * Adds the "Explore" tab: top-N traffic by one to three dimensions as a stacked time series, a table and a sankey,
 * filtered by an Insights expression, over a time range; the view lives in the URL (`#explore?…`) and downloads as CSV.
 */
export function setupExplore(): void {
  const { button, panel } = createTabPanel('explore', 'Explore', panelHtml());
  const $ = <T extends HTMLElement>(testid: string): T => panel.querySelector(`[data-testid=${testid}]`) as T;
  const dimensionSelects = [0, 1, 2].map((i) => $<HTMLSelectElement>(`explore-dim-${i}`));
  const metric = $<HTMLSelectElement>('explore-metric');
  const range = $<HTMLSelectElement>('explore-range');
  const from = $<HTMLInputElement>('explore-from');
  const to = $<HTMLInputElement>('explore-to');
  const filter = $<HTMLInputElement>('explore-filter');
  const limit = $<HTMLInputElement>('explore-limit');
  const showOther = $<HTMLInputElement>('explore-other');
  const status = $('explore-status');
  const errorBox = $('explore-error');
  const chart = $('explore-chart');
  const table = $('explore-table-wrap');
  const sankey = $('explore-sankey-wrap');
  const csv = $<HTMLButtonElement>('explore-csv');
  let meta: ExploreDimensionsResponse | undefined;
  let plot: uPlot | undefined;
  let last: { state: ExploreState; response: ExploreResponse } | undefined;
  let serial = 0;

  const dimension = (id: string): ExploreDimensionDto | undefined => meta?.dimensions.find((d) => d.id === id);
  const labelOf = (id: string, value: unknown): string => {
    if (value === null || value === undefined) return '–';
    return id === 'protocol' ? protocolName(Number(value)) : String(value);
  };
  const formatValue = (value: number): string => (metric.value === 'bytes' ? formatBytes(value) : formatCount(Math.round(value)));

  const readState = (): ExploreState => ({
    dimensions: [...new Set(dimensionSelects.map((s) => s.value).filter(Boolean))],
    metric: metric.value as ExploreState['metric'],
    range: range.value,
    from: fromInput(from.value),
    to: fromInput(to.value),
    filter: filter.value.trim(),
    limit: Math.min(50, Math.max(1, Math.trunc(Number(limit.value)) || DEFAULT_STATE.limit)),
    other: showOther.checked,
  });

  const writeState = (state: ExploreState): void => {
    const options = (blank: boolean): string =>
      (blank ? '<option value="">—</option>' : '') + (meta?.dimensions ?? []).map((d) => `<option value="${esc(d.id)}">${esc(d.label)}</option>`).join('');
    dimensionSelects.forEach((select, i) => {
      select.innerHTML = options(i > 0);
      const wanted = state.dimensions[i] ?? '';
      select.value = wanted === '' || dimension(wanted) ? wanted : i === 0 ? (meta?.dimensions[0]?.id ?? '') : '';
    });
    metric.value = state.metric;
    range.value = state.range;
    from.value = toInput(state.from);
    to.value = toInput(state.to);
    filter.value = state.filter;
    limit.value = String(state.limit);
    showOther.checked = state.other;
    showCustom();
  };

  const showCustom = (): void => {
    const custom = range.value === 'custom';
    panel.querySelectorAll<HTMLElement>('[data-role=custom]').forEach((el) => (el.hidden = !custom));
  };

  const run = async (): Promise<void> => {
    const mine = ++serial;
    const state = readState();
    if (state.dimensions.length === 0) return;
    history.replaceState(null, '', `${location.pathname}${location.search}${stateToHash(state)}`);
    panel.dataset.loading = '1';
    errorBox.hidden = true;
    status.textContent = 'querying…';
    try {
      const response = await api.explore(stateToRequest(state, meta?.timeRange.max ?? null));
      if (mine !== serial) return;
      last = { state, response };
      render(state, response);
    } catch (error) {
      if (mine !== serial) return;
      errorBox.textContent = errorText(error);
      errorBox.hidden = false;
      status.textContent = '';
    } finally {
      if (mine === serial) delete panel.dataset.loading;
    }
  };

  const render = (state: ExploreState, response: ExploreResponse): void => {
    const width = Math.max(480, panel.clientWidth - 48);
    const names = state.dimensions.map((id) => dimension(id)?.label ?? id);
    const keyLabel = (key: unknown[]): string => key.map((v, i) => labelOf(state.dimensions[i] ?? '', v)).join(' · ');
    const from = response.range ? new Date(response.range.start * 1000).toISOString().slice(0, 16).replace('T', ' ') : '';
    const until = response.range ? new Date(response.range.end * 1000).toISOString().slice(0, 16).replace('T', ' ') : '';
    status.textContent = `${formatCount(response.groups)} groups · ${state.metric} ${formatValue(response.total)}${response.range ? ` · ${from} – ${until} UTC` : ''} · ${response.bucketSeconds / 60} min buckets · ${response.elapsedMs} ms (${response.source.top === 'rollups' ? 'rollups' : 'records'})`;
    status.dataset.groups = String(response.groups);
    csv.disabled = response.rows.length === 0;

    plot?.destroy();
    plot = undefined;
    chart.innerHTML = '';
    if (response.rows.length === 0) {
      chart.innerHTML = '<p class="muted" data-testid="explore-empty">No traffic matches this view.</p>';
    } else {
      plot = drawSeries(chart, response, response.rows.map((r) => keyLabel(r.key)), width, formatValue, state.other);
    }

    const share = (v: number): string => (response.total > 0 ? `${((100 * v) / response.total).toFixed(1)} %` : '–');
    const head = `<tr><th></th>${names.map((n) => `<th>${esc(n)}</th>`).join('')}<th class="num">${esc(state.metric)}</th><th class="num">share</th></tr>`;
    const body = response.rows
      .map((row, i) => `<tr data-rank="${i + 1}"><td><i class="swatch" style="background:${groupColor(i)}"></i></td>${row.key.map((v, c) => `<td>${esc(labelOf(state.dimensions[c] ?? '', v))}</td>`).join('')}<td class="num" data-value="${row.value}">${esc(formatValue(row.value))}</td><td class="num">${share(row.value)}</td></tr>`)
      .join('');
    const otherGroups = Math.max(0, response.groups - response.rows.length);
    const other = otherGroups > 0
      ? `<tr class="other"><td><i class="swatch" style="background:${OTHER_COLOR}"></i></td><td colspan="${names.length}">other (${formatCount(otherGroups)} groups)</td><td class="num">${esc(formatValue(response.other))}</td><td class="num">${share(response.other)}</td></tr>`
      : '';
    table.innerHTML = `<table class="explore-table" data-testid="explore-table"><thead>${head}</thead><tbody>${body}${other}</tbody>
<tfoot><tr><td></td><td colspan="${names.length}">total</td><td class="num">${esc(formatValue(response.total))}</td><td class="num">${response.total > 0 ? '100 %' : '–'}</td></tr></tfoot></table>`;

    sankey.innerHTML = state.dimensions.length >= 2 && response.rows.length > 0
      ? `<h3>Sankey of the top ${response.rows.length} groups</h3>${renderSankey(response.rows, names, (c, v) => labelOf(state.dimensions[c] ?? '', v), formatValue, groupColor, width)}`
      : '<p class="muted">Pick two or three dimensions for a sankey.</p>';
  };

  const download = (): void => {
    if (!last) return;
    const { state, response } = last;
    const columns: QueryColumn[] = [...state.dimensions.map((id) => ({ name: id, type: dimension(id)?.type ?? 'VARCHAR' })), { name: state.metric, type: 'DOUBLE' }];
    const rows: unknown[][] = response.rows.map((r) => [...r.key, r.value]);
    if (response.other > 0) rows.push([...state.dimensions.map((_, i) => (i === 0 ? '(other)' : null)), response.other]);
    downloadCsv(`explore-${state.dimensions.join('-')}-${state.metric}`, columns, rows);
  };

  const open = async (): Promise<void> => {
    try {
      meta ??= await api.exploreDimensions();
    } catch (error) {
      errorBox.textContent = errorText(error);
      errorBox.hidden = false;
      return;
    }
    writeState(stateFromHash(location.hash) ?? (last?.state ?? DEFAULT_STATE));
    await run();
  };

  const toggle = bindTabPanel('explore', button, panel, () => void open());
  // Leaving the tab leaves its view out of the URL; another tab opening closes this one through bindTabPanel.
  panel.querySelector('[data-close]')?.addEventListener('click', () => history.replaceState(null, '', `${location.pathname}${location.search}`));
  for (const control of [...dimensionSelects, metric, limit]) control.addEventListener('change', () => void run());
  range.addEventListener('change', () => {
    showCustom();
    if (range.value !== 'custom') void run();
  });
  for (const control of [from, to]) control.addEventListener('change', () => void run());
  panel.querySelector('form')?.addEventListener('submit', (event) => {
    event.preventDefault();
    void run();
  });
  csv.addEventListener('click', download);
  // Showing or hiding "other" only redraws.
  showOther.addEventListener('change', () => {
    if (!last) return;
    const state = { ...last.state, other: showOther.checked };
    last = { state, response: last.response };
    history.replaceState(null, '', `${location.pathname}${location.search}${stateToHash(state)}`);
    render(state, last.response);
  });
  // A shared link opens the tab with its view.
  if (stateFromHash(location.hash)) toggle(true);
  window.addEventListener('hashchange', () => {
    if (stateFromHash(location.hash) && panel.hidden) toggle(true);
    else if (stateFromHash(location.hash) && meta) {
      writeState(stateFromHash(location.hash) as ExploreState);
      void run();
    }
  });
}

/** The stacked series: one band per top group (in the table's colours) and "other" on top, in uPlot. */
function drawSeries(container: HTMLElement, response: ExploreResponse, labels: string[], width: number, format: (v: number) => string, withOther: boolean): uPlot {
  const t = response.series.t;
  const values = withOther ? response.series.values : response.series.values.slice(0, labels.length);
  // Each band is drawn as the running sum up to it, filled from the previous sum (uPlot's bands).
  const stacked: number[][] = [];
  let running = new Array<number>(t.length).fill(0);
  for (const line of values) {
    running = running.map((v, i) => v + (line[i] ?? 0));
    stacked.push(running);
  }
  const names = withOther ? [...labels, 'other'] : labels;
  const series: uPlot.Series[] = [{}];
  const bands: uPlot.Band[] = [];
  names.forEach((name, i) => {
    const color = i < labels.length ? groupColor(i) : OTHER_COLOR;
    // With bands, a series is filled only down to the one below it: the first one alone fills to zero.
    series.push({ label: name, stroke: color, ...(i === 0 ? { fill: `${color}b0` } : {}), width: 1, points: { show: false }, value: (_u, _v, _s, idx) => (idx === null ? '' : format(values[i]?.[idx ?? 0] ?? 0)) });
    if (i > 0) bands.push({ series: [i + 1, i], fill: `${color}b0` });
  });
  const holder = document.createElement('div');
  holder.dataset.testid = 'explore-chart-plot';
  container.append(holder);
  const options: uPlot.Options = {
    width,
    height: 280,
    tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
    scales: { x: { time: true } },
    legend: { live: true },
    axes: [{ stroke: '#64748b', grid: { stroke: '#e2e8f0' } }, { stroke: '#64748b', grid: { stroke: '#e2e8f0' }, size: 70, values: (_u, ticks) => ticks.map(format) }],
    series,
    bands,
  };
  return new uPlot(options, [t, ...stacked] as uPlot.AlignedData, holder);
}

function panelHtml(): string {
  const rangeOptions = RANGES.map((r) => `<option value="${r.id}">${esc(r.label)}</option>`).join('');
  return `<div class="tab-head explore-head"><h2>Explore traffic</h2><button type="button" data-close>back to graph</button></div>
<form class="explore-controls" autocomplete="off">
  <label>group by <select data-testid="explore-dim-0"></select></label>
  <label>then <select data-testid="explore-dim-1"></select></label>
  <label>then <select data-testid="explore-dim-2"></select></label>
  <label>metric <select data-testid="explore-metric"><option value="bytes">bytes</option><option value="packets">packets</option><option value="flows">flows</option></select></label>
  <label>time <select data-testid="explore-range">${rangeOptions}</select></label>
  <label data-role="custom" hidden>from (UTC) <input type="datetime-local" data-testid="explore-from" /></label>
  <label data-role="custom" hidden>to <input type="datetime-local" data-testid="explore-to" /></label>
  <label>top <input type="number" min="1" max="50" data-testid="explore-limit" /></label>
  <label class="check"><input type="checkbox" data-testid="explore-other" /> other in chart</label>
  <label class="filter">filter (Insights expression) <input data-testid="explore-filter" placeholder='action = "REJECT" and dstPort in [22, 3389]' spellcheck="false" /></label>
  <button type="submit" data-testid="explore-run">Run</button>
  <button type="button" data-testid="explore-csv" disabled>Download CSV</button>
</form>
<p class="explore-status muted" data-testid="explore-status"></p>
<pre class="error explore-error" data-testid="explore-error" hidden></pre>
<div class="explore-chart" data-testid="explore-chart"></div>
<div data-testid="explore-table-wrap"></div>
<div class="explore-sankey" data-testid="explore-sankey-wrap"></div>`;
}
