import { addressToBigInt, FlowlensError, UsageError } from '../records/index.js';
import { sqlLiteral } from '../sql/index.js';
import type { Store } from '../store/database.js';
import type { EnrichmentKind } from './columns.js';
import { addressInfoSql } from './enrich-sql.js';
import { loadEnrichment, readEnrichmentSources } from './load.js';

/** What the store knows of one address: ASN and AS name, country, AWS service and region (null when unknown or private). */
export interface AddressEnrichment {
  address: string;
  asn: number | null;
  as_name: string | null;
  country: string | null;
  aws_service: string | null;
  aws_region: string | null;
}

/** Looks addresses up in the store's range tables (loading the packaged databases into an in-memory store first). */
export async function lookupAddresses(store: Store, addresses: readonly string[]): Promise<AddressEnrichment[]> {
  if (addresses.length === 0) return [];
  const values = addresses.map((address) => {
    const number = addressToBigInt(address);
    if (number === null) throw new UsageError(`"${address}" is not an IPv4 or IPv6 address`);
    return `(${sqlLiteral(address)}, ${sqlLiteral(number)}::UHUGEINT)`;
  });
  const kinds = await ensureEnrichment(store, ['asn', 'country'], { optional: ['aws'] });
  const info = addressInfoSql(`SELECT * FROM (VALUES ${values.join(', ')}) v(addr, ip)`, new Set(kinds));
  const result = await store.query(`SELECT i.* FROM (VALUES ${addresses.map((a, i) => `(${sqlLiteral(a)}, ${i})`).join(', ')}) a(addr, n) LEFT JOIN (${info}) i ON i.addr = a.addr ORDER BY a.n`);
  return result.rows.map((row, i) => ({
    address: addresses[i] ?? '',
    asn: row.asn === null || row.asn === undefined ? null : Number(row.asn),
    as_name: (row.as_name as string | null | undefined) ?? null,
    country: (row.country as string | null | undefined) ?? null,
    aws_service: (row.aws_service as string | null | undefined) ?? null,
    aws_region: (row.aws_region as string | null | undefined) ?? null,
  }));
}

/**
 * Makes sure the store holds the range tables of the kinds a query needs and returns the kinds it can use (the
 * `optional` ones only when loaded). A writable store (the scratch store of SOURCE arguments, or one opened for
 * writing) gets the packaged ASN/country databases on first use; a read-only database without them is a
 * FlowlensError 'enrich-missing' naming the `flowlens enrich` command to run. AWS ranges are never loaded implicitly.
 */
export async function ensureEnrichment(store: Store, kinds: readonly EnrichmentKind[], options: { optional?: readonly EnrichmentKind[] } = {}): Promise<EnrichmentKind[]> {
  let loaded = new Set((await readEnrichmentSources(store)).map((s) => s.kind));
  const missing = kinds.filter((k) => !loaded.has(k));
  if (missing.includes('aws')) {
    throw new FlowlensError('enrich-missing', `no AWS address ranges are loaded in ${store.path}`, {
      hint: 'download them once (curl -o ip-ranges.json https://ip-ranges.amazonaws.com/ip-ranges.json), then run flowlens enrich --db FILE --aws-ranges ip-ranges.json on the database you query',
    });
  }
  if (missing.length > 0) {
    const readOnly = String(await store.scalar("SELECT current_setting('access_mode')")).toLowerCase() === 'read_only';
    if (readOnly) {
      throw new FlowlensError('enrich-missing', `${store.path} has no ${missing.join(' or ')} table yet`, {
        hint: `run flowlens enrich --db ${store.path} once (loads the packaged ASN and country databases; --geo-db FILE.mmdb for MaxMind's)`,
      });
    }
    loaded = new Set((await loadEnrichment(store)).map((s) => s.kind));
  }
  return [...new Set([...kinds, ...(options.optional ?? []).filter((k) => loaded.has(k))])];
}
