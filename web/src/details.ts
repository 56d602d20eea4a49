import type { EdgeResponse, FlowRow, NodeResponse, PortTraffic, TrafficBucket, TrafficTotals } from '../../src/server/protocol.js';
import { esc, formatBytes, formatCount, formatTime, protocolName } from './format.js';

/** Renders node details: totals, traffic over time, peers (clickable), ports and latest flows. */
export function renderNodeDetails(node: NodeResponse): string {
  return `<header><h2 data-testid="details-title">${esc(node.id)}</h2><span class="kind">${esc(node.kind)}</span><button class="close" data-close>×</button></header>
${totals(node.totals)}
${sparkline(node.timeline, node.bucketSeconds)}
<h3>Peers</h3>
<table data-testid="peers"><thead><tr><th></th><th>peer</th><th>flows</th><th>bytes</th><th>rejected</th></tr></thead><tbody>
${node.peers.map((p) => `<tr><td>${p.direction === 'out' ? '→' : '←'}</td><td><a href="#" data-node="${esc(p.id)}">${esc(p.id)}</a></td><td>${formatCount(p.flows)}</td><td>${formatBytes(p.bytes)}</td><td class="${p.rejected ? 'rej' : ''}">${formatCount(p.rejected)}</td></tr>`).join('')}
</tbody></table>
${ports(node.ports, true)}
${flows(node.flows)}`;
}

/** Renders edge details: totals, ports, traffic over time and latest flows. */
export function renderEdgeDetails(edge: EdgeResponse): string {
  return `<header><h2 data-testid="details-title">${esc(edge.source)} → ${esc(edge.target)}</h2><button class="close" data-close>×</button></header>
${totals(edge.totals)}
${sparkline(edge.timeline, edge.bucketSeconds)}
${ports(edge.ports, false)}
${flows(edge.flows)}`;
}

function totals(t: TrafficTotals): string {
  return `<dl class="totals" data-testid="totals">
<dt>flows</dt><dd>${formatCount(t.flows)}</dd><dt>bytes</dt><dd>${formatBytes(t.bytes)}</dd>
<dt>packets</dt><dd>${formatCount(t.packets)}</dd><dt>accepted</dt><dd>${formatCount(t.accepted)}</dd>
<dt>rejected</dt><dd class="${t.rejected ? 'rej' : ''}">${formatCount(t.rejected)}</dd></dl>
<p class="seen">seen ${formatTime(t.firstSeen)} → ${formatTime(t.lastSeen)}</p>`;
}

function ports(list: PortTraffic[], withDirection: boolean): string {
  return `<h3>Ports</h3><table data-testid="ports"><thead><tr>${withDirection ? '<th></th>' : ''}<th>protocol</th><th>port</th><th>flows</th><th>bytes</th><th>rejected</th></tr></thead><tbody>
${list.map((p) => `<tr>${withDirection ? `<td>${p.direction === 'in' ? 'in' : 'out'}</td>` : ''}<td>${protocolName(p.protocol)}</td><td>${p.port ?? '–'}</td><td>${formatCount(p.flows)}</td><td>${formatBytes(p.bytes)}</td><td class="${p.rejected ? 'rej' : ''}">${formatCount(p.rejected)}</td></tr>`).join('')}
</tbody></table>`;
}

function flows(list: FlowRow[]): string {
  return `<h3>Latest flows</h3><table class="flows" data-testid="flows"><thead><tr><th>start (UTC)</th><th>source</th><th>destination</th><th>bytes</th><th>action</th></tr></thead><tbody>
${list.map((f) => `<tr class="${f.action === 'REJECT' ? 'rej' : ''}"><td>${formatTime(f.start).slice(11, 19)}</td><td>${esc(f.srcaddr)}:${f.srcport ?? ''}</td><td>${esc(f.dstaddr)}:${f.dstport ?? ''} <small>${protocolName(f.protocol)}</small></td><td>${formatBytes(f.bytes ?? 0)}</td><td>${f.action === 'REJECT' ? 'REJ' : 'ACC'}</td></tr>`).join('')}
</tbody></table>`;
}

/** A small inline SVG of bytes per bucket with rejected flows marked in red. */
function sparkline(buckets: TrafficBucket[], bucketSeconds: number): string {
  if (buckets.length === 0) return '';
  const width = 320;
  const height = 48;
  const first = buckets[0]?.t ?? 0;
  const last = (buckets[buckets.length - 1]?.t ?? first) + bucketSeconds;
  const span = Math.max(bucketSeconds, last - first);
  const maxBytes = Math.max(1, ...buckets.map((b) => b.bytes));
  const barWidth = Math.max(1, (width * bucketSeconds) / span - 1);
  const bars = buckets.map((b) => {
    const x = ((b.t - first) / span) * width;
    const h = Math.max(1, (b.bytes / maxBytes) * (height - 6));
    const mark = b.rejected > 0 ? `<rect x="${x.toFixed(1)}" y="${height - 3}" width="${barWidth.toFixed(1)}" height="3" fill="#dc2626"/>` : '';
    return `<rect x="${x.toFixed(1)}" y="${(height - 4 - h).toFixed(1)}" width="${barWidth.toFixed(1)}" height="${h.toFixed(1)}" fill="#64748b"/>${mark}`;
  });
  return `<h3>Bytes over time <small>(${bucketSeconds / 60} min buckets; red: rejects)</small></h3><svg class="spark" viewBox="0 0 ${width} ${height}" preserveAspectRatio="none" width="100%" height="${height}">${bars.join('')}</svg>`;
}
