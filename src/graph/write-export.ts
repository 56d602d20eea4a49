import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sqlLiteral } from '../store/sql-text.js';
import { renderDot, renderGraphJson, renderGraphml, renderHypergraph } from './exports.js';
import type { ExportFormat } from './exports.js';
import type { FlowGraph } from './types.js';

/** Renders a text export (json, graphml, dot). */
export function renderExport(graph: FlowGraph, format: 'json' | 'graphml' | 'dot'): string {
  return format === 'json' ? renderGraphJson(graph) : format === 'graphml' ? renderGraphml(graph) : renderDot(graph);
}

/** Writes an export to `out`: a file, or for `hypergraph` a folder with events.csv, entities.csv and edges.csv. Returns the paths written. */
export async function writeExport(graph: FlowGraph, format: ExportFormat, out: string): Promise<string[]> {
  if (format === 'hypergraph') {
    await mkdir(out, { recursive: true });
    const tables = renderHypergraph(graph);
    const paths: string[] = [];
    for (const name of ['events', 'entities', 'edges'] as const) {
      const path = join(out, `${name}.csv`);
      await writeFile(path, tables[name]);
      paths.push(path);
    }
    return paths;
  }
  if (format === 'parquet') {
    await writeEdgesParquet(graph, out);
    return [out];
  }
  await writeFile(out, renderExport(graph, format));
  return [out];
}

/** Writes the edge table as Parquet through an in-memory DuckDB (COPY … TO … (FORMAT parquet)). */
export async function writeEdgesParquet(graph: FlowGraph, out: string): Promise<void> {
  const { Store } = await import('../store/index.js');
  const store = await Store.memory();
  try {
    await store.run(`CREATE TEMP TABLE graph_edges (source VARCHAR, target VARCHAR, flows BIGINT, bytes BIGINT, packets BIGINT,
      accepted BIGINT, rejected BIGINT, port_count INTEGER, ports INTEGER[], protocols INTEGER[], first_seen BIGINT, last_seen BIGINT, weight DOUBLE)`);
    for (let i = 0; i < graph.edges.length; i += 1000) {
      const rows = graph.edges.slice(i, i + 1000).map((e) =>
        `(${[sqlLiteral(e.source), sqlLiteral(e.target), ...[e.flows, e.bytes, e.packets, e.accepted, e.rejected, e.portCount].map(num),
          `[${e.ports.join(',')}]::INTEGER[]`, `[${e.protocols.join(',')}]::INTEGER[]`, num(e.firstSeen), num(e.lastSeen), num(e.weight)].join(', ')})`);
      await store.run(`INSERT INTO graph_edges VALUES ${rows.join(',\n')}`);
    }
    await store.run(`COPY graph_edges TO ${sqlLiteral(out)} (FORMAT parquet)`);
  } finally {
    store.close();
  }
}

function num(value: number): string {
  return Number.isFinite(value) ? String(value) : 'NULL';
}
