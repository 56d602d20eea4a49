import { isPrivateNumberSql, quoteIdentifier, sqlLiteral } from '../sql/index.js';
import { ENRICHMENT_COLUMNS } from './columns.js';
import type { EnrichmentColumn, EnrichmentKind } from './columns.js';

/** The view with every flows column plus the enrichment columns, for user SQL. */
export const ENRICHED_VIEW = 'flows_enriched';

/** The range table of each kind: disjoint ranges, repeated once per bucket they touch (see bucketSql). */
export const RANGE_TABLES: Readonly<Record<EnrichmentKind, string>> = { asn: 'enrich_asn', country: 'enrich_country', aws: 'enrich_aws' };

/** Which database filled each range table, when, and how many ranges. */
export const SOURCES_TABLE = 'enrich_sources';

const MAPPED_END = 1n << 48n;

/**
 * The hash bucket of a 128-bit address: its /16 inside the IPv4-mapped space (and below it), its /24 above (IPv6).
 * A range table row carries each bucket its range touches, so a lookup is an equality join plus a BETWEEN test —
 * a hash join on the few distinct addresses, where an ASOF join would sort the whole range table on every query.
 */
export function bucketSql(expr: string): string {
  return `(CASE WHEN ${expr} < ${sqlLiteral(MAPPED_END)}::UHUGEINT THEN (${expr} >> 16)::BIGINT ELSE ((${expr} >> 104) + 4294967296::UHUGEINT)::BIGINT END)`;
}

/** SQL statements creating the range tables and the sources ledger when missing. */
export function enrichmentSchemaStatements(): string[] {
  const range = 'bucket BIGINT, start_ip UHUGEINT, end_ip UHUGEINT';
  return [
    `CREATE TABLE IF NOT EXISTS ${RANGE_TABLES.asn} (${range}, asn UINTEGER, as_name VARCHAR)`,
    `CREATE TABLE IF NOT EXISTS ${RANGE_TABLES.country} (${range}, country VARCHAR)`,
    `CREATE TABLE IF NOT EXISTS ${RANGE_TABLES.aws} (${range}, aws_service VARCHAR, aws_region VARCHAR)`,
    `CREATE TABLE IF NOT EXISTS ${SOURCES_TABLE} (kind VARCHAR PRIMARY KEY, source VARCHAR NOT NULL, version VARCHAR, ranges BIGINT NOT NULL, loaded_at TIMESTAMP NOT NULL)`,
  ];
}

/** Where the distinct addresses come from: a table with srcaddr/src_ip/dstaddr/dst_ip (flows or an address-pair rollup). */
export interface AddressSource {
  table: string;
  where?: string | undefined;
}

/** SQL of the distinct addresses (`addr` text as flows has it, `ip` its number) of a source's sides. */
export function distinctAddressesSql(source: AddressSource, sides: ReadonlySet<'src' | 'dst'> = new Set(['src', 'dst'])): string {
  const table = quoteIdentifier(source.table);
  const where = source.where ? ` AND (${source.where})` : '';
  const parts = [...sides].map((side) => `SELECT ${side}addr AS addr, ${side}_ip AS ip FROM ${table} WHERE ${side}_ip IS NOT NULL${where}`);
  return `SELECT DISTINCT addr, ip FROM (${parts.join(' UNION ALL ')})`;
}

/**
 * SQL of one row per address of a relation with columns `addr` and `ip` (UHUGEINT), with the values of the kinds
 * asked. Private addresses (PRIVATE_CIDRS) are left out, so a join on them finds nothing (NULL).
 */
export function addressInfoSql(addresses: string, kinds: ReadonlySet<EnrichmentKind>): string {
  const joins: string[] = [];
  const values: string[] = [];
  for (const kind of (['asn', 'country', 'aws'] as const).filter((k) => kinds.has(k))) {
    const alias = `e_${kind}`;
    joins.push(`LEFT JOIN ${RANGE_TABLES[kind]} ${alias} ON ${alias}.bucket = ${bucketSql('x.ip')} AND x.ip BETWEEN ${alias}.start_ip AND ${alias}.end_ip`);
    const columns = kind === 'asn' ? ['asn', 'as_name'] : kind === 'country' ? ['country'] : ['aws_service', 'aws_region'];
    for (const column of columns) values.push(`${alias}.${column}`);
  }
  return `SELECT x.addr, ${values.join(', ')}
FROM (${addresses}) x
${joins.join('\n')}
WHERE NOT ${isPrivateNumberSql('x.ip')}`;
}

/**
 * SQL of the flows relation with enrichment columns added (all of them by default): every flows column, then each
 * asked column, joined by address text to the distinct addresses' values (addressInfoSql) — enriched at query time.
 */
export function enrichedFlowsSql(options: { table?: string; columns?: readonly EnrichmentColumn[]; addresses?: AddressSource } = {}): string {
  const table = options.table ?? 'flows';
  const columns = options.columns ?? ENRICHMENT_COLUMNS;
  const kinds = new Set(columns.map((c) => c.kind));
  const sides = new Set(columns.map((c) => c.side));
  const info = addressInfoSql(distinctAddressesSql(options.addresses ?? { table }, sides), kinds);
  const select = columns.map((c) => `${c.side}_info.${c.source} AS ${quoteIdentifier(c.name)}`).join(', ');
  const joins = [...sides].map((side) => `LEFT JOIN flowlens_address_info ${side}_info ON ${side}_info.addr = f.${side}addr`).join('\n');
  return `WITH flowlens_address_info AS (${info})
SELECT f.*, ${select}
FROM ${quoteIdentifier(table)} f
${joins}`;
}

/** The statement (re)creating the flows_enriched view over `flows`. */
export function enrichedViewSql(): string {
  return `CREATE OR REPLACE VIEW ${ENRICHED_VIEW} AS ${enrichedFlowsSql()}`;
}
