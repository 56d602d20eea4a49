import { addressInfoSql } from '../enrich/index.js';
import type { EnrichmentKind } from '../enrich/index.js';
import { QueryError } from '../records/index.js';
import { rollupSource } from './sql-reports.js';
import type { ReportDefinition } from './types.js';

/**
 * A report grouping traffic by what the public end of each record is (ASN, country, AWS service): per address and side
 * first (from the address-pair rollup when it answers), then each distinct address looked up once in the store's
 * range tables. A record counts on each of its public ends; private addresses have no such end.
 */
function publicEndReport(name: string, description: string, kind: EnrichmentKind, keys: readonly string[]): ReportDefinition {
  return {
    name,
    description,
    defaultLimit: 50,
    params: [],
    enrichment: [kind],
    build(ctx) {
      if (ctx.dialect.name !== 'duckdb') throw new QueryError('engine', `report ${name} runs on the flowlens store only (its address tables live there)`, { hint: 'run it without --engine' });
      const rollup = rollupSource(ctx, 'pairs');
      const source = rollup?.table ?? ctx.dialect.quoteIdentifier(ctx.table);
      const where = rollup ? rollup.where : ctx.where;
      const flows = rollup ? 'sum(flows)' : 'count(*)';
      const side = (s: 'src' | 'dst'): string =>
        `SELECT ${s}addr AS addr, ${s}_ip AS ip, '${s}' AS side, sum(bytes) AS bytes, sum(packets) AS packets, ${flows} AS flows
  FROM ${source} WHERE ${s}_ip IS NOT NULL${where.trim() === 'TRUE' ? '' : ` AND (${where})`} GROUP BY 1, 2`;
      const info = addressInfoSql('SELECT DISTINCT addr, ip FROM per_address', new Set([kind]));
      const groups = keys.map((k) => `i.${k}`).join(', ');
      return `WITH per_address AS (
  ${side('src')}
  UNION ALL
  ${side('dst')}
), info AS (${info})
SELECT ${groups}, sum(CASE WHEN p.side = 'src' THEN p.bytes END)::BIGINT AS bytes_from, sum(CASE WHEN p.side = 'dst' THEN p.bytes END)::BIGINT AS bytes_to,
  sum(p.bytes)::BIGINT AS totalbytes, sum(p.packets)::BIGINT AS totalpackets, sum(p.flows)::BIGINT AS flows, count(DISTINCT p.addr) AS addresses
FROM per_address p JOIN info i ON i.addr = p.addr
WHERE i.${keys[0]} IS NOT NULL
GROUP BY ${groups}
ORDER BY totalbytes DESC, ${groups}
${ctx.dialect.limit(ctx.limit ?? 50)}`;
    },
  };
}

/** Traffic per autonomous system of the public end (packaged ASN database or --geo-db). */
export const topAsns = publicEndReport('top-asns', 'traffic per autonomous system (ASN) of the public end: bytes from and to it, flows, addresses', 'asn', ['asn', 'as_name']);

/** Traffic per country of the public end. */
export const topCountries = publicEndReport('top-countries', 'traffic per country of the public end: bytes from and to it, flows, addresses', 'country', ['country']);

/** Traffic per AWS service and region of the public end (needs `flowlens enrich --aws-ranges`). */
export const awsServices = publicEndReport('aws-services', 'traffic per AWS service and region of the public end (flowlens enrich --aws-ranges)', 'aws', ['aws_service', 'aws_region']);

