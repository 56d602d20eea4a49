import './costs.css';
import type { CostCategoryDto, CostGroupingDto, CostsResponse } from '../../src/server/protocol.js';
import { api, errorText } from './api.js';
import { esc } from './format.js';
import { bindTabPanel, createTabPanel } from './tab-panel.js';

/** Colours and labels of the cost categories, in the order the chart shows them. */
const CATEGORIES: { id: CostCategoryDto; label: string; color: string }[] = [
  { id: 'nat-processing', label: 'NAT processing', color: '#f97316' },
  { id: 'internet-egress', label: 'internet egress', color: '#ef4444' },
  { id: 'cross-az', label: 'cross-AZ', color: '#3b82f6' },
  { id: 'inter-region', label: 'inter-region', color: '#8b5cf6' },
  { id: 'gateway-endpoint-candidate', label: 'gateway endpoint', color: '#10b981' },
];

const usd = (n: number): string => `$${n.toFixed(2)}`;
const gib = (n: number): string => (n >= 100 ? n.toFixed(0) : n >= 1 ? n.toFixed(2) : n.toPrecision(2));

/** USD/month per category, every category present (0 when absent). */
export function monthlyByCategory(report: CostsResponse): { id: CostCategoryDto; label: string; color: string; usd: number }[] {
  return CATEGORIES.map((c) => ({ ...c, usd: report.lines.filter((l) => l.category === c.id).reduce((sum, l) => sum + l.usd_per_month, 0) }));
}

/** An SVG bar chart of USD/month per category. */
export function renderCostChart(report: CostsResponse): string {
  const bars = monthlyByCategory(report);
  const width = 560;
  const height = 220;
  const left = 56;
  const bottom = 40;
  const top = 16;
  const max = Math.max(...bars.map((b) => b.usd), 0);
  const scale = max > 0 ? (height - top - bottom) / max : 0;
  const slot = (width - left - 8) / bars.length;
  const ticks = max > 0 ? [0, max / 2, max] : [0];
  const axis = ticks
    .map((t) => {
      const y = height - bottom - t * scale;
      return `<line x1="${left}" x2="${width - 4}" y1="${y}" y2="${y}" class="grid"/><text x="${left - 6}" y="${y + 4}" text-anchor="end">${esc(usd(t))}</text>`;
    })
    .join('');
  const drawn = bars
    .map((b, i) => {
      const h = b.usd * scale;
      const x = left + i * slot + slot * 0.15;
      const y = height - bottom - h;
      return `<g data-category="${b.id}" data-usd="${b.usd.toFixed(2)}"><rect x="${x}" y="${y}" width="${slot * 0.7}" height="${h}" fill="${b.color}"><title>${esc(b.label)}: ${esc(usd(b.usd))}/month</title></rect>`
        + `<text x="${x + slot * 0.35}" y="${y - 4}" text-anchor="middle">${b.usd > 0 ? esc(usd(b.usd)) : ''}</text>`
        + `<text x="${x + slot * 0.35}" y="${height - bottom + 14}" text-anchor="middle" class="label">${esc(b.label)}</text></g>`;
    })
    .join('');
  return `<svg class="cost-chart" data-testid="cost-chart" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="USD per month by category">${axis}${drawn}<text x="${left}" y="${height - 6}" class="label">USD/month per category</text></svg>`;
}

/** The table of cost lines. */
export function renderCostTable(report: CostsResponse): string {
  if (!report.lines.length) return '<p class="muted" data-testid="cost-empty">No billable traffic in this window.</p>';
  const rows = report.lines
    .map((l) => `<tr data-category="${esc(l.category)}"><td>${esc(l.category)}</td><td>${esc(l.group)}</td><td>${esc(l.peer_service ?? '–')}</td><td class="num">${esc(gib(l.gib))}</td><td class="num">${esc(usd(l.usd))}</td><td class="num">${esc(usd(l.usd_per_month))}</td></tr>`)
    .join('');
  return `<table class="cost-table" data-testid="cost-table"><thead><tr><th>category</th><th>group</th><th>peer</th><th class="num">GiB</th><th class="num">USD</th><th class="num">USD/month</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function renderReport(report: CostsResponse): string {
  const list = (items: string[], testid: string): string => `<ul data-testid="${testid}">${items.map((i) => `<li>${esc(i)}</li>`).join('')}</ul>`;
  return [
    `<p class="muted">window: ${esc(report.days)} day${report.days === 1 ? '' : 's'} · grouped by ${esc(report.groupBy)} · prices: ${esc(report.prices.source)}</p>`,
    renderCostChart(report),
    renderCostTable(report),
    report.recommendations.length ? `<h3>Recommendations</h3>${list(report.recommendations, 'cost-recommendations')}` : '',
    report.unattributed.length ? `<h3>Not attributed</h3>${list(report.unattributed.map((u) => `${u.records} records (${gib(u.gib)} GiB): ${u.reason}`), 'cost-unattributed')}` : '',
    `<h3>Caveats</h3>${list(report.caveats, 'cost-caveats')}`,
  ].join('');
}

/**
 * Adds the "Costs" tab: a header button that opens a panel over the graph with the cost report of the current
 * time window (`window()`), as a bar chart of USD/month per category, a table, recommendations and caveats.
 */
export function setupCosts(window: () => { start: number; end: number } | undefined): void {
  const { button, panel } = createTabPanel('costs', 'Costs', `<div class="tab-head costs-head"><h2>Data-transfer costs</h2>
    <label>group by <select data-testid="costs-by"><option value="subnet">subnet</option><option value="eni">ENI</option><option value="instance">instance</option><option value="service">service</option></select></label>
    <button type="button" data-close>back to graph</button></div><div class="costs-body" data-testid="costs-body"></div>`);
  const body = panel.querySelector<HTMLElement>('.costs-body') as HTMLElement;
  const by = panel.querySelector<HTMLSelectElement>('select') as HTMLSelectElement;
  let serial = 0;

  const load = async (): Promise<void> => {
    const mine = ++serial;
    panel.dataset.loading = '1';
    body.innerHTML = '<p class="muted">loading…</p>';
    try {
      const report = await api.costs({ by: by.value as CostGroupingDto, ...window() });
      if (mine === serial) body.innerHTML = renderReport(report);
    } catch (error) {
      if (mine === serial) body.innerHTML = `<p class="error">${esc(errorText(error))}</p>`;
    } finally {
      if (mine === serial) delete panel.dataset.loading;
    }
  };
  bindTabPanel('costs', button, panel, () => void load());
  by.addEventListener('change', () => void load());
}
