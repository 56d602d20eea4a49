import { cidrRange } from '../records/index.js';
import { quoteIdentifier, sqlLiteral } from '../store/sql-text.js';
import { rollupCondition, rollupTablesFor } from '../store/rollups.js';
import type { FlowRollups } from '../store/rollups.js';
import { addressRangeSql, IPV4_MAPPED_BASE, IPV4_MAPPED_END, isPrivateNumberSql } from '../sql/addresses.js';
import { addressInfoSql } from '../enrich/index.js';
import type { NameTable } from './names.js';
import { nodeModeEnrichment } from './node-mode.js';
import { enrichmentFilterConditions } from './enrichment-filter.js';
import type { EnrichmentFilters } from './enrichment-filter.js';
import type { EdgeWeight, NodeMode, PublicMode } from './types.js';

/** What selects and keys the flows of a graph: record condition, node mode, names, public grouping, protocols, ports, enrichment filters. */
export interface GraphScope extends EnrichmentFilters {
  /** SQL condition on the flows table (e.g. from selectionToSql); TRUE when absent. */
  where?: string | undefined;
  node?: NodeMode | undefined;
  names?: NameTable | undefined;
  publicMode?: PublicMode | undefined;
  /** Keep only these IANA protocol numbers (6 TCP, 17 UDP, 1 ICMP). */
  protocols?: readonly number[] | undefined;
  /** Keep only flows with one of these ports as source or destination port. */
  ports?: readonly number[] | undefined;
  /** The store's up-to-date rollup tables (readRollups): edges come from them when the scope allows (see rollupScope). */
  rollups?: FlowRollups | undefined;
}

/** Thresholds applied to aggregated edges. */
export interface EdgeLimits {
  minFlows?: number | undefined;
  minWeight?: number | undefined;
  top?: number | undefined;
  weight?: EdgeWeight | undefined;
}

// Private ranges as isPrivateAddress (src/records) defines them: RFC 1918, loopback, link-local, CGNAT, IPv6 ULA/link-local/loopback.

/**
 * The WITH clause shared by graph, details and search queries: `graph_keyed` has `source`/`target` node ids and
 * `source_kind`/`target_kind`. Raw (default): one row per selected flow with the flow's columns. Aggregated: one row per
 * (addresses, protocol, destination port) with flows, bytes, packets, accepted, rejected, first_seen, last_seen, so node
 * keys and name joins run on far fewer rows than there are flows. Rollup: the aggregated rows from the pair rollup, of the
 * pairs `rollupWhere` (a condition on src_ip/dst_ip, when given) selects.
 */
export function keyedFlowsSql(scope: GraphScope, shape: 'raw' | 'aggregated' | 'rollup' = 'raw', rollupWhere?: string): string {
  const mode = scope.node ?? { kind: 'ip' };
  const names = scope.names;
  const srcport = mode.kind === 'ip-port' ? 'srcport' : 'NULL::INTEGER AS srcport';
  const rollup = shape === 'rollup' ? rollupScope(scope) : undefined;
  const ctes: (string | undefined)[] = [
    rollup
      ? `graph_sel AS (SELECT src_ip, dst_ip, any_value(srcaddr) AS srcaddr, any_value(dstaddr) AS dstaddr, NULL::INTEGER AS srcport, NULL::INTEGER AS dstport, protocol,
  sum(flows)::BIGINT AS flows, coalesce(sum(bytes), 0) AS bytes, coalesce(sum(packets), 0) AS packets,
  coalesce(sum(flows) FILTER (WHERE action = 'ACCEPT'), 0)::BIGINT AS accepted, coalesce(sum(flows) FILTER (WHERE action = 'REJECT'), 0)::BIGINT AS rejected,
  min(first_start) AS first_seen, max(last_end) AS last_seen
  FROM ${rollup.pairs} WHERE ${rollup.condition}${rollupWhere === undefined ? '' : ` AND (${rollupWhere})`} GROUP BY src_ip, dst_ip, protocol)`
      : `graph_raw AS (SELECT interface_id, srcaddr, dstaddr, src_ip, dst_ip, srcport, dstport, protocol, packets, bytes, action, "start", "end"
  FROM flows WHERE ${flowCondition(scope)})`,
    shape === 'raw'
      ? 'graph_sel AS (SELECT * FROM graph_raw)'
      : rollup
        ? undefined
        : `graph_sel AS (SELECT src_ip, dst_ip, any_value(srcaddr) AS srcaddr, any_value(dstaddr) AS dstaddr, ${srcport}, dstport, protocol,
  count(*) AS flows, coalesce(sum(bytes), 0) AS bytes, coalesce(sum(packets), 0) AS packets,
  count(*) FILTER (WHERE action = 'ACCEPT') AS accepted, count(*) FILTER (WHERE action = 'REJECT') AS rejected,
  min("start") AS first_seen, max("end") AS last_seen
  FROM graph_raw GROUP BY src_ip, dst_ip, ${mode.kind === 'ip-port' ? 'srcport, ' : ''}dstport, protocol)`,
    `graph_names(low, high, rank, name) AS (${namesValues(names)})`,
    `graph_addr AS (SELECT DISTINCT ip FROM (SELECT src_ip AS ip FROM graph_sel UNION ALL SELECT dst_ip FROM graph_sel))`,
    `graph_named AS (SELECT a.ip, arg_max(n.name, n.rank) AS name FROM graph_addr a JOIN graph_names n ON a.ip BETWEEN n.low AND n.high GROUP BY a.ip)`,
  ];
  const joins = ['LEFT JOIN graph_named ns ON s.src_ip = ns.ip', 'LEFT JOIN graph_named nd ON s.dst_ip = nd.ip'];
  const enrichment = nodeModeEnrichment(mode);
  if (enrichment) {
    // Each distinct address looked up once in the store's range tables (private ones find nothing).
    ctes.push(`graph_info AS (${addressInfoSql('SELECT ip AS addr, ip FROM graph_addr', new Set([enrichment]))})`);
    joins.push('LEFT JOIN graph_info gs ON s.src_ip = gs.addr', 'LEFT JOIN graph_info gd ON s.dst_ip = gd.addr');
  }
  if (mode.kind === 'eni') {
    ctes.push(...eniCtes(names));
    joins.push('LEFT JOIN graph_eni es ON s.src_ip = es.ip', 'LEFT JOIN graph_eni ed ON s.dst_ip = ed.ip');
  }
  const src = sideKey('src', 'ns', 'es', mode, scope.publicMode ?? 'keep');
  const dst = sideKey('dst', 'nd', 'ed', mode, scope.publicMode ?? 'keep');
  ctes.push(`graph_keyed AS (SELECT ${src.key} AS source, ${src.kind} AS source_kind, ${dst.key} AS target, ${dst.kind} AS target_kind, s.*
  FROM graph_sel s ${joins.join(' ')})`);
  return `WITH ${ctes.filter((c) => c !== undefined).join(',\n')}`;
}

/**
 * The rollup tables and condition a graph scope can read: when rollups are given, the selection is on whole hours,
 * no port filter applies and nodes need no source port or interface (ip, subnet and name modes). Whole-store tables
 * when the selection has no time window and the store has them (rollupTablesFor).
 */
export function rollupScope(scope: GraphScope): { pairs: string; ports: string; condition: string } | undefined {
  const mode = scope.node ?? { kind: 'ip' };
  if (!scope.rollups || scope.ports?.length || mode.kind === 'ip-port' || mode.kind === 'eni') return undefined;
  const selection = rollupCondition(scope.where);
  if (selection === undefined) return undefined;
  const parts = [`(${selection})`, 'src_ip IS NOT NULL', 'dst_ip IS NOT NULL', "log_status IS DISTINCT FROM 'NODATA'", "log_status IS DISTINCT FROM 'SKIPDATA'"];
  if (scope.protocols?.length) parts.push(`protocol IN (${scope.protocols.map(sqlLiteral).join(', ')})`);
  const tables = rollupTablesFor(scope.rollups, selection);
  parts.push(...enrichmentFilterConditions(scope, quoteIdentifier(tables.pairs)));
  return { pairs: quoteIdentifier(tables.pairs), ports: quoteIdentifier(tables.ports), condition: parts.join(' AND ') };
}

/** Options of graphEdgesSql: thresholds, and whether to list each kept edge's top ports and protocols (costs a second pass). */
export interface EdgeSqlOptions extends EdgeLimits {
  withPorts?: boolean | undefined;
}

/** SQL of the graph's edge table: one row per (source, target) with flows, bytes, packets, ports, times, accepted/rejected. */
export function graphEdgesSql(scope: GraphScope, limits: EdgeSqlOptions = {}): string {
  const weight = limits.weight ?? 'flows';
  const conditions = ['TRUE'];
  if (limits.minFlows !== undefined) conditions.push(`flows >= ${sqlLiteral(limits.minFlows)}`);
  if (limits.minWeight !== undefined) conditions.push(`${quoteIdentifier(weight)} >= ${sqlLiteral(limits.minWeight)}`);
  const order = `${quoteIdentifier(weight)} DESC, flows DESC, source, target`;
  const withPorts = limits.withPorts !== false;
  const rollup = rollupScope(scope);
  if (rollup) return rollupEdgesSql(scope, limits, rollup, conditions, order, withPorts);
  const sums = `sum(flows)::BIGINT AS flows, sum(bytes)::BIGINT AS bytes, sum(packets)::BIGINT AS packets,
  sum(accepted)::BIGINT AS accepted, sum(rejected)::BIGINT AS rejected, count(DISTINCT dstport) AS port_count,
  min(first_seen) AS first_seen, max(last_seen) AS last_seen`;
  // Without port lists the edges come straight from the keyed rows: one aggregation less.
  const edges = withPorts
    ? `graph_ports AS (SELECT source, any_value(source_kind) AS source_kind, target, any_value(target_kind) AS target_kind, protocol, dstport,
  sum(flows) AS flows, sum(bytes) AS bytes, sum(packets) AS packets, sum(accepted) AS accepted, sum(rejected) AS rejected,
  min(first_seen) AS first_seen, max(last_seen) AS last_seen
  FROM graph_keyed GROUP BY source, target, protocol, dstport),
graph_edges AS (SELECT source, any_value(source_kind) AS source_kind, target, any_value(target_kind) AS target_kind, ${sums}
  FROM graph_ports GROUP BY source, target),`
    : `graph_edges AS (SELECT source, any_value(source_kind) AS source_kind, target, any_value(target_kind) AS target_kind, ${sums}
  FROM graph_keyed GROUP BY source, target),`;
  return `${keyedFlowsSql(scope, 'aggregated')},
${edges}
graph_kept AS (SELECT *, count(*) OVER () AS total_edges, sum(flows) OVER ()::BIGINT AS total_records FROM graph_edges
  QUALIFY ${conditions.join(' AND ')} ORDER BY ${order}${limits.top === undefined ? '' : ` LIMIT ${Math.trunc(limits.top)}`})
${withPorts
    ? // max_by keeps each edge's 20 best ports in a heap and the protocols are listed from one row per (edge, protocol):
      // list(… ORDER BY …) and list(DISTINCT …) buffer every port row of every edge in memory, which cannot spill.
      // Same order as the rollup SQL: flows desc, then port asc, nulls last.
      `SELECT k.*, p.ports, r.protocols FROM graph_kept k LEFT JOIN (
  SELECT source, target, max_by(dstport, (flows::BIGINT << 17) + CASE WHEN dstport IS NULL THEN 0 ELSE 65536 - dstport END, 20) AS ports
  FROM graph_ports SEMI JOIN graph_kept USING (source, target) GROUP BY source, target) p USING (source, target) LEFT JOIN (
  SELECT source, target, list_sort(list(protocol)) AS protocols FROM (SELECT DISTINCT source, target, protocol FROM graph_ports
  SEMI JOIN graph_kept USING (source, target) WHERE protocol IS NOT NULL) GROUP BY source, target) r USING (source, target)`
    : 'SELECT * FROM graph_kept'}
ORDER BY ${order}`;
}

/**
 * Edges from the rollups: totals from the address-pair rollup (far fewer rows than flows), then port counts and
 * lists only for the kept edges, from the per-port rollup rows of their address pairs.
 */
function rollupEdgesSql(scope: GraphScope, limits: EdgeLimits, rollup: NonNullable<ReturnType<typeof rollupScope>>, conditions: string[], order: string, withPorts: boolean): string {
  const lists = withPorts
    ? // max_by keeps the 20 best per edge in a heap, where list(… ORDER BY …) sorts every port row: flows desc, then
      // port asc, nulls last, as the flows-table SQL orders them (a port is below 65536, so 17 bits order it). A BIGINT
      // key compares faster than a HUGEINT one; 2^46 flows on one port would fail with an overflow, not misorder.
      `, max_by(dstport, (flows::BIGINT << 17) + CASE WHEN dstport IS NULL THEN 0 ELSE 65536 - dstport END, 20) AS ports,
  list(DISTINCT protocol ORDER BY protocol) FILTER (WHERE protocol IS NOT NULL) AS protocols`
    : '';
  // The distinct ports of each edge as their own rows, then counted: two plain hash aggregations, whatever the number
  // of edges (a 65,536-bit set per edge costs 8 KB each: 800 MB for 100,000 edges).
  // Port rows are grouped by a small edge number rather than the (source, target) text: half the grouping time.
  return `${keyedFlowsSql(scope, 'rollup')},
graph_edges AS (SELECT source, any_value(source_kind) AS source_kind, target, any_value(target_kind) AS target_kind, sum(flows)::BIGINT AS flows,
  sum(bytes)::BIGINT AS bytes, sum(packets)::BIGINT AS packets, sum(accepted)::BIGINT AS accepted, sum(rejected)::BIGINT AS rejected,
  min(first_seen) AS first_seen, max(last_seen) AS last_seen
  FROM graph_keyed GROUP BY source, target),
graph_kept AS (SELECT *, count(*) OVER () AS total_edges, sum(flows) OVER ()::BIGINT AS total_records, row_number() OVER () AS graph_edge FROM graph_edges
  QUALIFY ${conditions.join(' AND ')} ORDER BY ${order}${limits.top === undefined ? '' : ` LIMIT ${Math.trunc(limits.top)}`}),
graph_kept_pairs AS (SELECT DISTINCT k.graph_edge, s.src_ip, s.dst_ip FROM graph_keyed s JOIN graph_kept k USING (source, target)),
graph_ports AS (SELECT p.graph_edge, r.protocol, r.dstport, sum(r.flows) AS flows
  FROM ${rollup.ports} r JOIN graph_kept_pairs p USING (src_ip, dst_ip) WHERE ${rollup.condition}
  GROUP BY p.graph_edge, r.protocol, r.dstport)
SELECT k.* EXCLUDE (graph_edge), coalesce(c.port_count, 0) AS port_count${withPorts ? ', d.ports, d.protocols' : ''} FROM graph_kept k
LEFT JOIN (SELECT graph_edge, count(dstport) AS port_count FROM (SELECT DISTINCT graph_edge, dstport FROM graph_ports) GROUP BY graph_edge) c USING (graph_edge)
${withPorts ? `LEFT JOIN (SELECT graph_edge${lists} FROM graph_ports GROUP BY graph_edge) d USING (graph_edge)` : ''}
ORDER BY ${order}`;
}

/**
 * The flow condition: the scope's WHERE, data records only (no NODATA/SKIPDATA), known addresses (unless
 * `addresses` is false: reading the two 128-bit address columns costs most of a scan that needs no address), protocols,
 * ports, AS/country/service.
 */
export function flowCondition(scope: GraphScope, options: { addresses?: boolean } = {}): string {
  const parts = [`(${scope.where ?? 'TRUE'})`, ...(options.addresses === false ? [] : ['src_ip IS NOT NULL', 'dst_ip IS NOT NULL']),
    "log_status IS DISTINCT FROM 'NODATA'", "log_status IS DISTINCT FROM 'SKIPDATA'"];
  if (scope.protocols?.length) parts.push(`protocol IN (${scope.protocols.map(sqlLiteral).join(', ')})`);
  if (scope.ports?.length) {
    const list = scope.ports.map(sqlLiteral).join(', ');
    parts.push(`(srcport IN (${list}) OR dstport IN (${list}))`);
  }
  // Up-to-date rollups hold every address of the flows table in far fewer rows: the filters' lookups read them.
  const addresses = scope.rollups ? quoteIdentifier((scope.rollups.wholeStore ?? scope.rollups).pairs) : 'flows';
  parts.push(...enrichmentFilterConditions(scope, addresses));
  return parts.join(' AND ');
}

/** SQL condition: the 128-bit address expression is in a private range. */
export function isPrivateSql(ip: string): string {
  return isPrivateNumberSql(ip);
}

function sideKey(side: 'src' | 'dst', named: string, eni: string, mode: NodeMode, publicMode: PublicMode): { key: string; kind: string } {
  const ip = `s.${side}_ip`;
  const branches: [string, string, string][] = [[`${named}.name IS NOT NULL`, `${named}.name`, `'name'`]];
  if (mode.kind === 'eni') branches.push([`${eni}.eni IS NOT NULL`, `coalesce(${eni}.name, ${eni}.eni)`, `CASE WHEN ${eni}.name IS NULL THEN 'eni' ELSE 'name' END`]);
  // A public address the range tables know becomes its AS, country or service node, also when public ends are grouped.
  const enriched = enrichedBranch(mode, side === 'src' ? 'gs' : 'gd');
  if (enriched) branches.push(enriched);
  const publicGrouped = publicMode === 'group';
  if (publicGrouped) branches.push([`NOT ${isPrivateSql(ip)}`, `'internet'`, `'internet'`]);
  const [value, kind] = modeValue(side, mode);
  if (mode.kind === 'name') branches.push([isPrivateSql(ip), `'unnamed'`, `'unnamed'`]);
  const key = `CASE ${branches.map(([when, then]) => `WHEN ${when} THEN ${then}`).join(' ')} ELSE ${value} END`;
  const kindSql = `CASE ${branches.map(([when, , k]) => `WHEN ${when} THEN ${k}`).join(' ')} ELSE ${kind} END`;
  return { key, kind: kindSql };
}

function enrichedBranch(mode: NodeMode, info: string): [string, string, string] | undefined {
  switch (mode.kind) {
    case 'asn':
      return [`${info}.asn IS NOT NULL`, `concat_ws(' ', 'AS' || ${info}.asn, nullif(${info}.as_name, ''))`, `'asn'`];
    case 'country':
      return [`${info}.country IS NOT NULL`, `${info}.country`, `'country'`];
    case 'service':
      return [`${info}.aws_service IS NOT NULL`, `concat_ws(' ', ${info}.aws_service, ${info}.aws_region)`, `'service'`];
    default:
      return undefined;
  }
}

function modeValue(side: 'src' | 'dst', mode: NodeMode): [string, string] {
  const addr = `s.${side}addr`;
  const ip = `s.${side}_ip`;
  const port = `s.${side}port`;
  switch (mode.kind) {
    case 'ip-port':
      return [`CASE WHEN ${port} IS NULL THEN ${addr} WHEN contains(${addr}, ':') THEN '[' || ${addr} || ']:' || ${port} ELSE ${addr} || ':' || ${port} END`,
        `CASE WHEN ${port} IS NULL THEN 'address' ELSE 'endpoint' END`];
    case 'subnet':
      return [`CASE WHEN ${addressRangeSql(ip, IPV4_MAPPED_BASE, IPV4_MAPPED_END)} THEN ${v4Network(ip, mode.prefix)} ELSE ${v6Network(ip, mode.prefix6)} END`, `'subnet'`];
    default:
      return [addr, `'address'`];
  }
}

function v4Network(ip: string, prefix: number): string {
  const host = 32 - prefix;
  const net = `((((${ip} - ${IPV4_MAPPED_BASE}::UHUGEINT)::UBIGINT >> ${host}) << ${host}))`;
  return `concat_ws('.', (${net} >> 24) & 255, (${net} >> 16) & 255, (${net} >> 8) & 255, ${net} & 255) || '/${prefix}'`;
}

function v6Network(ip: string, prefix: number): string {
  const host = 128 - prefix;
  const net = host === 128 ? '0::UHUGEINT' : `((${ip} >> ${host}) << ${host})`;
  const groups = prefix <= 64 ? 4 : 8;
  const parts = Array.from({ length: groups }, (_, i) => `format('{:x}', ((${net} >> ${112 - 16 * i}) & 65535::UHUGEINT))`);
  return `concat_ws(':', ${parts.join(', ')})${groups === 4 ? " || '::'" : ''} || '/${prefix}'`;
}

function namesValues(names: NameTable | undefined): string {
  const entries = names?.entries ?? [];
  if (entries.length === 0) return 'SELECT NULL::UHUGEINT, NULL::UHUGEINT, NULL::BIGINT, NULL::VARCHAR WHERE FALSE';
  // rank orders longest prefix first, then later entries (a later file overrides an earlier one).
  return `VALUES ${entries.map((e, i) => `(${e.low}::UHUGEINT, ${e.high}::UHUGEINT, ${e.prefix * 1_000_000 + i}::BIGINT, ${sqlLiteral(e.name)})`).join(', ')}`;
}

function eniCtes(names: NameTable | undefined): string[] {
  const known = [...(names?.eniAddresses ?? new Map<string, string>())].flatMap(([address, eni]) => {
    const { low } = cidrRange(address);
    return [`(${low}::UHUGEINT, ${sqlLiteral(eni)})`];
  });
  const eniNames = [...(names?.enis ?? new Map<string, string>())].map(([eni, name]) => `(${sqlLiteral(eni)}, ${sqlLiteral(name)})`);
  return [
    `graph_eni_known(ip, eni) AS (${known.length ? `VALUES ${known.join(', ')}` : 'SELECT NULL::UHUGEINT, NULL::VARCHAR WHERE FALSE'})`,
    `graph_eni_names(eni, name) AS (${eniNames.length ? `VALUES ${eniNames.join(', ')}` : 'SELECT NULL::VARCHAR, NULL::VARCHAR WHERE FALSE'})`,
    // Without AWS enrichment, an ENI's own address is the one in most of the records it captured (private first).
    `graph_eni_counts AS (SELECT eni, ip, count(*) AS n FROM (SELECT interface_id AS eni, src_ip AS ip FROM graph_raw UNION ALL SELECT interface_id, dst_ip FROM graph_raw)
  WHERE eni IS NOT NULL AND eni <> '-' GROUP BY ALL)`,
    `graph_eni_own AS (SELECT eni, arg_max(ip, n * 2 + CASE WHEN ${isPrivateSql('ip')} THEN 1 ELSE 0 END) AS ip, max(n) AS n FROM graph_eni_counts GROUP BY eni)`,
    `graph_eni AS (SELECT m.ip, m.eni, en.name FROM (SELECT ip, arg_max(eni, n) AS eni FROM (
    SELECT ip, eni, n FROM graph_eni_own UNION ALL SELECT ip, eni, 9223372036854775807 FROM graph_eni_known) GROUP BY ip) m
  LEFT JOIN graph_eni_names en ON m.eni = en.eni)`,
  ];
}
