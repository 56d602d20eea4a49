import { findField, toColumnName, UsageError } from '../records/index.js';
import type { Store } from '../store/index.js';
import { quoteIdentifier } from '../store/sql-text.js';
import { ensureFilterEnrichment } from './enrichment-filter.js';
import type { EnrichmentFilters } from './enrichment-filter.js';
import { flowCondition } from './graph-sql.js';
import type { GraphScope } from './graph-sql.js';
import type { Pseudonymizer } from './pseudonymize.js';

/** The summary keys of the Graphistry VPC flow logs notebook (src_ip, dest_ip, interfaceid, dest_port, protocol, action, status). */
export const HYPERGRAPH_EVENT_KEYS = ['srcaddr', 'dstaddr', 'interface_id', 'dstport', 'protocol', 'action', 'log_status'] as const;

/** The notebook's entity types: `hypergraph(summary_df, entity_types=['src_ip', 'dest_ip'], direct=True)`. */
export const DEFAULT_HYPERGRAPH_ENTITIES = ['srcaddr', 'dstaddr'] as const;

// The notebook aggregates time_start/time_end with min and max, packets/bytes with min, max, sum and count.
const AGGREGATES: [string, string[]][] = [
  ['start', ['min', 'max']],
  ['end', ['min', 'max']],
  ['packets', ['min', 'max', 'sum', 'count']],
  ['bytes', ['min', 'max', 'sum', 'count']],
];

const ADDRESS_COLUMNS = new Set(['srcaddr', 'dstaddr', 'pkt_srcaddr', 'pkt_dstaddr']);
const TOKEN_COLUMNS = new Set(['interface_id', 'instance_id']);

/** One table row: column name → value (null for pandas' NaN). */
export type HypergraphRow = Record<string, string | number | null>;

/** A table with its columns in order. */
export interface HypergraphTable {
  columns: string[];
  rows: HypergraphRow[];
}

/**
 * What pygraphistry's `hypergraph()` returns: `events` (the summary rows with `EventID::i`), `entities` (one node
 * per distinct value: `nodeID` `col::value`, `nodeTitle`, `type`, `category`), `edges` (direct: `src`/`dst`
 * between entity pairs with `edgeType` `col1::col2`; else `attribID`/`EventID` with `edgeType` col) and `nodes`
 * (entities, plus one node per event when not direct), with the event columns on every edge.
 */
export interface Hypergraph {
  direct: boolean;
  entityTypes: string[];
  events: HypergraphTable;
  entities: HypergraphTable;
  /** The edges (built on first read: there are up to one per event and entity pair). */
  readonly edges: HypergraphTable;
  /** The edge rows one at a time, for writers that stream them. */
  edgeRows(): Iterable<HypergraphRow>;
  edgeCount: number;
  nodes: HypergraphTable;
  /** The edge columns Graphistry binds as source and destination. */
  source: string;
  destination: string;
}

/** Options of buildHypergraph: the records (graph scope), the entity columns, direct or event-node mode. */
export interface HypergraphOptions extends Pick<GraphScope, 'where' | 'protocols' | 'ports'>, EnrichmentFilters {
  entities?: readonly string[] | undefined;
  direct?: boolean | undefined;
  pseudonymizer?: Pseudonymizer | undefined;
}

/** Parses `--entities srcaddr,dstaddr,dstport,interface-id,action` into flow column names (either spelling). */
export function parseEntityTypes(text: string): string[] {
  const names = text.split(',').map((s) => s.trim()).filter(Boolean);
  if (names.length === 0) throw new UsageError('--entities is empty', { hint: 'e.g. --entities srcaddr,dstaddr,dstport' });
  const columns = names.map((name) => {
    const field = findField(name);
    if (!field) throw new UsageError(`--entities: "${name}" is not a flow-log field`, { hint: 'e.g. srcaddr, dstaddr, dstport, interface-id, action (see `flowlens fields`)' });
    return toColumnName(field.name);
  });
  const repeated = columns.find((c, i) => columns.indexOf(c) !== i);
  if (repeated) throw new UsageError(`--entities names ${repeated} twice`);
  return columns;
}

/** SQL of the notebook's summary: one row per key combination with min/max of start and end, min/max/sum/count of packets and bytes. */
export function hypergraphEventsSql(keys: readonly string[], scope: Pick<GraphScope, 'where' | 'protocols' | 'ports'> & EnrichmentFilters): string {
  const quoted = keys.map(quoteIdentifier);
  const aggregates = AGGREGATES.flatMap(([column, functions]) => functions.map((fn) => `${fn}(${quoteIdentifier(column)}) AS ${quoteIdentifier(`${column}_${fn}`)}`));
  return `SELECT ${[...quoted, ...aggregates].join(', ')} FROM flows WHERE ${flowCondition(scope)} GROUP BY ${quoted.join(', ')} ORDER BY ${quoted.map((q) => `${q} NULLS LAST`).join(', ')}`;
}

/** Builds the notebook's hypergraph from the store: the summary as events, then pygraphistry's tables. */
export async function buildHypergraph(store: Store, options: HypergraphOptions = {}): Promise<Hypergraph> {
  const entityTypes = [...(options.entities ?? DEFAULT_HYPERGRAPH_ENTITIES)];
  const keys = [...HYPERGRAPH_EVENT_KEYS, ...entityTypes.filter((e) => !(HYPERGRAPH_EVENT_KEYS as readonly string[]).includes(e))];
  await ensureFilterEnrichment(store, options);
  const result = await store.query(hypergraphEventsSql(keys, options));
  const rows = result.rows.map((row) => {
    const out: HypergraphRow = {};
    for (const column of result.columns) out[column] = plain(row[column], column, options.pseudonymizer);
    return out;
  });
  return hypergraphFromEvents({ columns: result.columns, rows }, entityTypes, options.direct ?? true);
}

/** pygraphistry's `hypergraph(events, entity_types, direct)` over an events table (pandas engine, drop_na=True). */
export function hypergraphFromEvents(input: HypergraphTable, entityTypes: readonly string[], direct: boolean): Hypergraph {
  const eventColumns = [...input.columns, 'EventID'];
  const events = input.rows.map((row, i): HypergraphRow => ({ ...row, EventID: `EventID::${i}` }));
  const entityColumns = [...(direct ? entityTypes : eventColumns), 'nodeTitle', ...(direct ? ['EventID'] : []), 'type', 'category', 'nodeID'];
  const entities = new Map<string, HypergraphRow>();
  for (const column of entityTypes) {
    for (const event of events) {
      const value = event[column];
      if (value === null || value === undefined) continue;
      const nodeID = `${column}::${String(value)}`;
      if (!entities.has(nodeID)) entities.set(nodeID, { ...blank(entityColumns), [column]: value, nodeTitle: String(value), type: column, category: column, nodeID });
    }
  }
  const edgeColumns = [...eventColumns, ...(direct ? ['edgeType', 'src', 'dst'] : ['edgeType', 'attribID'])];
  const edgeRows = direct ? () => directEdges(events, entityTypes) : () => eventEdges(events, entityTypes);
  const present = (event: HypergraphRow, column: string): boolean => event[column] !== null && event[column] !== undefined;
  const pairs = direct ? entityTypes.flatMap((a, i) => entityTypes.slice(i + 1).map((b) => [a, b])) : entityTypes.map((a) => [a]);
  const edgeCount = pairs.reduce((sum, pair) => sum + events.filter((event) => pair.every((column) => present(event, column))).length, 0);
  const entityRows = [...entities.values()];
  const eventNodes = direct ? [] : events.map((event): HypergraphRow => ({ ...event, nodeTitle: String(event.EventID), type: 'EventID', category: 'event', nodeID: String(event.EventID) }));
  return {
    direct,
    entityTypes: [...entityTypes],
    events: { columns: eventColumns, rows: events },
    entities: { columns: entityColumns, rows: entityRows },
    edges: lazyTable(edgeColumns, edgeRows),
    edgeRows,
    edgeCount,
    nodes: { columns: direct ? entityColumns : [...new Set([...entityColumns, ...eventColumns])], rows: [...entityRows, ...eventNodes] },
    source: direct ? 'src' : 'attribID',
    destination: direct ? 'dst' : 'EventID',
  };
}

/** A table as CSV (header row; null as an empty cell, as pandas writes NaN). */
export function renderHypergraphCsv(table: HypergraphTable): string {
  return `${[table.columns.join(','), ...table.rows.map((row) => renderCsvRow(table.columns, row))].join('\n')}\n`;
}

/** One CSV line (without the line break) of a row, cells in `columns` order. */
export function renderCsvRow(columns: readonly string[], row: HypergraphRow): string {
  return columns.map((c) => csvCell(row[c])).join(',');
}

function csvCell(value: unknown): string {
  const text = value === undefined || value === null ? '' : String(value);
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

// direct_edgelist_shape: each entity type to every type after it; pairs visited in sorted order, then events.
function* directEdges(events: readonly HypergraphRow[], entityTypes: readonly string[]): Generator<HypergraphRow> {
  const shape = new Map(entityTypes.map((type, i) => [type, entityTypes.slice(i + 1)]));
  for (const first of [...shape.keys()].sort()) {
    for (const second of [...(shape.get(first) ?? [])].sort()) {
      for (const event of events) {
        const a = event[first];
        const b = event[second];
        if (a === null || a === undefined || b === null || b === undefined) continue;
        yield { ...event, edgeType: `${first}::${second}`, src: `${first}::${String(a)}`, dst: `${second}::${String(b)}` };
      }
    }
  }
}

// format_hyperedges: one edge per (sorted) entity column and event, from the value's node to the event's.
function* eventEdges(events: readonly HypergraphRow[], entityTypes: readonly string[]): Generator<HypergraphRow> {
  for (const column of [...entityTypes].sort()) {
    for (const event of events) {
      const value = event[column];
      if (value === null || value === undefined) continue;
      yield { ...event, edgeType: column, attribID: `${column}::${String(value)}` };
    }
  }
}

function lazyTable(columns: string[], rows: () => Iterable<HypergraphRow>): HypergraphTable {
  let built: HypergraphRow[] | undefined;
  return {
    columns,
    get rows(): HypergraphRow[] {
      return (built ??= [...rows()]);
    },
  };
}

function blank(columns: readonly string[]): HypergraphRow {
  return Object.fromEntries(columns.map((c) => [c, null]));
}

// DuckDB returns BIGINT sums as bigint; the tables hold plain numbers and strings. Pseudonymized like the graph:
// addresses prefix-preserved, interface and instance ids as keyed tokens.
function plain(value: unknown, column: string, pseudonymizer: Pseudonymizer | undefined): string | number | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'number') return value;
  const text = String(value);
  if (pseudonymizer && ADDRESS_COLUMNS.has(column)) return pseudonymizer.address(text);
  if (pseudonymizer && TOKEN_COLUMNS.has(column)) return pseudonymizer.token(text);
  return text;
}
