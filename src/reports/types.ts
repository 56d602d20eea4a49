import type { SqlDialect } from '../engines/index.js';
import type { EnrichmentKind } from '../enrich/index.js';

/** A report parameter: `--param name=value` on the command line. */
export interface ReportParam {
  name: string;
  description: string;
  /** The value used when the parameter is not given; undefined makes it required. */
  default: string | number | undefined;
  kind: 'number' | 'string' | 'cidr';
}

/** Everything a report's SQL depends on. */
export interface ReportContext {
  dialect: SqlDialect;
  /** The flows table (unquoted), e.g. `flows`. */
  table: string;
  /** A condition on the flows table selecting the records (`TRUE` for all), e.g. the --start/--end window. */
  where: string;
  /** Rows to return; the report's default when undefined. */
  limit: number | undefined;
  /** Parameter values, defaults filled in. */
  params: Readonly<Record<string, string | number>>;
}

/** A named report, defined once and rendered for every engine. */
export interface ReportDefinition {
  name: string;
  /** One line for `flowlens report --list`. */
  description: string;
  /** Rows shown by default (undefined: all). */
  defaultLimit: number | undefined;
  params: readonly ReportParam[];
  /** Where the report comes from (a seed, an AWS sample query), for docs and --list. */
  origin?: string;
  /** The log the report reads when not flow logs: the s3_access or cloudtrail table, --start/--end on its time. */
  logType?: 's3-access' | 'cloudtrail';
  /** The enrichment range tables the report joins (flowlens enrich); runReport makes sure the store has them. */
  enrichment?: readonly EnrichmentKind[];
  /** The SQL for a context. */
  build(context: ReportContext): string;
}
