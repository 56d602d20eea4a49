import type { Command } from 'commander';
import { Option } from 'commander';
import type { CliContext } from '../context.js';
import { memoryOptionsFrom } from '../data.js';
import { printTable } from './table-command.js';

interface EnrichOptions {
  db?: string;
  geoDb?: string[];
  awsRanges?: string;
  reload?: boolean;
  format: string;
}

/** `flowlens enrich`: loads the ASN/country/AWS range tables into the store; with ADDRESSes, shows what they map to. */
export function registerEnrich(program: Command, context: CliContext): void {
  program
    .command('enrich')
    .description('load ASN, country and AWS service tables into the database (queried as src_asn, dst_country, … at query time); with ADDRESSes, look them up')
    .argument('[address...]', 'addresses to look up after loading (IPv4 or IPv6)')
    .option('--db <path>', 'database file (default: $FLOWLENS_DB or ./flowlens.duckdb)')
    .option('--geo-db <file>', 'a MaxMind DB file (GeoLite2-ASN, GeoLite2-Country, GeoIP2 …) replacing the packaged database of the kinds it holds; repeatable', collect, [])
    .option('--aws-ranges <file>', "AWS's ip-ranges.json (curl -o ip-ranges.json https://ip-ranges.amazonaws.com/ip-ranges.json)")
    .option('--reload', 'reload the packaged ASN and country databases even when the database has them')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['table', 'json', 'ndjson', 'csv']).default('table'))
    .action(async (addresses: string[], options: EnrichOptions) => {
      const { Store, resolveDbPath } = await import('../../store/index.js');
      const { loadEnrichment, lookupAddresses, readEnrichmentSources } = await import('../../enrich/index.js');
      const store = await Store.open(resolveDbPath(options.db, context.env), memoryOptionsFrom(context));
      try {
        const loaded = await readEnrichmentSources(store);
        const needed = (options.geoDb ?? []).length > 0 || options.awsRanges !== undefined || options.reload === true || loaded.length === 0;
        const sources = needed ? await loadEnrichment(store, { geoDb: options.geoDb, awsRanges: options.awsRanges, packaged: options.reload ? 'always' : 'missing' }) : loaded;
        if (addresses.length > 0) {
          const rows = await lookupAddresses(store, addresses);
          await printTable(context, { columns: ['address', 'asn', 'as_name', 'country', 'aws_service', 'aws_region'], rows: rows.map((r) => ({ ...r })) }, options.format);
        } else {
          const rows = sources.map((s) => ({ kind: s.kind, source: s.source, version: s.version, ranges: s.ranges, loaded_at: s.loadedAt }));
          await printTable(context, { columns: ['kind', 'source', 'version', 'ranges', 'loaded_at'], rows }, options.format);
        }
      } finally {
        store.close();
      }
    });
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
