import { z } from 'zod';
import { FlowlensError } from '../records/index.js';
import type { BuildGraphOptions } from '../graph/build-graph.js';
import { parseNodeMode } from '../graph/node-mode.js';
import { parsePorts, parseProtocols } from '../graph/filters.js';
import { parseAsNames, parseAsns, parseAwsServices, parseCountries } from '../graph/enrichment-filter.js';
import type { NameTable } from '../graph/names.js';
import { selectionToSql } from '../query/selection.js';

/** The most edges one /api/graph answer may hold. */
export const MAX_EDGES = 200_000;

const integer = z.coerce.number().int();
const querySchema = z.object({
  start: integer.optional(),
  end: integer.optional(),
  action: z.enum(['ACCEPT', 'REJECT']).optional(),
  protocol: z.string().optional(),
  port: z.string().optional(),
  asn: z.string().optional(),
  asName: z.string().optional(),
  country: z.string().optional(),
  awsService: z.string().optional(),
  node: z.string().optional(),
  public: z.enum(['keep', 'group']).optional(),
  minFlows: z.coerce.number().min(0).optional(),
  minWeight: z.coerce.number().min(0).optional(),
  top: integer.min(1).max(MAX_EDGES).optional(),
  weight: z.enum(['flows', 'bytes', 'packets']).optional(),
  pseudonymize: z.enum(['0', '1', 'true', 'false']).optional(),
});

/** Parsed request filters: graph build options (without names/pseudonymizer) and whether to pseudonymize. */
export interface ParsedQuery {
  options: BuildGraphOptions;
  pseudonymize: boolean | undefined;
}

/**
 * Validates request parameters (query string values, empty ones dropped) or a JSON body with a zod schema;
 * a bad value is a 400 `bad-request` naming the parameter, with `hint`, and `end` must come after `start`.
 */
export function parseParams<S extends z.ZodType>(schema: S, input: unknown, hint: string, what: 'parameter' | 'field' = 'parameter'): z.infer<S> {
  const present = input !== null && typeof input === 'object' && what === 'parameter'
    ? Object.fromEntries(Object.entries(input).filter(([, v]) => v !== ''))
    : input;
  const parsed = schema.safeParse(present);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new FlowlensError('bad-request', `${what} ${issue?.path.join('.') || '?'}: ${issue?.message ?? 'invalid'}`, { hint });
  }
  const data = parsed.data as { start?: unknown; end?: unknown };
  if (typeof data.start === 'number' && typeof data.end === 'number' && data.end <= data.start) throw new FlowlensError('bad-request', 'end is not after start');
  return parsed.data;
}

/** Defaults the page starts from (and the API uses when a parameter is absent). */
export const QUERY_DEFAULTS = { node: 'ip', public: 'group', top: 5000, weight: 'flows' } as const;

/** Validates query parameters into graph options; a bad value is a 400 with code `bad-request`. */
export async function parseQuery(params: Record<string, string>, names: NameTable | undefined): Promise<ParsedQuery> {
  const q = parseParams(querySchema, params, 'see docs/graph.md (JSON API) for the parameters and their values');
  try {
    const options: BuildGraphOptions = {
      where: await selectionToSql({ start: q.start, end: q.end, action: q.action }),
      node: parseNodeMode(q.node ?? QUERY_DEFAULTS.node),
      publicMode: q.public ?? QUERY_DEFAULTS.public,
      protocols: q.protocol === undefined ? undefined : parseProtocols(q.protocol, 'protocol'),
      ports: q.port === undefined ? undefined : parsePorts(q.port, 'port'),
      asns: q.asn === undefined ? undefined : parseAsns(q.asn, 'asn'),
      asNames: q.asName === undefined ? undefined : parseAsNames(q.asName, 'asName'),
      countries: q.country === undefined ? undefined : parseCountries(q.country, 'country'),
      awsServices: q.awsService === undefined ? undefined : parseAwsServices(q.awsService, 'awsService'),
      minFlows: q.minFlows,
      minWeight: q.minWeight,
      top: q.top ?? QUERY_DEFAULTS.top,
      weight: q.weight ?? QUERY_DEFAULTS.weight,
      names,
    };
    return { options, pseudonymize: q.pseudonymize === undefined ? undefined : q.pseudonymize === '1' || q.pseudonymize === 'true' };
  } catch (error) {
    if (error instanceof FlowlensError && error.code === 'usage') throw new FlowlensError('bad-request', error.message, { hint: error.hint, cause: error });
    throw error;
  }
}
