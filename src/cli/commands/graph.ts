import { Option } from 'commander';
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { writeErr, writeOut } from '../context.js';
import { openData } from '../data.js';
import { addReadingOptions, parseSelection } from '../options.js';
import type { ReadingOptions } from '../options.js';
import { UsageError } from '../../records/index.js';
import { lookUpEnis } from '../live-enis.js';

/** Options of `flowlens graph` beyond the common reading options. */
export interface GraphCommandOptions extends ReadingOptions {
  node: string;
  names?: string[];
  enis?: string[];
  enisLive?: string | boolean;
  public: string;
  protocol?: string;
  port?: string;
  asn?: string;
  asName?: string;
  country?: string;
  awsService?: string;
  minFlows?: string;
  minWeight?: string;
  top?: string;
  weight: string;
  pseudonymize?: boolean;
  key?: string;
  export: string;
  out?: string;
  entities?: string;
  direct: boolean;
  upload?: string;
  graphistryServer?: string;
  graphistryUsername?: string;
  graphistryPassword?: string;
  graphistryKeyId?: string;
  graphistryKeySecret?: string;
  graphistryOrg?: string;
  graphistryName?: string;
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** `flowlens graph [SOURCE...]`: who talks to whom, exported as JSON, GraphML, DOT, hypergraph CSVs or Parquet. */
export function registerGraph(program: Command, context: CliContext): void {
  const command = program.command('graph').argument('[source...]', 'sources (default: the database)');
  addReadingOptions(command, ['json'])
    .description('build the who-talks-to-whom graph: nodes are addresses, subnets, ENIs or names; edges aggregate flows')
    .option('--node <mode>', 'node identity: ip | ip-port | eni | subnet/NN | name | asn | country | service', 'ip')
    .option('--names <file>', 'known names: YAML/JSON/CSV of address or CIDR → name (repeatable)', collect)
    .option('--enis <file>', 'name ENIs and addresses from `aws ec2 describe-network-interfaces` JSON (repeatable)', collect)
    .option('--enis-live [scope]', 'name ENIs live with EC2 DescribeNetworkInterfaces (--profile, --region, --endpoint-url): seen (VPCs/ENIs in the data, default) or all')
    .addOption(new Option('--public <mode>', 'public addresses: keep each, or group into one "internet" node').choices(['keep', 'group']).default('keep'))
    .option('--protocol <list>', 'keep only these protocols (tcp,udp,icmp or numbers)')
    .option('--port <list>', 'keep only flows with one of these source or destination ports')
    .option('--asn <list>', 'keep only flows with either end in one of these autonomous systems (15169,AS13335; flowlens enrich)')
    .option('--as-name <text>', 'keep only flows with either end in an AS whose name contains this (case-insensitive; several: a|b)')
    .option('--country <list>', 'keep only flows with either end in one of these countries (ISO codes: US,DE)')
    .option('--aws-service <list>', 'keep only flows with either end in one of these AWS services (S3,DYNAMODB; needs enrich --aws-ranges)')
    .option('--min-flows <n>', 'drop edges with fewer flows')
    .option('--min-weight <n>', 'drop edges whose weight is below n')
    .option('--top <k>', 'keep the k heaviest edges')
    .addOption(new Option('--weight <measure>', 'edge weight for --top and --min-weight').choices(['flows', 'bytes', 'packets']).default('flows'))
    .option('--pseudonymize', 'replace addresses by keyed, prefix-preserving pseudonyms (names are kept)')
    .option('--key <key>', 'pseudonymization key (default: $FLOWLENS_PSEUDONYM_KEY)')
    .addOption(new Option('--export <format>', 'export format').choices(['json', 'graphml', 'dot', 'vis', 'hypergraph', 'parquet']).default('json'))
    .option('-o, --out <path>', 'write here (a folder for hypergraph) instead of standard output')
    .option('--entities <list>', 'hypergraph entity types (flow fields), e.g. srcaddr,dstaddr,dstport,interface-id,action', 'srcaddr,dstaddr')
    .option('--no-direct', 'hypergraph with one node per event (Graphistry hypergraph(direct=False))')
    .addOption(new Option('--upload <service>', 'upload the hypergraph and print the visualization URL').choices(['graphistry']))
    .option('--graphistry-server <url>', 'Graphistry server (default: $FLOWLENS_GRAPHISTRY_SERVER, else https://hub.graphistry.com)')
    .option('--graphistry-username <name>', 'Graphistry username (default: $FLOWLENS_GRAPHISTRY_USERNAME)')
    .option('--graphistry-password <password>', 'Graphistry password (default: $FLOWLENS_GRAPHISTRY_PASSWORD; prefer the variable)')
    .option('--graphistry-key-id <id>', 'Graphistry personal key id (default: $FLOWLENS_GRAPHISTRY_KEY_ID)')
    .option('--graphistry-key-secret <secret>', 'Graphistry personal key secret (default: $FLOWLENS_GRAPHISTRY_KEY_SECRET)')
    .option('--graphistry-org <org>', 'Graphistry organization (default: $FLOWLENS_GRAPHISTRY_ORG)')
    .option('--graphistry-name <name>', 'name of the uploaded dataset')
    .action(async (sources: string[], options: GraphCommandOptions) => {
      const graph = await import('../../graph/index.js');
      const format = options.export as 'json' | 'graphml' | 'dot' | 'vis' | 'hypergraph' | 'parquet';
      if ((format === 'hypergraph' || format === 'parquet') && !options.out && !options.upload) {
        throw new UsageError(`--export ${format} writes files: give --out PATH`);
      }
      if (format === 'hypergraph' || options.upload) return hypergraphAction(context, sources, options);
      const buildOptions = await graphOptionsFrom(options, context);
      const liveScope = options.enisLive === undefined ? undefined : graph.parseLiveEniScope(options.enisLive);
      const data = await openData(context, sources, options, parseSelection(options), 'table');
      try {
        if (liveScope) {
          const live = await lookUpEnis(context, data.store, liveScope, options, data.where);
          buildOptions.names = await graph.loadNameTable({ names: options.names, enis: options.enis, live });
        }
        const built = await graph.buildGraph(data.store, { ...buildOptions, where: data.where });
        if (!options.out) {
          for (const block of graph.exportBlocks(built, format as 'json' | 'graphml' | 'dot' | 'vis')) await writeOut(context, block);
        } else {
          const paths = await graph.writeExport(built, format as 'json' | 'graphml' | 'dot' | 'vis' | 'parquet', options.out);
          writeErr(context, `wrote ${paths.join(', ')}`);
        }
        writeErr(context, `graph: ${built.nodes.length} nodes, ${built.edges.length} edges (of ${built.totalEdges}) from ${built.records} flow records`);
      } finally {
        data.close();
      }
    });
}

/**
 * `--export hypergraph` and `--upload graphistry`: the notebook's hypergraph of the selected flows, written as
 * CSV tables into --out and/or uploaded with the visualization URL printed.
 */
async function hypergraphAction(context: CliContext, sources: string[], options: GraphCommandOptions): Promise<void> {
  const graph = await import('../../graph/index.js');
  const settings = options.upload
    ? graph.resolveGraphistrySettings(
        { server: options.graphistryServer, username: options.graphistryUsername, password: options.graphistryPassword, keyId: options.graphistryKeyId, keySecret: options.graphistryKeySecret, org: options.graphistryOrg },
        context.env,
      )
    : undefined;
  const { protocols, ports, asns, asNames, countries, awsServices, pseudonymizer } = await graphOptionsFrom(options, context);
  const entities = graph.parseEntityTypes(options.entities ?? 'srcaddr,dstaddr');
  const data = await openData(context, sources, options, parseSelection(options), 'table');
  try {
    const hypergraph = await graph.buildHypergraph(data.store, { where: data.where, protocols, ports, asns, asNames, countries, awsServices, pseudonymizer, entities, direct: options.direct });
    if (options.export === 'hypergraph' && options.out) writeErr(context, `wrote ${(await graph.writeHypergraph(hypergraph, options.out)).join(', ')}`);
    writeErr(context, `hypergraph: ${hypergraph.events.rows.length} events, ${hypergraph.entities.rows.length} entities, ${hypergraph.edgeCount} edges`);
    if (settings) await writeOut(context, `${(await graph.uploadHypergraph(hypergraph, settings, { name: options.graphistryName })).url}\n`);
  } finally {
    data.close();
  }
}

/** Turns command options into buildGraph options (node mode, names, filters, thresholds, pseudonymizer). */
export async function graphOptionsFrom(options: GraphCommandOptions, context: CliContext) {
  const graph = await import('../../graph/index.js');
  const key = options.key ?? context.env.FLOWLENS_PSEUDONYM_KEY;
  if (options.pseudonymize && !key) {
    throw new UsageError('--pseudonymize needs a key', { hint: 'pass --key K or set FLOWLENS_PSEUDONYM_KEY; keep the key secret' });
  }
  return {
    node: graph.parseNodeMode(options.node),
    names: await graph.loadNameTable({ names: options.names, enis: options.enis }),
    publicMode: graph.parsePublicMode(options.public),
    protocols: options.protocol === undefined ? undefined : graph.parseProtocols(options.protocol),
    ports: options.port === undefined ? undefined : graph.parsePorts(options.port),
    asns: options.asn === undefined ? undefined : graph.parseAsns(options.asn),
    asNames: options.asName === undefined ? undefined : graph.parseAsNames(options.asName),
    countries: options.country === undefined ? undefined : graph.parseCountries(options.country),
    awsServices: options.awsService === undefined ? undefined : graph.parseAwsServices(options.awsService),
    minFlows: options.minFlows === undefined ? undefined : graph.parseThreshold(options.minFlows, '--min-flows'),
    minWeight: options.minWeight === undefined ? undefined : graph.parseThreshold(options.minWeight, '--min-weight'),
    top: options.top === undefined ? undefined : graph.parseCount(options.top, '--top'),
    weight: graph.parseWeight(options.weight),
    pseudonymizer: options.pseudonymize && key ? graph.createPseudonymizer(key) : undefined,
  };
}
