/**
 * What an S3 key says about the flow logs below it, from the layouts AWS writes
 * (https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-s3-path.html):
 *   prefix/AWSLogs/{account}/vpcflowlogs/{region}/YYYY/MM/DD[/HH]/{account}_vpcflowlogs_{region}_{id}_{YYYYMMDDTHHmmZ}_{hash}.log.gz
 *   prefix/AWSLogs/aws-account-id={account}/aws-service=vpcflowlogs/aws-region={region}/year=YYYY/month=MM/day=DD[/hour=HH]/…
 * and, for other layouts, any YYYY/MM/DD[/HH] run of folders.
 */
export interface KeyFacts {
  account?: string;
  service?: string;
  region?: string;
  year?: number;
  month?: number;
  day?: number;
  hour?: number;
  /** The time in the AWS file name (epoch seconds). */
  fileTime?: number;
}

/** What to keep: a record-time window (epoch seconds) and account/region lists. */
export interface KeyFilter {
  start?: number | undefined;
  end?: number | undefined;
  accounts?: readonly string[] | undefined;
  regions?: readonly string[] | undefined;
  /** The AWSLogs service folders kept (default: vpcflowlogs). */
  services?: readonly string[] | undefined;
}

/**
 * How far a key's date may be from its records' `start`: files hold the records of the previous
 * minutes and may be delivered late, so partitions are widened by an hour on both sides.
 */
export const KEY_TIME_SLACK_SECONDS = 3600;

const HIVE_NAMES: Record<string, keyof KeyFacts> = {
  'aws-account-id': 'account',
  'aws-service': 'service',
  'aws-region': 'region',
  year: 'year',
  month: 'month',
  day: 'day',
  hour: 'hour',
};
const DATE_PARTS = ['year', 'month', 'day', 'hour'] as const;
const FILE_NAME = /^(\d{12})_vpcflowlogs_([a-z0-9-]+)_[^_]+_(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})Z_/;

/** Reads the facts of a key or of a listing prefix (only complete `/`-terminated folders count; for an object key the file name too). */
export function parseKeyFacts(key: string): KeyFacts {
  const segments = key.split('/');
  const fileName = segments.pop() ?? '';
  const facts: KeyFacts = {};
  let awsLogsAt = -1;
  let datePart = -1; // index into DATE_PARTS of the last positional date folder, -1 before the year
  segments.forEach((segment, index) => {
    const equals = segment.indexOf('=');
    if (equals > 0) {
      const name = HIVE_NAMES[segment.slice(0, equals).toLowerCase()];
      if (name) assign(facts, name, segment.slice(equals + 1));
      return;
    }
    if (segment === 'AWSLogs' && awsLogsAt < 0) {
      awsLogsAt = index;
      return;
    }
    const offset = awsLogsAt >= 0 ? index - awsLogsAt : -1;
    if (offset === 1 && facts.account === undefined) facts.account = segment;
    else if (offset === 2 && facts.service === undefined) facts.service = segment;
    else if (offset === 3 && facts.region === undefined) facts.region = segment;
    else if (datePart < 0 && facts.year === undefined && /^\d{4}$/.test(segment)) {
      facts.year = Number(segment);
      datePart = 0;
    } else if (datePart >= 0 && datePart < 3 && /^\d{2}$/.test(segment)) {
      datePart++;
      facts[DATE_PARTS[datePart] as 'month' | 'day' | 'hour'] = Number(segment);
    } else if (datePart >= 0) datePart = 4; // a non-date folder after the date ends the run
  });
  const match = FILE_NAME.exec(fileName);
  if (match) {
    facts.account ??= match[1] as string;
    facts.region ??= match[2] as string;
    facts.fileTime =
      Date.UTC(Number(match[3]), Number(match[4]) - 1, Number(match[5]), Number(match[6]), Number(match[7])) /
      1000;
  }
  return facts;
}

/** The range of record start times (epoch seconds) a key's date allows, widened by the slack; undefined when the key has no date. */
export function keyTimeRange(facts: KeyFacts): { from: number; to: number } | undefined {
  if (facts.fileTime !== undefined)
    return { from: facts.fileTime - KEY_TIME_SLACK_SECONDS, to: facts.fileTime + KEY_TIME_SLACK_SECONDS };
  if (facts.year === undefined) return undefined;
  const parts = [facts.year, (facts.month ?? 1) - 1, facts.day ?? 1, facts.hour ?? 0];
  const unit = facts.hour !== undefined ? 3 : facts.day !== undefined ? 2 : facts.month !== undefined ? 1 : 0;
  const next = [...parts];
  next[unit] = (next[unit] as number) + 1;
  const from = Date.UTC(parts[0] as number, parts[1] as number, parts[2], parts[3]) / 1000;
  const to = Date.UTC(next[0] as number, next[1] as number, next[2], next[3]) / 1000;
  return { from: from - KEY_TIME_SLACK_SECONDS, to: to + KEY_TIME_SLACK_SECONDS };
}

/** True when nothing under a key or prefix with these facts can match the filter (wrong account, region, service or date). */
export function isExcluded(facts: KeyFacts, filter: KeyFilter): boolean {
  if (facts.service !== undefined && !(filter.services ?? ['vpcflowlogs']).includes(facts.service))
    return true;
  if (filter.accounts?.length && facts.account !== undefined && !filter.accounts.includes(facts.account))
    return true;
  if (filter.regions?.length && facts.region !== undefined && !filter.regions.includes(facts.region))
    return true;
  const range = keyTimeRange(facts);
  if (range && filter.start !== undefined && range.to <= filter.start) return true;
  if (range && filter.end !== undefined && range.from >= filter.end) return true;
  return false;
}

/**
 * True when listing one folder level deeper may still prune something: the service, or an account,
 * region or day the filter asks about, is not known yet. Otherwise the rest is listed flat.
 */
export function needsDeeperListing(facts: KeyFacts, filter: KeyFilter): boolean {
  const dated = facts.year !== undefined;
  if (!dated && facts.service === undefined) return true;
  if ((filter.start !== undefined || filter.end !== undefined) && facts.day === undefined) return true;
  if (filter.accounts?.length && facts.account === undefined && !dated) return true;
  if (filter.regions?.length && facts.region === undefined && !dated) return true;
  return false;
}

/** True for keys that are not flow-log files: folder markers and hidden or bookkeeping files (`.x`, `_SUCCESS`). */
export function isIgnoredKey(key: string): boolean {
  if (key.endsWith('/')) return true;
  const name = key.slice(key.lastIndexOf('/') + 1);
  return name.startsWith('.') || name.startsWith('_');
}

function assign(facts: KeyFacts, name: keyof KeyFacts, value: string): void {
  if (name === 'account' || name === 'service' || name === 'region') facts[name] = value;
  else if (/^\d+$/.test(value)) facts[name] = Number(value);
}
