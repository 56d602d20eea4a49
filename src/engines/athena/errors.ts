import type { QueryExecution } from '@aws-sdk/client-athena';
import { QueryError } from '../../records/index.js';
import { formatBytes } from './cost.js';

/** Turns a FAILED or CANCELLED execution into a QueryError that says why and what to do. */
export function explainAthenaFailure(execution: QueryExecution, sql: string, scanLimitBytes?: number): QueryError {
  const id = execution.QueryExecutionId ?? '?';
  const state = execution.Status?.State ?? 'FAILED';
  const reason = execution.Status?.StateChangeReason ?? execution.Status?.AthenaError?.ErrorMessage ?? 'no reason given';
  const scanned = execution.Statistics?.DataScannedInBytes ?? 0;
  const workgroup = execution.WorkGroup ?? 'primary';
  if (/bytes scanned limit|BytesScannedCutoffPerQuery/i.test(reason)) {
    const limit = scanLimitBytes === undefined ? '' : ` (${formatBytes(scanLimitBytes)})`;
    return new QueryError('athena-scan-limit', `Athena cancelled query ${id}: it scanned ${formatBytes(scanned)} and hit workgroup ${workgroup}'s per-query scan limit${limit} — ${reason}`, {
      sql,
      hint:
        'narrow the query to fewer partitions (--start/--end become year/month/day conditions), or raise the limit: ' +
        `aws athena update-work-group --work-group ${workgroup} --configuration-updates BytesScannedCutoffPerQuery=<bytes>`,
    });
  }
  if (state === 'CANCELLED') {
    return new QueryError('athena-cancelled', `Athena query ${id} was cancelled: ${reason}`, {
      sql,
      hint: 'someone or something called StopQueryExecution (console, another process, a workgroup limit); run it again if that was not intended',
    });
  }
  const error = execution.Status?.AthenaError;
  const category = error?.ErrorCategory === 1 ? 'system' : error?.ErrorCategory === 2 ? 'user' : 'other';
  return new QueryError('athena-failed', `Athena query ${id} failed (${category} error${error?.ErrorType ? ` ${error.ErrorType}` : ''}): ${reason}`, {
    sql,
    hint: hintFor(reason, error?.Retryable === true),
  });
}

function hintFor(reason: string, retryable: boolean): string {
  if (/TABLE_NOT_FOUND|does not exist|not found/i.test(reason)) {
    return 'create the table first: `flowlens athena ddl --location s3://...` prints its CREATE EXTERNAL TABLE (pass --database/--table to match)';
  }
  if (/injected/i.test(reason)) return 'the table projects an injected partition: add an equality condition on it (e.g. aws_account = \'123456789012\'), or recreate it with --accounts/--regions';
  if (/HIVE_BAD_DATA|HIVE_CURSOR_ERROR|schema mismatch|HIVE_PARTITION_SCHEMA_MISMATCH/i.test(reason)) {
    return 'the files do not match the table: recreate it with `flowlens athena ddl --log-format` naming the fields the files hold';
  }
  if (/Access Denied|AccessDenied/i.test(reason)) return 'check s3:GetObject/ListBucket on the data and s3:PutObject on the result location (--output)';
  if (retryable) return 'Athena marks this error retryable: run the query again';
  return 'see the reason above; run with --sql to print the statement and try it in the Athena console';
}
