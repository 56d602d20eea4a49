import { addressInfoSql, ensureEnrichment } from '../enrich/index.js';
import type { EnrichmentKind } from '../enrich/index.js';
import { UsageError } from '../records/index.js';
import type { Store } from '../store/index.js';
import { sqlLiteral } from '../store/sql-text.js';

/**
 * Enrichment filters of a graph: keep a flow when either end's AS number, AS name, country or AWS service matches
 * (like the port filter); several filters must all match. Private addresses have no values and never match.
 */
export interface EnrichmentFilters {
  /** Autonomous system numbers (15169). */
  asns?: readonly number[] | undefined;
  /** Case-insensitive parts of an AS name ("google" matches "Google LLC"); any one matching is enough. */
  asNames?: readonly string[] | undefined;
  /** ISO 3166 two-letter country codes, upper case. */
  countries?: readonly string[] | undefined;
  /** AWS services of ip-ranges.json (S3, EC2, CLOUDFRONT, AMAZON …), upper case. */
  awsServices?: readonly string[] | undefined;
}

/** Parses an AS number list (`15169`, `AS13335,16509`). */
export function parseAsns(text: string, option = '--asn'): number[] {
  return splitValues(text).map((value) => {
    const digits = value.replace(/^as/i, '');
    const n = Number(digits);
    if (!/^\d+$/.test(digits) || n > 4294967295) {
      throw new UsageError(`${option} "${value}" is not an AS number`, { hint: 'use numbers such as 15169 or AS15169, comma-separated; --as-name matches names' });
    }
    return n;
  });
}

/** Parses AS name parts: one text, or several separated by `|` (names themselves hold commas). */
export function parseAsNames(text: string, option = '--as-name'): string[] {
  const parts = text.split('|').map((v) => v.trim()).filter((v) => v.length > 0);
  if (parts.length === 0) throw new UsageError(`${option} is empty`, { hint: 'give part of an AS name, e.g. google; separate several with |' });
  return parts;
}

/** Parses a country list (`US,DE`) to upper-case ISO 3166 alpha-2 codes. */
export function parseCountries(text: string, option = '--country'): string[] {
  return splitValues(text).map((value) => {
    if (!/^[a-z]{2}$/i.test(value)) throw new UsageError(`${option} "${value}" is not a country code`, { hint: 'use ISO 3166 two-letter codes such as US,DE' });
    return value.toUpperCase();
  });
}

/** Parses an AWS service list (`S3,cloudfront`) to the upper-case names of ip-ranges.json. */
export function parseAwsServices(text: string, option = '--aws-service'): string[] {
  return splitValues(text).map((value) => {
    if (!/^[a-z0-9_]+$/i.test(value)) throw new UsageError(`${option} "${value}" is not an AWS service name`, { hint: 'use the service names of ip-ranges.json such as S3, DYNAMODB, CLOUDFRONT, EC2, AMAZON' });
    return value.toUpperCase();
  });
}

/** The range tables the filters need (empty when none is set). */
export function enrichmentFilterKinds(filters: EnrichmentFilters): EnrichmentKind[] {
  const kinds = new Set<EnrichmentKind>();
  if (filters.asns?.length || filters.asNames?.length) kinds.add('asn');
  if (filters.countries?.length) kinds.add('country');
  if (filters.awsServices?.length) kinds.add('aws');
  return [...kinds];
}

/** Makes sure the store holds the range tables of a scope's node mode and filters (see ensureEnrichment). */
export async function ensureFilterEnrichment(store: Store, filters: EnrichmentFilters, also: readonly EnrichmentKind[] = []): Promise<void> {
  const kinds = [...new Set([...enrichmentFilterKinds(filters), ...also])];
  if (kinds.length > 0) await ensureEnrichment(store, kinds);
}

/**
 * SQL conditions (on a table with `src_ip`/`dst_ip`, the flows table or an address-pair rollup) for the filters, one
 * per filter: either end's address is among the table's addresses whose looked-up value matches.
 */
export function enrichmentFilterConditions(filters: EnrichmentFilters, table: string): string[] {
  const predicates: [EnrichmentKind, string][] = [];
  if (filters.asns?.length) predicates.push(['asn', `asn IN (${filters.asns.map(sqlLiteral).join(', ')})`]);
  if (filters.asNames?.length) predicates.push(['asn', `(${filters.asNames.map((n) => `contains(lower(as_name), ${sqlLiteral(n.toLowerCase())})`).join(' OR ')})`]);
  if (filters.countries?.length) predicates.push(['country', `country IN (${filters.countries.map(sqlLiteral).join(', ')})`]);
  if (filters.awsServices?.length) predicates.push(['aws', `aws_service IN (${filters.awsServices.map(sqlLiteral).join(', ')})`]);
  // The table's distinct addresses, each looked up once (private ones are left out by addressInfoSql).
  const addresses = `SELECT DISTINCT ip AS addr, ip FROM (SELECT src_ip AS ip FROM ${table} UNION ALL SELECT dst_ip FROM ${table}) WHERE ip IS NOT NULL`;
  return predicates.map(([kind, predicate]) => {
    const matching = `SELECT addr FROM (${addressInfoSql(addresses, new Set([kind]))}) WHERE ${predicate}`;
    return `(src_ip IN (${matching}) OR dst_ip IN (${matching}))`;
  });
}

function splitValues(text: string): string[] {
  return text.split(',').map((v) => v.trim()).filter((v) => v.length > 0);
}
