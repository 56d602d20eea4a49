import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sqlLiteral } from '../store/sql-text.js';
import { dotBlocks, graphJsonBlocks, graphmlBlocks, visNetworkBlocks } from './exports.js';
import { renderCsvRow, renderHypergraphCsv } from './hypergraph.js';
import type { Hypergraph, HypergraphRow } from './hypergraph.js';
import type { ExportFormat } from './exports.js';
import type { FlowGraph } from './types.js';

/** The exports written as one text (to standard output or a file). */
export type TextExportFormat = 'json' | 'graphml' | 'dot' | 'vis';

/** Renders a text export (json, graphml, dot, vis). */
export function renderExport(graph: FlowGraph, format: TextExportFormat): string {
  return [...exportBlocks(graph, format)].join('');
}

/** A text export in blocks made one after the other as they are written (to standard output or a file). */
export function exportBlocks(graph: FlowGraph, format: TextExportFormat): Generator<string> {
  switch (format) {
    case 'json':
      return graphJsonBlocks(graph);
    case 'graphml':
      return graphmlBlocks(graph);
    case 'dot':
      return dotBlocks(graph);
    case 'vis':
      return visNetworkBlocks(graph);
  }
}

/**
 * Writes pygraphistry's hypergraph tables into the folder `out`: events.csv, entities.csv, edges.csv, nodes.csv
 * (the edges, up to one per event and entity pair, streamed a block of lines at a time). Returns the paths.
 */
export async function writeHypergraph(hypergraph: Hypergraph, out: string): Promise<string[]> {
  await mkdir(out, { recursive: true });
  const path = (name: string): string => join(out, `${name}.csv`);
  await writeFile(path('events'), renderHypergraphCsv(hypergraph.events));
  await writeFile(path('entities'), renderHypergraphCsv(hypergraph.entities));
  await writeLines(path('edges'), hypergraph.edges.columns, hypergraph.edgeRows());
  await writeFile(path('nodes'), renderHypergraphCsv(hypergraph.nodes));
  return ['events', 'entities', 'edges', 'nodes'].map(path);
}

async function writeLines(path: string, columns: readonly string[], rows: Iterable<HypergraphRow>): Promise<void> {
  const stream = createWriteStream(path);
  const done = new Promise<void>((resolve, reject) => {
    stream.on('finish', resolve);
    stream.on('error', reject);
  });
  let block = [columns.join(',')];
  const flush = async (): Promise<void> => {
    if (!stream.write(`${block.join('\n')}\n`)) await once(stream, 'drain');
    block = [];
  };
  for (const row of rows) {
    block.push(renderCsvRow(columns, row));
    if (block.length >= 4096) await flush();
  }
  if (block.length > 0) await flush();
  stream.end();
  await done;
}

/** Writes a graph export to the file `out` (the hypergraph has its own writer, writeHypergraph). Returns the paths written. */
export async function writeExport(graph: FlowGraph, format: Exclude<ExportFormat, 'hypergraph'>, out: string): Promise<string[]> {
  if (format === 'parquet') {
    await writeEdgesParquet(graph, out);
    return [out];
  }
  await writeBlocks(out, exportBlocks(graph, format));
  return [out];
}

// Writes text blocks to a file as they are made, waiting for the disk when the stream's buffer is full.
async function writeBlocks(path: string, blocks: Iterable<string>): Promise<void> {
  const stream = createWriteStream(path);
  const done = new Promise<void>((resolve, reject) => {
    stream.on('finish', resolve);
    stream.on('error', reject);
  });
  // Raised by the await below; until then a write error must not count as unhandled.
  done.catch(() => undefined);
  try {
    for (const block of blocks) if (!stream.write(block)) await Promise.race([once(stream, 'drain'), done]);
  } finally {
    stream.end();
  }
  await done;
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
