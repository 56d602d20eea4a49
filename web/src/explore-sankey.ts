import type { ExploreRowDto as ExploreRow } from '../../src/server/protocol.js';
import { esc } from './format.js';

interface SankeyNode {
  id: string;
  column: number;
  label: string;
  value: number;
  y: number;
  height: number;
  /** Next free offset of outgoing and incoming links. */
  outY: number;
  inY: number;
}

/**
 * An SVG sankey of the top groups over two or three dimensions: one column of nodes per dimension (height ∝ the
 * metric), and a ribbon per pair of neighbouring values. `label` names a dimension value; `format` a metric value.
 */
export function renderSankey(
  rows: readonly ExploreRow[],
  columns: readonly string[],
  label: (column: number, value: unknown) => string,
  format: (value: number) => string,
  color: (row: number) => string,
  width: number,
): string {
  const height = 380;
  const nodeWidth = 12;
  const gap = 6;
  const top = 22;
  const nodes = new Map<string, SankeyNode>();
  // A ribbon takes the colour of the biggest group through it (the group's own colour with two dimensions).
  const links = new Map<string, { source: SankeyNode; target: SankeyNode; value: number; color: string }>();
  for (const [index, row] of rows.entries()) {
    if (row.value <= 0) continue;
    const path = row.key.map((value, column) => {
      const id = `${column}\u0000${String(value)}`;
      const node = nodes.get(id) ?? { id, column, label: label(column, value), value: 0, y: 0, height: 0, outY: 0, inY: 0 };
      node.value += row.value;
      nodes.set(id, node);
      return node;
    });
    for (let i = 0; i + 1 < path.length; i++) {
      const source = path[i] as SankeyNode;
      const target = path[i + 1] as SankeyNode;
      const id = `${source.id}\u0001${target.id}`;
      const link = links.get(id) ?? { source, target, value: 0, color: color(index) };
      link.value += row.value;
      links.set(id, link);
    }
  }
  const byColumn = columns.map((_, c) => [...nodes.values()].filter((n) => n.column === c).sort((a, b) => b.value - a.value));
  const usable = height - top - 4;
  const scale = Math.min(...byColumn.map((list) => (usable - gap * Math.max(0, list.length - 1)) / Math.max(1, list.reduce((s, n) => s + n.value, 0))));
  const step = (width - nodeWidth - 2) / Math.max(1, columns.length - 1);
  for (const list of byColumn) {
    let y = top;
    for (const node of list) {
      node.y = y;
      node.height = Math.max(1, node.value * scale);
      node.outY = node.y;
      node.inY = node.y;
      y += node.height + gap;
    }
  }
  const x = (column: number): number => 1 + column * step;
  // Ribbons leave and enter nodes in the order of the other end, so they do not cross inside a node.
  const ordered = [...links.values()].sort((a, b) => a.source.y - b.source.y || a.target.y - b.target.y);
  const outOrder = [...ordered].sort((a, b) => a.source.y - b.source.y || a.target.y - b.target.y);
  const inOrder = [...ordered].sort((a, b) => a.target.y - b.target.y || a.source.y - b.source.y);
  const at = new Map<object, { y0: number; y1: number }>();
  for (const link of outOrder) {
    at.set(link, { y0: link.source.outY, y1: 0 });
    link.source.outY += link.value * scale;
  }
  for (const link of inOrder) {
    const place = at.get(link) as { y0: number; y1: number };
    place.y1 = link.target.inY;
    link.target.inY += link.value * scale;
  }
  const ribbons = ordered.map((link) => {
    const { y0, y1 } = at.get(link) as { y0: number; y1: number };
    const h = Math.max(0.5, link.value * scale);
    const x0 = x(link.source.column) + nodeWidth;
    const x1 = x(link.target.column);
    const mid = (x0 + x1) / 2;
    const d = `M${x0},${y0}C${mid},${y0} ${mid},${y1} ${x1},${y1}L${x1},${y1 + h}C${mid},${y1 + h} ${mid},${y0 + h} ${x0},${y0 + h}Z`;
    return `<path class="ribbon" d="${d}" fill="${link.color}" data-value="${link.value}"><title>${esc(link.source.label)} → ${esc(link.target.label)}: ${esc(format(link.value))}</title></path>`;
  });
  const drawn = [...nodes.values()].map((node) => {
    const nx = x(node.column);
    const last = node.column === columns.length - 1;
    const text = node.height >= 9 ? `<text x="${last ? nx - 4 : nx + nodeWidth + 4}" y="${node.y + node.height / 2 + 4}" text-anchor="${last ? 'end' : 'start'}">${esc(node.label)}</text>` : '';
    return `<g class="node" data-node="${esc(node.label)}" data-column="${node.column}"><rect x="${nx}" y="${node.y}" width="${nodeWidth}" height="${node.height}"><title>${esc(node.label)}: ${esc(format(node.value))}</title></rect>${text}</g>`;
  });
  const heads = columns.map((name, c) => `<text class="head" x="${c === columns.length - 1 ? x(c) + nodeWidth : x(c)}" y="12" text-anchor="${c === columns.length - 1 ? 'end' : 'start'}">${esc(name)}</text>`);
  return `<svg class="sankey" data-testid="explore-sankey" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="sankey of ${esc(columns.join(', '))}">${heads.join('')}${ribbons.join('')}${drawn.join('')}</svg>`;
}
