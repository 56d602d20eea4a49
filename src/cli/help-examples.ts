import type { Command } from 'commander';

/** Examples shown at the end of each command's `--help`, by command path (`alerts run`); `''` is the program itself. */
export const HELP_EXAMPLES: Readonly<Record<string, readonly string[]>> = {
  '': ['flowlens ingest s3://my-flow-logs/AWSLogs/ --db flows.duckdb', 'flowlens report top-talkers --db flows.duckdb', 'flowlens serve --db flows.duckdb'],
  ingest: [
    'flowlens ingest ./logs --db flows.duckdb',
    'flowlens ingest s3://my-flow-logs/AWSLogs/123456789012/vpcflowlogs/us-east-1/ --start 2024-05-01 --end 2024-05-02',
    'flowlens ingest cwl://my-log-group --start -2h --region us-east-1',
    'aws logs filter-log-events --log-group-name my-log-group | flowlens ingest -',
  ],
  print: ['flowlens print --db flows.duckdb --limit 20', 'flowlens print ./logs --format text --action REJECT | grep " 22 "', 'flowlens print flows.log.gz --format ndjson --fields srcaddr,dstaddr,bytes'],
  ipset: ['flowlens ipset --db flows.duckdb --format text', 'flowlens ipset ./logs --start 2024-05-01T12:00:00Z --end 2024-05-01T13:00:00Z'],
  findip: ['flowlens findip 203.0.113.7 --db flows.duckdb', 'flowlens findip 10.0.1.0/24 2001:db8::/32 --in ./logs --format csv > hits.csv'],
  aggregate: ['flowlens aggregate --db flows.duckdb --limit 10', 'flowlens aggregate --db flows.duckdb --by srcaddr,dstport --action REJECT'],
  query: [
    'flowlens query "SELECT action, count(*) FROM flows GROUP BY action" --db flows.duckdb',
    'flowlens query "SELECT * FROM default.vpc_flow_logs LIMIT 5" --db flows.duckdb',
    'flowlens query "SELECT srcaddr, sum(bytes) b FROM flows GROUP BY 1 ORDER BY b DESC LIMIT 5" ./logs --format csv',
  ],
  insights: ['flowlens insights "stats sum(bytes) as b by srcAddr | sort b desc | limit 10" --db flows.duckdb', 'flowlens insights "filter action = \'REJECT\' | stats count(*) by dstPort" ./logs'],
  'test-pattern': ['flowlens test-pattern \'[version, account, eni, src, dst, srcport, dstport="22", ..., action="REJECT", status]\' flows.log'],
  report: ['flowlens report --list', 'flowlens report top-talkers --db flows.duckdb --limit 5', 'flowlens report rejected-sources ./logs --start -24h --format csv', 'flowlens report costs --db flows.duckdb'],
  suggest: ['flowlens suggest security-groups --db flows.duckdb'],
  'suggest security-groups': ['flowlens suggest security-groups --db flows.duckdb --format json'],
  rejects: ['flowlens rejects --db flows.duckdb', 'flowlens rejects --db flows.duckdb --format csv > bad-lines.csv'],
  alerts: ['flowlens alerts check --rules examples/rules.yaml', 'flowlens alerts run --rules examples/rules.yaml --db flows.duckdb'],
  'alerts run': ['flowlens alerts run --rules examples/rules.yaml --db flows.duckdb', 'flowlens alerts run --rules rules.yaml ./logs --start -24h --format json'],
  'alerts check': ['flowlens alerts check --rules examples/rules.yaml'],
  'alerts export': ['flowlens alerts export --rules examples/rules.yaml --format cloudformation > alarms.yaml', 'flowlens alerts export --rules examples/rules.yaml --format terraform'],
  'alerts deploy': ['flowlens alerts deploy --rules examples/rules.yaml --log-group my-flow-logs --dry-run', 'flowlens alerts deploy --rules examples/rules.yaml --log-group my-flow-logs --profile prod'],
  watch: ['flowlens watch ./incoming --rules examples/rules.yaml --db flows.duckdb', 'flowlens watch cwl://my-log-group --rules rules.yaml --region us-east-1'],
  graph: ['flowlens graph --db flows.duckdb --export graphml --out flows.graphml', 'flowlens graph --db flows.duckdb --node subnet --export vis --out graph.json'],
  serve: ['flowlens serve --db flows.duckdb', 'flowlens serve --db flows.duckdb --rules examples/rules.yaml --port 8080'],
  enis: ['flowlens enis save enis.json --region us-east-1'],
  'enis save': ['flowlens enis save enis.json --region us-east-1 --profile prod'],
  enrich: [
    'flowlens enrich --db flows.duckdb',
    'flowlens enrich --db flows.duckdb --aws-ranges ip-ranges.json --geo-db GeoLite2-ASN.mmdb',
    'flowlens enrich --db flows.duckdb 8.8.8.8 2001:4860:4860::8888',
  ],
  fields: ['flowlens fields', 'flowlens fields --format json'],
  sources: ['flowlens sources --region us-east-1'],
  export: ['flowlens export parquet --db flows.duckdb --out ./parquet'],
  'export parquet': ['flowlens export parquet --db flows.duckdb --out ./parquet', 'flowlens export parquet --db flows.duckdb --out s3://my-bucket/flowlens/ --region eu-west-1'],
  athena: ['flowlens athena ddl --location s3://my-bucket/flowlens/'],
  'athena ddl': ['flowlens athena ddl --location s3://my-bucket/flowlens/', 'flowlens athena ddl --format text --location s3://my-flow-logs/ --accounts 123456789012 --regions us-east-1'],
  'athena query': ['flowlens athena query "SELECT count(*) FROM vpc_flow_logs_parquet" --output s3://my-bucket/athena-results/'],
  clickhouse: ['flowlens clickhouse schema', 'flowlens clickhouse load --db flows.duckdb'],
  'clickhouse schema': ['flowlens clickhouse schema --url http://127.0.0.1:8123'],
  'clickhouse load': ['flowlens clickhouse load --db flows.duckdb --url http://127.0.0.1:8123'],
  'clickhouse query': ['flowlens clickhouse query "SELECT count() FROM flows"'],
  generate: ['flowlens generate --records 300000 --out ./logs', 'flowlens generate --records 1000000 --layout hive --out ./hive-logs'],
  completion: ['flowlens completion bash > /etc/bash_completion.d/flowlens', 'flowlens completion zsh > "${fpath[1]}/_flowlens"', 'flowlens completion fish > ~/.config/fish/completions/flowlens.fish'],
};

/** Adds an Examples section to the help of the program and of every subcommand that has examples. */
export function addHelpExamples(program: Command): void {
  const visit = (command: Command, path: string): void => {
    const examples = HELP_EXAMPLES[path];
    if (examples?.length) command.addHelpText('after', `\nExamples:\n${examples.map((e) => `  $ ${e}`).join('\n')}\n`);
    for (const sub of command.commands) visit(sub, path ? `${path} ${sub.name()}` : sub.name());
  };
  visit(program, '');
}

/** Every command path of a program (`ingest`, `alerts run`, …), depth first. */
export function commandPaths(program: Command): string[] {
  const paths: string[] = [];
  const visit = (command: Command, path: string): void => {
    for (const sub of command.commands) {
      const next = path ? `${path} ${sub.name()}` : sub.name();
      paths.push(next);
      visit(sub, next);
    }
  };
  visit(program, '');
  return paths;
}
