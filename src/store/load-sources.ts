import type { LogFormat, LogTypeChoice, ParseIssue } from '../parse/index.js';
import { parseFormatString } from '../parse/index.js';
import type { RecordSelection } from '../query/selection.js';
import { selectionToPredicate } from '../query/selection.js';
import type { SourceError } from '../records/index.js';
import { resolveSource } from '../sources/index.js';
import type { SourceOptions, SourceUnit } from '../sources/types.js';
import { createStoreCursors } from './cursors.js';
import type { Store } from './database.js';
import { ingestSources } from './ingest.js';
import type { IngestProgress, IngestSummary } from './ingest.js';
import { refreshRollups } from './rollups.js';

/** Options of ingest: how to reach the SOURCEs, which records to keep, the log type, and the progress callbacks. */
export interface IngestSourcesOptions extends Omit<SourceOptions, 'cursors'> {
  /** The format of header-less lines, AWS syntax (`${version} ${srcaddr} …`); default the v2 format. */
  logFormat?: string | LogFormat | undefined;
  /** Keep only these records (time window, action, filter pattern); the window also narrows S3 listing. */
  selection?: RecordSelection | undefined;
  /** vpc (default), s3-access, cloudtrail or auto (each unit detected; S3 access and CloudTrail rows go to their tables). */
  logType?: LogTypeChoice | undefined;
  /** Stop at the first bad line (default: count bad lines, keep them in the rejects table, go on). */
  strict?: boolean | undefined;
  /** Bring the query rollups up to date afterwards (default true). */
  rollups?: boolean | undefined;
  /** Called after every batch with units, bytes and records so far. */
  onProgress?: ((progress: IngestProgress) => void) | undefined;
  /** Called with every bad line. */
  onIssue?: ((issue: ParseIssue) => void) | undefined;
  /** Called when a unit cannot be read; the unit is left out and ingest goes on (without it, the error ends the ingest). */
  onUnitError?: ((unit: SourceUnit, error: SourceError) => void) | undefined;
}

/**
 * Stores the records of SOURCEs (files, folders, `-`, `s3://…`, `cwl://…`) in the store, once per file, object or
 * CloudWatch event (re-running adds no duplicates), then brings the query rollups up to date.
 */
export async function ingest(store: Store, sources: string | readonly string[], options: IngestSourcesOptions = {}): Promise<IngestSummary & { rollupUnits: number }> {
  const { logFormat, selection = {}, logType, strict, rollups = true, onProgress, onIssue, onUnitError, ...sourceOptions } = options;
  const resolved = await Promise.all((typeof sources === 'string' ? [sources] : sources).map((uri) => resolveSource(uri, { ...sourceOptions, cursors: createStoreCursors(store, selection.action ? `action=${selection.action}` : undefined) })));
  const withRollups = rollups && (logType === undefined || logType === 'vpc' || logType === 'auto');
  const summary = await ingestSources(store, resolved, {
    format: typeof logFormat === 'string' ? parseFormatString(logFormat) : logFormat,
    strict,
    filter: await selectionToPredicate(selection),
    list: { start: selection.start, end: selection.end },
    logType,
    onProgress,
    onIssue,
    onUnitError,
    rollups: withRollups,
  });
  const rollupUnits = summary.rollupUnits + (withRollups ? await refreshRollups(store) : 0);
  return { ...summary, rollupUnits };
}
