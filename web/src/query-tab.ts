import type uPlot from 'uplot';
import './query-tab.css';
import type { InfoResponse, QueryLanguage, QueryRequest, QueryResponse, ReportInfo } from '../../src/server/protocol.js';
import { api, ApiError } from './api.js';
import { esc, formatCount } from './format.js';
import { drawChart, downloadCsv } from './query-chart.js';
import { planChart, renderTable, sortRows } from './query-results.js';
import type { ChartPlan, TableSort } from './query-results.js';
import { bindTabPanel, createTabPanel } from './tab-panel.js';

/** One-click examples: the seed's top-talkers SQL, AWS sample Insights queries, a report. */
const EXAMPLES: { label: string; language: QueryLanguage; text?: string; report?: string }[] = [
  {
    label: 'Top talkers (seed SQL)',
    language: 'sql',
    text: 'SELECT SUM(bytes) AS totalbytes, srcaddr, dstaddr\nFROM vpc_flow_logs\nGROUP BY srcaddr, dstaddr\nORDER BY totalbytes DESC\nLIMIT 50',
  },
  {
    label: 'Top 20 sources of rejected requests',
    language: 'insights',
    text: 'filter action="REJECT"\n| stats count(*) as numRejections by srcAddr\n| sort numRejections desc\n| limit 20',
  },
  { label: 'Flows and bytes per 5 minutes', language: 'insights', text: 'stats count(*) as flows, sum(bytes) as bytes by bin(5m) as t\n| sort t' },
  { label: 'Report: rejected sources', language: 'report', report: 'rejected-sources' },
];

const PLACEHOLDER: Record<QueryLanguage, string> = {
  sql: 'SELECT … FROM flows (or the Athena-style view vpc_flow_logs) — read-only; the time range does not apply',
  insights: 'filter action="REJECT" | stats count(*) by srcAddr',
  report: '',
};

/** Epoch seconds → the value of a datetime-local input (UTC). */
const toInput = (seconds: number | undefined): string => (seconds === undefined ? '' : new Date(seconds * 1000).toISOString().slice(0, 19));
/** A datetime-local value (UTC) → epoch seconds. */
const fromInput = (value: string): number | undefined => (value ? Math.floor(Date.parse(`${value}Z`) / 1000) : undefined);

/**
 * Adds the "Query" tab: SQL / Insights / report over the server's store (POST /api/query), results as a sortable
 * table, a bar or time chart where one fits, and a CSV download. `window()` is the page's time window, the default range.
 */
export function setupQueryTab(window: () => { start: number; end: number } | undefined, info: () => InfoResponse | undefined): void {
  const { button, panel } = createTabPanel('query', 'Query', panelHtml());

  const $ = <T extends HTMLElement>(selector: string): T => panel.querySelector(selector) as T;
  const text = $<HTMLTextAreaElement>('textarea');
  const reportRow = $('[data-role=report]');
  const reportSelect = $<HTMLSelectElement>('[data-testid=query-report]');
  const params = $('[data-role=params]');
  const start = $<HTMLInputElement>('[data-testid=query-start]');
  const end = $<HTMLInputElement>('[data-testid=query-end]');
  const limit = $<HTMLInputElement>('[data-testid=query-limit]');
  const status = $('[data-testid=query-status]');
  const errorBox = $('[data-testid=query-error]');
  const chart = $('[data-testid=query-chart]');
  const tableWrap = $('[data-role=table]');
  const results = $('[data-role=results]');
  const csv = $<HTMLButtonElement>('[data-testid=query-csv]');
  let reports: ReportInfo[] = [];
  let result: { response: QueryResponse; rows: unknown[][]; sort: TableSort | undefined; plan: ChartPlan | undefined; name: string } | undefined;
  let plot: uPlot | undefined;
  let serial = 0;
  let runs = 0;

  const language = (): QueryLanguage => ($<HTMLInputElement>('input[name=query-lang]:checked').value as QueryLanguage);
  const texts: Record<QueryLanguage, string> = { sql: EXAMPLES[0]?.text ?? '', insights: EXAMPLES[1]?.text ?? '', report: '' };
  let shown: QueryLanguage = 'sql';
  text.value = texts.sql;

  const showLanguage = (): void => {
    texts[shown] = text.value;
    shown = language();
    text.value = texts[shown];
    text.placeholder = PLACEHOLDER[shown];
    text.hidden = shown === 'report';
    reportRow.hidden = shown !== 'report';
    // SQL runs as written: the time range would silently not apply, so it is switched off.
    for (const input of [start, end]) input.disabled = shown === 'sql';
  };

  const showReport = (): void => {
    const report = reports.find((r) => r.name === reportSelect.value);
    $('[data-role=report-desc]').textContent = report ? report.description : '';
    params.innerHTML = (report?.params ?? [])
      .map((p) => `<label title="${esc(p.description)}">${esc(p.name)} <input data-param="${esc(p.name)}" placeholder="${esc(p.default ?? 'required')}"/></label>`)
      .join('');
  };

  const loadReports = async (): Promise<void> => {
    if (reports.length) return;
    try {
      reports = (await api.reports()).reports;
      reportSelect.innerHTML = reports.map((r) => `<option value="${esc(r.name)}">${esc(r.name)}</option>`).join('');
      showReport();
    } catch (error) {
      showError(error);
    }
  };

  const request = (): QueryRequest => {
    const lang = language();
    const body: QueryRequest = { language: lang };
    if (lang === 'report') {
      body.report = reportSelect.value;
      const given: Record<string, string> = {};
      for (const input of params.querySelectorAll<HTMLInputElement>('input[data-param]')) if (input.value.trim()) given[input.dataset.param as string] = input.value.trim();
      body.params = given;
    } else {
      body.text = text.value;
    }
    if (lang !== 'sql') {
      const from = fromInput(start.value);
      const to = fromInput(end.value);
      if (from !== undefined) body.start = from;
      if (to !== undefined) body.end = to;
    }
    if (limit.value) body.limit = Number(limit.value);
    return body;
  };

  const run = async (): Promise<void> => {
    const mine = ++serial;
    const body = request();
    panel.dataset.loading = '1';
    status.textContent = 'running…';
    status.classList.remove('error');
    errorBox.hidden = true;
    try {
      const response = await api.query(body);
      if (mine !== serial) return;
      const suggested = body.language === 'report' ? reports.find((r) => r.name === body.report)?.chart : undefined;
      result = { response, rows: response.rows, sort: undefined, plan: planChart(response, suggested), name: body.report ?? body.language };
      status.textContent = `${formatCount(response.rowCount)} row${response.rowCount === 1 ? '' : 's'} · ${response.elapsedMs} ms${response.truncated ? ` · truncated to the first ${formatCount(response.rowCount)}` : ''}`;
      status.dataset.rows = String(response.rowCount);
      status.classList.toggle('truncated', response.truncated);
      csv.disabled = false;
      drawResult();
    } catch (error) {
      if (mine === serial) showError(error);
    } finally {
      if (mine === serial) {
        delete panel.dataset.loading;
        panel.dataset.runs = String(++runs);
      }
    }
  };

  const showError = (error: unknown): void => {
    const failure = error instanceof ApiError ? error : undefined;
    // Insights messages already end "at line L, column C"; DuckDB's do not.
    const where = failure?.position && !/at line \d+, column \d+/.test(failure.message) ? ` (line ${failure.position.line}, column ${failure.position.column})` : '';
    errorBox.innerHTML = `<strong>${esc(failure ? failure.message : String(error))}</strong>${esc(where)}${failure?.hint ? `<pre>${esc(failure.hint)}</pre>` : ''}`;
    errorBox.dataset.code = failure?.code ?? 'network';
    errorBox.hidden = false;
    status.textContent = 'failed';
    status.classList.add('error');
    // The last result no longer answers what the editor shows.
    result = undefined;
    csv.disabled = true;
    drawResult();
    if (failure?.position && !text.hidden) selectPosition(text, failure.position);
  };

  const drawResult = (): void => {
    plot?.destroy();
    plot = undefined;
    if (!result) {
      tableWrap.innerHTML = '';
      chart.innerHTML = '';
      chart.dataset.kind = 'none';
      return;
    }
    const { response, rows, sort, plan } = result;
    results.classList.toggle('side', plan?.kind === 'bar');
    tableWrap.innerHTML = response.columns.length ? renderTable(response, rows, sort) : '<p class="muted">The statement returned no columns.</p>';
    chart.innerHTML = '';
    chart.dataset.kind = plan?.kind ?? 'none';
    if (plan) plot = drawChart(chart, response, rows, plan, results.clientWidth - 24);
  };

  const download = (): void => {
    if (result) downloadCsv(result.name, result.response.columns, result.rows);
  };

  bindTabPanel('query', button, panel, () => {
    const w = window();
    start.value = toInput(w?.start);
    end.value = toInput(w?.end);
    const notice = info()?.alwaysPseudonymize;
    if (notice) showError(new ApiError('this server pseudonymizes every answer, so it runs no queries', 'pseudonymized', 'restart `flowlens serve` without --pseudonymize to use the query tab'));
    void loadReports();
  });
  for (const radio of panel.querySelectorAll('input[name=query-lang]')) radio.addEventListener('change', showLanguage);
  reportSelect.addEventListener('change', showReport);
  $('.run').addEventListener('click', () => void run());
  csv.addEventListener('click', download);
  panel.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      void run();
    }
  });
  panel.querySelector('.query-examples')?.addEventListener('click', (event) => {
    const index = (event.target as HTMLElement).closest<HTMLElement>('[data-example]')?.dataset.example;
    const example = index === undefined ? undefined : EXAMPLES[Number(index)];
    if (!example) return;
    $<HTMLInputElement>(`input[value=${example.language}]`).checked = true;
    showLanguage();
    if (example.text !== undefined) text.value = example.text;
    void (async () => {
      if (example.report) {
        await loadReports();
        reportSelect.value = example.report;
        showReport();
      }
      await run();
    })();
  });
  tableWrap.addEventListener('click', (event) => {
    const th = (event.target as HTMLElement).closest<HTMLElement>('th[data-col]');
    if (!th || !result) return;
    const column = Number(th.dataset.col);
    result.sort = result.sort?.column === column ? { column, desc: !result.sort.desc } : { column, desc: false };
    result.rows = sortRows(result.response.rows, result.sort);
    drawResult();
  });
  chart.addEventListener('change', (event) => {
    const select = (event.target as HTMLElement).closest<HTMLSelectElement>('[data-testid=query-measure]');
    if (!select || !result?.plan) return;
    result.plan = { ...result.plan, measure: Number(select.value) };
    drawResult();
  });
}

/** Puts the caret of a textarea at a 1-based line and column, selecting the character there. */
function selectPosition(area: HTMLTextAreaElement, position: { line: number; column: number }): void {
  const lines = area.value.split('\n');
  let offset = 0;
  for (let i = 0; i < position.line - 1 && i < lines.length; i++) offset += (lines[i]?.length ?? 0) + 1;
  offset += position.column - 1;
  area.focus();
  area.setSelectionRange(offset, Math.min(area.value.length, offset + 1));
}

/** The panel's markup: language switch, examples, report picker, editor, controls, error box, results. */
function panelHtml(): string {
  return `<div class="tab-head query-head"><h2>Query</h2>
      <div class="query-langs" role="radiogroup" aria-label="language">${(['sql', 'insights', 'report'] as const)
        .map((l) => `<label><input type="radio" name="query-lang" value="${l}" data-testid="query-lang-${l}"${l === 'sql' ? ' checked' : ''}/> ${l === 'sql' ? 'SQL' : l === 'insights' ? 'Insights' : 'Report'}</label>`)
        .join('')}</div>
      <div class="query-examples">Examples: ${EXAMPLES.map((e, i) => `<button type="button" data-example="${i}">${esc(e.label)}</button>`).join('')}</div>
      <button type="button" data-close>back to graph</button></div>
    <div class="query-report" data-role="report" hidden><select data-testid="query-report"></select><span class="query-params" data-role="params"></span><span class="muted" data-role="report-desc"></span></div>
    <textarea data-testid="query-text" spellcheck="false" rows="6"></textarea>
    <div class="query-controls">
      <label>from <input type="datetime-local" step="1" data-testid="query-start"/></label>
      <label>to <input type="datetime-local" step="1" data-testid="query-end"/></label><span class="muted">UTC</span>
      <label>rows <input type="number" min="1" max="10000" placeholder="10000" data-testid="query-limit"/></label>
      <button type="button" class="run" data-testid="query-run" title="Ctrl+Enter / ⌘+Enter">Run</button>
      <span class="query-status" data-testid="query-status"></span>
      <button type="button" data-testid="query-csv" disabled>Download CSV</button>
    </div>
    <div class="query-error" data-testid="query-error" hidden></div>
    <div class="query-results" data-role="results"><div class="query-table-wrap" data-role="table"></div><div class="query-chart" data-testid="query-chart"></div></div>`;
}
