import type { LiveEniScope, NameTable } from '../graph/index.js';
import type { Store } from '../store/index.js';
import type { CliContext } from './context.js';
import { writeErr } from './context.js';
import type { ReadingOptions } from './options.js';

/** Names ENIs live (`--enis-live`) from the selected flows' VPCs or ENIs, noting on stderr how many interfaces AWS described. */
export async function lookUpEnis(
  context: CliContext,
  store: Store,
  scope: LiveEniScope,
  options: Pick<ReadingOptions, 'profile' | 'region' | 'endpointUrl'>,
  where?: string,
): Promise<NameTable> {
  const { loadLiveNetworkInterfaces } = await import('../graph/index.js');
  const aws = { profile: options.profile, region: options.region, endpointUrl: options.endpointUrl };
  const live = await loadLiveNetworkInterfaces(store, scope, aws, where);
  const filter = live.scope.filter ? ` (filter ${live.scope.filter}: ${live.scope.values?.length ?? 0} values)` : ' (all in the region)';
  writeErr(context, `enis: ${live.interfaces} network interfaces described${filter}, ${live.names.enis.size} named`);
  return live.names;
}
