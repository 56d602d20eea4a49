import { basename } from 'node:path';
import type { Store } from '../store/database.js';
import { readAwsIpRanges } from './aws-ranges.js';
import type { EnrichmentKind } from './columns.js';
import { bucketSql, enrichedViewSql, enrichmentSchemaStatements, RANGE_TABLES, SOURCES_TABLE } from './enrich-sql.js';
import { readMmdbRanges } from './mmdb.js';
import { locatePackagedDatabase, PACKAGED_DATABASES, readPackagedRanges } from './packaged.js';
import { flattenRanges } from './ranges.js';

/** What to load: MaxMind DB files (ASN and/or country) and AWS's ip-ranges.json; the packaged databases fill the rest. */
export interface LoadEnrichmentOptions {
  /** MaxMind DB files (GeoLite2-ASN, GeoLite2-Country, GeoIP2 …); each replaces the kinds it holds. */
  geoDb?: readonly string[] | undefined;
  /** AWS's ip-ranges.json. */
  awsRanges?: string | undefined;
  /** Reload the packaged ASN and country databases even when the store has them (default: only when missing). */
  packaged?: 'missing' | 'always' | 'never';
}

/** One loaded range table: its kind, the database it came from, the version or date, and the range count. */
export interface EnrichmentSource {
  kind: EnrichmentKind;
  source: string;
  version: string | null;
  ranges: number;
  loadedAt: string;
}

/**
 * Loads the enrichment range tables into the store (one transaction) and (re)creates the `flows_enriched` view:
 * `--geo-db` files and `--aws-ranges` replace the kinds they hold, the packaged ASN/country databases fill kinds not
 * loaded yet. Nothing is computed per record: the columns are joined at query time. Returns the store's sources.
 */
export async function loadEnrichment(store: Store, options: LoadEnrichmentOptions = {}): Promise<EnrichmentSource[]> {
  const tables: { kind: EnrichmentKind; source: string; version: string | null; rows: Row[] }[] = [];
  for (const path of options.geoDb ?? []) {
    const mmdb = await readMmdbRanges(path);
    const version = `${mmdb.databaseType} ${mmdb.buildEpoch.toISOString().slice(0, 10)}`;
    if (mmdb.asn.length > 0) tables.push({ kind: 'asn', source: basename(path), version, rows: mmdb.asn.map((r) => ({ low: r.low, high: r.high, values: [r.value.asn, r.value.name] })) });
    if (mmdb.country.length > 0) tables.push({ kind: 'country', source: basename(path), version, rows: mmdb.country.map((r) => ({ low: r.low, high: r.high, values: [r.value.country] })) });
  }
  if (options.awsRanges) {
    const aws = await readAwsIpRanges(options.awsRanges);
    tables.push({ kind: 'aws', source: basename(options.awsRanges), version: aws.createDate ?? aws.syncToken ?? null, rows: aws.ranges.map((r) => ({ low: r.low, high: r.high, values: [r.value.service, r.value.region] })) });
  }
  for (const statement of enrichmentSchemaStatements()) await store.run(statement);
  const loaded = new Set((await readEnrichmentSources(store)).map((s) => s.kind));
  for (const database of PACKAGED_DATABASES) {
    const wanted = options.packaged === 'always' || (options.packaged !== 'never' && !loaded.has(database.kind));
    if (!wanted || tables.some((t) => t.kind === database.kind)) continue;
    const ranges = flattenRanges(await readPackagedRanges(database));
    const rows = ranges.map((r) => ({ low: r.low, high: r.high, values: 'asn' in r.value ? [r.value.asn, r.value.name] : [r.value.country] }));
    tables.push({ kind: database.kind, source: database.package, version: locatePackagedDatabase(database).version, rows });
  }
  await store.run('BEGIN TRANSACTION');
  try {
    for (const table of tables) await replaceRangeTable(store, table.kind, table.rows, table.source, table.version);
    await store.run(enrichedViewSql());
    await store.run('COMMIT');
  } catch (error) {
    await store.run('ROLLBACK');
    throw error;
  }
  return readEnrichmentSources(store);
}

/** The range tables the store holds (empty when enrichment was never loaded). */
export async function readEnrichmentSources(store: Store): Promise<EnrichmentSource[]> {
  const exists = await store.scalar(`SELECT count(*) FROM duckdb_tables() WHERE table_name = '${SOURCES_TABLE}' AND schema_name = 'main' AND database_name = current_database()`);
  if (Number(exists) === 0) return [];
  const result = await store.query(`SELECT kind, source, version, ranges, strftime(loaded_at, '%Y-%m-%dT%H:%M:%SZ') AS loaded_at FROM ${SOURCES_TABLE} ORDER BY CASE kind WHEN 'asn' THEN 1 WHEN 'country' THEN 2 ELSE 3 END`);
  return result.rows.map((row) => ({
    kind: String(row.kind) as EnrichmentKind,
    source: String(row.source),
    version: row.version === null ? null : String(row.version),
    ranges: Number(row.ranges),
    loadedAt: String(row.loaded_at),
  }));
}

/** A disjoint range and its values, in the range table's column order. */
interface Row {
  low: bigint;
  high: bigint;
  values: (string | number)[];
}

async function replaceRangeTable(store: Store, kind: EnrichmentKind, rows: readonly Row[], source: string, version: string | null): Promise<void> {
  const table = RANGE_TABLES[kind];
  const valueColumns = kind === 'asn' ? 'asn UINTEGER, as_name VARCHAR' : kind === 'country' ? 'country VARCHAR' : 'aws_service VARCHAR, aws_region VARCHAR';
  await store.run(`CREATE OR REPLACE TEMP TABLE flowlens_ranges (start_ip UHUGEINT, end_ip UHUGEINT, ${valueColumns})`);
  const appender = await store.connection.createAppender('flowlens_ranges', 'main', 'temp');
  for (const row of rows) {
    appender.appendUHugeInt(row.low);
    appender.appendUHugeInt(row.high);
    for (const value of row.values) {
      if (typeof value === 'number') appender.appendUInteger(value);
      else appender.appendVarchar(value);
    }
    appender.endRow();
  }
  appender.flushSync();
  appender.closeSync();
  await store.run(`DELETE FROM ${table}`);
  await store.run(`INSERT INTO ${table} SELECT unnest(generate_series(${bucketSql('start_ip')}, ${bucketSql('end_ip')})) AS bucket, * FROM flowlens_ranges ORDER BY start_ip`);
  await store.run(`DELETE FROM ${SOURCES_TABLE} WHERE kind = '${kind}'`);
  await store.run(`INSERT INTO ${SOURCES_TABLE} VALUES ('${kind}', $1, $2, $3, now()::TIMESTAMP)`, [source, version, rows.length]);
  await store.run('DROP TABLE temp.flowlens_ranges');
}
