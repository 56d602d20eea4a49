import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { QueryColumn, QueryResponse } from '../../src/server/protocol.js';
import { esc } from './format.js';
import { renderBarChart, timeSeries, toCsv } from './query-results.js';
import type { ChartPlan } from './query-results.js';

/**
 * Draws a result's chart into `container`: a measure picker, then SVG bars or a uPlot time series `width` wide.
 * Returns the uPlot instance (to destroy before the next drawing), if one was made.
 */
export function drawChart(container: HTMLElement, response: QueryResponse, rows: readonly unknown[][], plan: ChartPlan, width: number): uPlot | undefined {
  const choices = plan.measures.length > 1
    ? `<label>chart <select data-testid="query-measure">${plan.measures.map((i) => `<option value="${i}"${i === plan.measure ? ' selected' : ''}>${esc(response.columns[i]?.name)}</option>`).join('')}</select></label>`
    : `<span class="muted">${esc(response.columns[plan.measure]?.name)}</span>`;
  container.innerHTML = `<div class="query-chart-head">${choices}</div>`;
  if (plan.kind === 'bar') {
    container.insertAdjacentHTML('beforeend', renderBarChart(response, rows, plan));
    return undefined;
  }
  const holder = document.createElement('div');
  holder.dataset.testid = 'query-timeseries';
  container.append(holder);
  const options: uPlot.Options = {
    width: Math.max(400, width),
    height: 220,
    legend: { show: false },
    tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
    axes: [{ stroke: '#64748b', grid: { stroke: '#e2e8f0' } }, { stroke: '#64748b', grid: { stroke: '#e2e8f0' }, size: 60 }],
    series: [{}, { label: response.columns[plan.measure]?.name ?? '', stroke: '#2563eb', fill: 'rgba(37, 99, 235, 0.12)', width: 1.5 }],
  };
  return new uPlot(options, timeSeries(rows, plan), holder);
}

/** Saves rows as `flowlens-<name>-<UTC time>.csv` through a temporary link to a Blob (no server round trip). */
export function downloadCsv(name: string, columns: readonly QueryColumn[], rows: readonly unknown[][]): void {
  const blob = new Blob([toCsv(columns, rows)], { type: 'text/csv;charset=utf-8' });
  const link = document.createElement('a');
  link.href = URL.createObjectURL(blob);
  link.download = `flowlens-${name}-${new Date().toISOString().slice(0, 19).replace(/[-:]/g, '').replace('T', '-')}.csv`;
  document.body.append(link);
  link.click();
  link.remove();
  globalThis.setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
}
