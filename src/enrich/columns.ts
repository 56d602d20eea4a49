/** The kinds of enrichment: ASN and AS name, country, AWS service and region. */
export type EnrichmentKind = 'asn' | 'country' | 'aws';

/** An enrichment column: its name on `flows_enriched`, the address side and kind, its DuckDB type and meaning. */
export interface EnrichmentColumn {
  name: string;
  /** The Logs Insights field name (camelCase). */
  insightsName: string;
  side: 'src' | 'dst';
  kind: EnrichmentKind;
  /** The column of the kind's range table it comes from. */
  source: 'asn' | 'as_name' | 'country' | 'aws_service' | 'aws_region';
  type: 'UINTEGER' | 'VARCHAR';
  description: string;
}

const PARTS = [
  { source: 'asn', kind: 'asn', type: 'UINTEGER', insights: 'Asn', text: 'autonomous system number' },
  { source: 'as_name', kind: 'asn', type: 'VARCHAR', insights: 'AsName', text: 'autonomous system (organisation) name' },
  { source: 'country', kind: 'country', type: 'VARCHAR', insights: 'Country', text: 'ISO 3166 country code' },
  { source: 'aws_service', kind: 'aws', type: 'VARCHAR', insights: 'AwsService', text: 'AWS service (ip-ranges.json; most specific prefix)' },
  { source: 'aws_region', kind: 'aws', type: 'VARCHAR', insights: 'AwsRegion', text: 'AWS region (ip-ranges.json; GLOBAL for global services)' },
] as const;

/** Every enrichment column, source side first: src_asn, src_as_name, src_country, src_aws_service, src_aws_region, then dst_…. */
export const ENRICHMENT_COLUMNS: readonly EnrichmentColumn[] = (['src', 'dst'] as const).flatMap((side) =>
  PARTS.map((p) => ({
    name: `${side}_${p.source}`,
    insightsName: `${side}${p.insights}`,
    side,
    kind: p.kind,
    source: p.source,
    type: p.type,
    description: `${p.text} of ${side}addr; NULL for private addresses and addresses the database does not know`,
  })),
);

/** The enrichment column for a name as SQL (`dst_as_name`) or Insights (`dstAsName`) writes it; undefined otherwise. */
export function findEnrichmentColumn(name: string): EnrichmentColumn | undefined {
  return ENRICHMENT_COLUMNS.find((c) => c.name === name || c.insightsName === name);
}
