import { FlowlensError, SourceError } from '../../records/index.js';

/** The parts of an SDK v3 service exception flowlens looks at. */
interface AwsErrorShape {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

const CODES: Record<string, { code: string; hint: string }> = {
  AccessDenied: {
    code: 'access-denied',
    hint: 'check the IAM policy (s3:ListBucket, s3:GetObject), the bucket policy and KMS key access, or pass --profile',
  },
  UnauthorizedOperation: {
    code: 'access-denied',
    hint: 'the credentials lack ec2:DescribeFlowLogs in this region; pass --profile or --region',
  },
  AccessDeniedException: {
    code: 'access-denied',
    hint: 'check the IAM policy (logs:FilterLogEvents on the log group) or pass --profile',
  },
  AuthFailure: {
    code: 'bad-credentials',
    hint: 'AWS could not validate the credentials: check them or --profile',
  },
  Forbidden: { code: 'access-denied', hint: 'check the IAM and bucket policies, or pass --profile' },
  NoSuchBucket: {
    code: 'no-such-bucket',
    hint: 'check the bucket name (s3://BUCKET/prefix) and --endpoint-url',
  },
  NoSuchKey: { code: 'not-found', hint: 'the object was deleted after it was listed; run again' },
  NotFound: { code: 'not-found', hint: 'the object was deleted after it was listed; run again' },
  ResourceNotFoundException: {
    code: 'not-found',
    hint: 'check the log group name (cwl://LOG_GROUP), --region and the account of your credentials',
  },
  InvalidAccessKeyId: {
    code: 'bad-credentials',
    hint: 'the access key is unknown to this service: check the credentials or --profile',
  },
  SignatureDoesNotMatch: {
    code: 'bad-credentials',
    hint: 'the secret key does not match: check the credentials or --profile',
  },
  UnrecognizedClientException: {
    code: 'bad-credentials',
    hint: 'the access key is unknown to this service: check the credentials or --profile',
  },
  ExpiredToken: {
    code: 'bad-credentials',
    hint: 'the session token expired: refresh it (e.g. aws sso login)',
  },
  ExpiredTokenException: {
    code: 'bad-credentials',
    hint: 'the session token expired: refresh it (e.g. aws sso login)',
  },
  CredentialsProviderError: {
    code: 'no-credentials',
    hint: 'set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, run aws configure or aws sso login, or pass --profile',
  },
  InvalidParameterException: { code: 'invalid-request', hint: 'check --filter-pattern and --log-streams' },
};

/** What a caller knows about the call that failed: the IAM action it needs, named when access is denied. */
export interface AwsCallInfo {
  permission?: string;
}

/** Turns an SDK error into a SourceError that names what was being read and says what to do. */
export function toSourceError(error: unknown, what: string, call: AwsCallInfo = {}): FlowlensError {
  if (error instanceof FlowlensError) return error;
  const shape = (typeof error === 'object' && error !== null ? error : {}) as AwsErrorShape;
  const name = shape.name ?? shape.code ?? 'Error';
  const status = shape.$metadata?.httpStatusCode;
  const known =
    // A bare 403 (no error code: a proxy, an endpoint policy) says nothing of the service: the generic hint, not S3's.
    CODES[name] ?? (status === 403 ? CODES.Forbidden : status === 404 ? CODES.NotFound : undefined);
  const detail =
    shape.message && shape.message !== name && shape.message !== 'UnknownError' ? `: ${shape.message}` : '';
  const network = (shape as { code?: string }).code;
  if (network && /^E[A-Z]+$/.test(network) && status === undefined) {
    return new SourceError('unreachable', `${what}: cannot reach the service (${shape.message ?? network})`, {
      hint: 'check --endpoint-url, --region and the network; the request was retried before giving up',
      cause: error,
    });
  }
  if (/region is missing/i.test(shape.message ?? '')) {
    return new SourceError('no-region', `${what}: no AWS region configured`, {
      hint: 'pass --region, set AWS_REGION, or use a --profile that has a region',
      cause: error,
    });
  }
  if (call.permission && known?.code === 'access-denied') {
    return new SourceError('access-denied', `${what}: the credentials lack ${call.permission} (${name}${status ? `, HTTP ${status}` : ''})`, {
      hint: `allow ${call.permission} in the IAM policy of these credentials, or pass --profile (and --region)`,
      cause: error,
    });
  }
  return new SourceError(
    known?.code ?? 'aws-error',
    `${what}: ${name}${status ? ` (HTTP ${status})` : ''}${detail}`,
    {
      hint:
        known?.hint ??
        'the service refused or failed the request; run again, or check --endpoint-url and --region',
      cause: error,
    },
  );
}
