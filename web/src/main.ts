import './style.css';
import type { GraphQuery, GraphResponse, InfoResponse } from '../../src/server/protocol.js';
import { api, ApiError, errorText } from './api.js';
import { setupAlerts } from './alerts-tab.js';
import { setupCosts } from './costs.js';
import { setupExplore } from './explore-tab.js';
import { renderEdgeDetails, renderNodeDetails } from './details.js';
import { esc, formatCount, formatTime } from './format.js';
import { GraphView } from './graph-view.js';
import { setupQueryTab } from './query-tab.js';
import { Timeline } from './timeline.js';

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;

/** What the details panel shows, so a filter change can show it again for the new filters. */
type Selection = { kind: 'node'; id: string } | { kind: 'edge'; source: string; target: string };

const state: {
  query: GraphQuery;
  window: { start: number; end: number } | undefined;
  info: InfoResponse | undefined;
  graph: GraphResponse | undefined;
  selection: Selection | undefined;
} = {
  query: {},
  window: undefined,
  info: undefined,
  graph: undefined,
  selection: undefined,
};
let requestSerial = 0;

const details = $('details');
const view = new GraphView($('graph'), {
  node: (id) => void showNode(id),
  edge: (source, target) => void showEdge(source, target),
  background: () => hideDetails(),
  layout: (running) => {
    const button = $('layout-toggle');
    button.textContent = running ? 'pause layout' : 'run layout';
    button.classList.toggle('running', running);
    hooks.settledAt = running ? 0 : performance.now();
  },
});
$('layout-toggle').addEventListener('click', () => {
  if (view.layoutRunning) view.stopLayout();
  else view.resumeLayout();
});
const timeline = new Timeline($('chart'), (window) => {
  state.window = window;
  void refresh({ histogram: false });
});

/**
 * Test, benchmark and debugging hooks: the graph, the view, whether a load is pending, and when (performance.now())
 * the latest graph was first drawn, its layout last stopped, and the latest details panel painted (0 while one loads).
 */
const hooks = { view, loading: true, loads: 0, lastError: '' as string, drawnAt: 0, settledAt: 0, detailsShownAt: 0 };
(window as unknown as { __flowlens: typeof hooks }).__flowlens = hooks;

function readFilters(): GraphQuery {
  const value = (id: string): string => ($(id) as HTMLInputElement | HTMLSelectElement).value.trim();
  const number = (id: string): number | undefined => (value(id) === '' ? undefined : Number(value(id)));
  const query: GraphQuery = {
    node: value('f-node'),
    public: value('f-public') as 'group' | 'keep',
    weight: value('f-weight') as 'flows' | 'bytes' | 'packets',
  };
  const action = value('f-action');
  if (action === 'ACCEPT' || action === 'REJECT') query.action = action;
  if (value('f-protocol')) query.protocol = value('f-protocol');
  if (value('f-port')) query.port = value('f-port');
  // AS numbers (15169, AS13335, comma-separated) go to `asn`, any other text is part of an AS name.
  const as = value('f-asn');
  if (as) {
    if (/^(as)?\d+(\s*,\s*(as)?\d+)*$/i.test(as)) query.asn = as;
    else query.asName = as;
  }
  if (value('f-country')) query.country = value('f-country');
  if (value('f-aws-service')) query.awsService = value('f-aws-service');
  const min = number('f-min');
  if (min !== undefined && min > 0) query.minWeight = min;
  const top = number('f-top');
  if (top !== undefined && top > 0) query.top = top;
  if (($('f-pseudo') as HTMLInputElement).checked) query.pseudonymize = 1;
  if (state.window) {
    query.start = state.window.start;
    query.end = state.window.end;
  }
  return query;
}

async function refresh(options: { histogram: boolean } = { histogram: true }): Promise<void> {
  const serial = ++requestSerial;
  state.query = readFilters();
  hooks.loading = true;
  $('status').textContent = 'querying…';
  try {
    // Both requests leave at once; the graph is drawn as soon as it comes, the traffic chart when its answer follows.
    // (The server answers in arrival order: the graph is asked first.)
    const graphAnswer = api.graph(state.query);
    const histogramAnswer = options.histogram ? api.histogram(state.query) : Promise.resolve(undefined);
    histogramAnswer.catch(() => undefined);
    const graph = await graphAnswer;
    if (serial !== requestSerial) return;
    state.graph = graph;
    hooks.drawnAt = 0;
    view.show(graph);
    // Sigma draws on the next animation frame; a callback queued now runs right after that drawing.
    window.requestAnimationFrame(() => {
      if (serial === requestSerial) hooks.drawnAt = performance.now();
    });
    $('empty').hidden = graph.edges.length > 0;
    const s = graph.stats;
    $('stats').textContent = `${formatCount(s.nodes)} nodes · ${formatCount(s.edges)} edges${s.edges < s.totalEdges ? ` (of ${formatCount(s.totalEdges)})` : ''} · ${formatCount(s.records)} flows${s.pseudonymized ? ' · pseudonymized' : ''}`;
    $('stats').dataset.nodes = String(s.nodes);
    $('stats').dataset.edges = String(s.edges);
    $('status').textContent = `${s.millis} ms`;
    const histogram = await histogramAnswer;
    if (serial !== requestSerial) return;
    if (histogram) timeline.render(histogram, state.window);
    $('window').textContent = state.window ? `${formatTime(state.window.start)} – ${formatTime(state.window.end)}` : '';
    $('clear-window').hidden = !state.window;
    void refreshDetails();
  } catch (error) {
    if (serial !== requestSerial) return;
    showError(error);
  } finally {
    if (serial === requestSerial) {
      hooks.loading = false;
      hooks.loads++;
    }
  }
}

function showError(error: unknown): void {
  const message = error instanceof ApiError ? errorText(error) : String(error);
  hooks.lastError = message;
  $('status').textContent = message;
  $('status').classList.add('error');
  window.setTimeout(() => $('status').classList.remove('error'), 4000);
}

let detailsSerial = 0;

async function showNode(id: string): Promise<void> {
  // The details first, then the camera's move: its frames would hold up the panel (WebGL in software most of all).
  await showDetails({ kind: 'node', id });
  view.focus(id);
}

async function showEdge(source: string, target: string): Promise<void> {
  await showDetails({ kind: 'edge', source, target });
}

/** Loads and shows the details of a node or an edge for the current filters; a newer request wins. */
async function showDetails(selection: Selection, options: { loading: boolean } = { loading: true }): Promise<void> {
  const serial = ++detailsSerial;
  hooks.detailsShownAt = 0;
  state.selection = selection;
  if (options.loading) openDetails('<p class="muted">loading…</p>');
  details.dataset.loading = '1';
  try {
    const html = selection.kind === 'node'
      ? renderNodeDetails(await api.node(state.query, selection.id))
      : renderEdgeDetails(await api.edge(state.query, selection.source, selection.target));
    if (serial === detailsSerial) {
      openDetails(html);
      // The panel is painted on the next animation frame; a callback queued now runs right after it.
      window.requestAnimationFrame(() => {
        if (serial === detailsSerial) hooks.detailsShownAt = performance.now();
      });
    }
  } catch (error) {
    if (serial === detailsSerial) openDetails(`<header><button class="close" data-close>×</button></header><p class="error">${esc(errorText(error))}</p>`);
  } finally {
    if (serial === detailsSerial) delete details.dataset.loading;
  }
}

/** Shows the open details panel again for the filters just applied (its totals, peers and flows depend on them). */
async function refreshDetails(): Promise<void> {
  if (details.hidden || !state.selection) return;
  await showDetails(state.selection, { loading: false });
}

function openDetails(html: string): void {
  details.innerHTML = html;
  details.hidden = false;
}

function hideDetails(): void {
  details.hidden = true;
  state.selection = undefined;
  detailsSerial++;
}

details.addEventListener('click', (event) => {
  const target = event.target as HTMLElement;
  if (target.closest('[data-close]')) hideDetails();
  const link = target.closest<HTMLElement>('[data-node]');
  if (link?.dataset.node) {
    event.preventDefault();
    void showNode(link.dataset.node);
  }
});

function setupSearch(): void {
  const input = $('search') as HTMLInputElement;
  const results = $('search-results');
  let timer: number | undefined;
  const run = async (): Promise<void> => {
    const q = input.value.trim();
    if (!q) {
      results.hidden = true;
      return;
    }
    try {
      const { hits } = await api.search(state.query, q);
      results.innerHTML = hits.length
        ? hits.map((h) => `<li><a href="#" data-hit="${esc(h.id)}">${esc(h.id)}</a> <small>${esc(h.match !== h.id ? h.match : h.kind)}${view.graph.hasNode(h.id) ? '' : ' · not drawn'}</small></li>`).join('')
        : '<li class="muted">no match</li>';
      results.hidden = false;
    } catch (error) {
      showError(error);
    }
  };
  input.addEventListener('input', () => {
    window.clearTimeout(timer);
    timer = window.setTimeout(() => void run(), 250);
  });
  $('search-form').addEventListener('submit', (event) => {
    event.preventDefault();
    void run();
  });
  // The dropdown floats over everything: close it when a tab opens, on Escape and on a click elsewhere.
  const close = (): void => {
    window.clearTimeout(timer);
    results.hidden = true;
  };
  document.addEventListener('flowlens:tab', close);
  input.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') close();
  });
  document.addEventListener('click', (event) => {
    if (!$('search-form').contains(event.target as Node)) close();
  });
  results.addEventListener('click', (event) => {
    const hit = (event.target as HTMLElement).closest<HTMLElement>('[data-hit]');
    if (!hit?.dataset.hit) return;
    event.preventDefault();
    results.hidden = true;
    void showNode(hit.dataset.hit);
  });
}

async function start(): Promise<void> {
  try {
    const info = await api.info();
    state.info = info;
    ($('f-node') as HTMLSelectElement).value = info.defaults.node;
    ($('f-public') as HTMLSelectElement).value = info.defaults.public;
    ($('f-weight') as HTMLSelectElement).value = info.defaults.weight;
    ($('f-top') as HTMLInputElement).value = String(info.defaults.top);
    if (info.canPseudonymize) {
      $('pseudo-row').hidden = false;
      const box = $('f-pseudo') as HTMLInputElement;
      box.checked = info.alwaysPseudonymize;
      box.disabled = info.alwaysPseudonymize;
    }
  } catch (error) {
    showError(error);
  }
  for (const id of ['f-node', 'f-public', 'f-action', 'f-protocol', 'f-weight', 'f-pseudo']) $(id).addEventListener('change', () => void refresh());
  for (const id of ['f-port', 'f-asn', 'f-country', 'f-aws-service', 'f-min', 'f-top']) $(id).addEventListener('change', () => void refresh());
  $('clear-window').addEventListener('click', () => {
    state.window = undefined;
    void refresh();
  });
  setupSearch();
  await refresh();
  void alerts.refreshBadge();
}

setupCosts(() => state.window);
setupQueryTab(() => state.window, () => state.info);
setupExplore();
const alerts = setupAlerts({ window: () => state.window, pseudonymize: () => ($('f-pseudo') as HTMLInputElement).checked, select: (id) => void selectAddress(id) });

/** Shows an address from the Alerts tab on the graph; a public address grouped into "internet" needs its own node first. */
async function selectAddress(id: string): Promise<void> {
  const publicMode = $('f-public') as HTMLSelectElement;
  if (!view.graph.hasNode(id) && publicMode.value === 'group') {
    publicMode.value = 'keep';
    await refresh();
  }
  await showNode(id);
}
void start();
