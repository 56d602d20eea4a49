import { UsageError } from '../../records/index.js';

/** A parsed CloudWatch Logs source: the log group, how to name it in API calls, and the ARN's region. */
export interface CloudWatchLocation {
  group: string;
  /** logGroupName for `cwl://NAME`, or logGroupIdentifier (the ARN without `:*`) for an ARN. */
  parameter: { logGroupName: string } | { logGroupIdentifier: string };
  region?: string;
}

const ARN = /^arn:(aws[a-z-]*):logs:([a-z0-9-]+):(\d{12}):log-group:(.+?)(:\*)?$/i;

/** True for `cwl://LOG_GROUP` and log-group ARNs. */
export function isCloudWatchUri(uri: string): boolean {
  return /^cwl:\/\//i.test(uri) || /^arn:aws[a-z-]*:logs:/i.test(uri);
}

/** Parses `cwl://LOG_GROUP` (group names may contain `/`, e.g. `cwl:///aws/vpc/flow`) or `arn:aws:logs:REGION:ACCOUNT:log-group:NAME[:*]`. */
export function parseCloudWatchUri(uri: string): CloudWatchLocation {
  if (/^cwl:\/\//i.test(uri)) {
    const group = decodeURIComponent(uri.slice('cwl://'.length));
    if (!/^[\w\-./#]{1,512}$/.test(group)) {
      throw new UsageError(`"${uri}" does not name a log group`, {
        hint: 'write cwl://LOG_GROUP, e.g. cwl://vpc-flow-logs or cwl:///aws/vpc/flow-logs',
      });
    }
    return { group, parameter: { logGroupName: group } };
  }
  const match = ARN.exec(uri);
  if (!match) {
    throw new UsageError(`"${uri}" is not a log group ARN`, {
      hint: 'write arn:aws:logs:REGION:ACCOUNT:log-group:NAME or cwl://LOG_GROUP',
    });
  }
  const group = match[4] as string;
  return {
    group,
    parameter: { logGroupIdentifier: `arn:${match[1]}:logs:${match[2]}:${match[3]}:log-group:${group}` },
    region: match[2] as string,
  };
}
