import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { registerAggregate } from './aggregate.js';
import { registerAlerts } from './alerts.js';
import { registerAthena } from './athena.js';
import { registerClickHouse } from './clickhouse.js';
import { registerCompletion } from './completion.js';
import { registerEnis } from './enis.js';
import { registerEnrich } from './enrich.js';
import { registerExport } from './export.js';
import { registerFields } from './fields.js';
import { registerFindip } from './findip.js';
import { registerGenerate } from './generate.js';
import { registerGraph } from './graph.js';
import { registerIngest } from './ingest.js';
import { registerInsights } from './insights.js';
import { registerIpset } from './ipset.js';
import { registerPrint } from './print.js';
import { registerQuery } from './query.js';
import { registerRejects } from './rejects.js';
import { registerReport } from './report.js';
import { registerServe } from './serve.js';
import { registerSources } from './sources.js';
import { registerSuggest } from './suggest.js';
import { registerTestPattern } from './test-pattern.js';
import { registerWatch } from './watch.js';

/** Registers a subcommand on the program; modules import their heavy dependencies inside the action. */
export type CommandRegistrar = (program: Command, context: CliContext) => void;

/** Every subcommand, in the order `flowlens --help` lists them. */
export const COMMANDS: readonly CommandRegistrar[] = [
  registerIngest,
  registerPrint,
  registerIpset,
  registerFindip,
  registerAggregate,
  registerQuery,
  registerInsights,
  registerTestPattern,
  registerReport,
  registerSuggest,
  registerRejects,
  registerAlerts,
  registerWatch,
  registerGraph,
  registerServe,
  registerEnis,
  registerEnrich,
  registerFields,
  registerSources,
  registerExport,
  registerAthena,
  registerClickHouse,
  registerGenerate,
  registerCompletion,
];
