import type { PublishCommand, PublishCommandInput, SNSClient } from '@aws-sdk/client-sns';
import { FlowlensError } from '../records/index.js';
import { buildAwsClientConfig, isTransientError } from '../sources/index.js';
import type { AttemptFailure } from './retry.js';
import { MAX_SNS_SUBJECT } from './rules-schema.js';
import type { NotifierConfig } from './rules-schema.js';
import type { AlertEvent } from './types.js';

/** The command line's AWS settings: --profile, --region and --endpoint-url. */
export interface AwsConnection {
  profile?: string | undefined;
  region?: string | undefined;
  endpointUrl?: string | undefined;
}

/** An SNS topic that takes alert events: one Publish per call, the retries left to the caller. */
export interface SnsTopic {
  publish(event: AlertEvent, message: string): Promise<AttemptFailure | undefined>;
  close(): void;
}

type SnsConfig = Extract<NotifierConfig, { type: 'sns' }>;

/**
 * Connects (lazily, on the first event) to the topic's SNS with the shared client settings: the notifier's
 * region, else the topic ARN's; its endpointUrl, else --endpoint-url; --profile's or the default credentials.
 * The SDK does not retry (maxAttempts 1): the notifier's retries and retryDelay apply, as for webhooks.
 */
export function createSnsTopic(config: SnsConfig, aws: AwsConnection): SnsTopic {
  let connection: Promise<{ client: SNSClient; Publish: typeof PublishCommand }> | undefined;
  const connect = async (): Promise<{ client: SNSClient; Publish: typeof PublishCommand }> => {
    const { SNSClient, PublishCommand } = await import('@aws-sdk/client-sns');
    const settings = await buildAwsClientConfig(
      { profile: aws.profile, region: config.region ?? topicRegion(config.topicArn), endpointUrl: config.endpointUrl ?? aws.endpointUrl },
      { maxAttempts: 1, retryMode: 'standard' },
    );
    return { client: new SNSClient(settings), Publish: PublishCommand };
  };
  return {
    async publish(event, message) {
      try {
        connection ??= connect();
        const { client, Publish } = await connection;
        await client.send(new Publish(buildPublishInput(config, event, message)), { abortSignal: AbortSignal.timeout(config.timeout * 1000) });
        return undefined;
      } catch (error) {
        return describePublishError(error, config.timeout);
      }
    },
    close() {
      void connection?.then(({ client }) => client.destroy()).catch(() => undefined);
    },
  };
}

/**
 * The Publish request for one event: the alert JSON as Message, a Subject (the configured one, else one line
 * per event), message attributes for subscription filter policies, and for FIFO topics (ARN ending .fifo) the
 * event id as MessageDeduplicationId (a repeat within SNS's 5-minute window is dropped) and the alarm or
 * detection as MessageGroupId (its events arrive in order).
 */
export function buildPublishInput(config: Pick<SnsConfig, 'topicArn' | 'subject'>, event: AlertEvent, message: string): PublishCommandInput {
  const input: PublishCommandInput = {
    TopicArn: config.topicArn,
    Message: message,
    Subject: config.subject ?? renderSnsSubject(event),
    MessageAttributes: {
      kind: { DataType: 'String', StringValue: event.kind },
      ...(event.kind === 'alarm'
        ? { alarmName: { DataType: 'String', StringValue: event.alarmName }, state: { DataType: 'String', StringValue: event.state } }
        : { detection: { DataType: 'String', StringValue: event.detection }, severity: { DataType: 'Number', StringValue: String(event.severity) } }),
    },
  };
  if (config.topicArn.endsWith('.fifo')) {
    input.MessageDeduplicationId = event.id;
    input.MessageGroupId = toGroupId(event.kind === 'alarm' ? `alarm:${event.alarmName}` : `finding:${event.detection}`);
  }
  return input;
}

/** A one-line subject of at most 99 characters: `ALARM: "name" (OK -> ALARM)` or `Finding TYPE (Low 2): actor -> target`. */
export function renderSnsSubject(event: AlertEvent): string {
  const text =
    event.kind === 'alarm'
      ? `${event.state}: "${event.alarmName}" (${event.previousState} -> ${event.state})`
      : `Finding ${event.type} (${event.severityLabel} ${event.severity}): ${event.actor.address}${event.target.address ? ` -> ${event.target.address}` : ''}`;
  // eslint-disable-next-line no-control-regex
  const chars = [...text.replace(/[\u0000-\u001f\u007f]+/g, ' ')];
  return chars.length <= MAX_SNS_SUBJECT ? chars.join('') : `${chars.slice(0, MAX_SNS_SUBJECT - 3).join('')}...`;
}

/** The region in an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME). */
export function topicRegion(topicArn: string): string | undefined {
  return topicArn.split(':')[3] || undefined;
}

// MessageGroupId: up to 128 letters, digits and punctuation (SNS Publish API).
function toGroupId(text: string): string {
  return text.replace(/[^\x21-\x7e]/g, '_').slice(0, 128);
}

function describePublishError(error: unknown, timeout: number): AttemptFailure {
  if (error instanceof FlowlensError) return { message: error.message, retryable: false, hint: error.hint };
  const shape = (typeof error === 'object' && error !== null ? error : {}) as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const name = shape.name ?? 'Error';
  if (name === 'AbortError' || name === 'TimeoutError') return { message: `no answer within ${timeout}s`, retryable: true };
  const status = shape.$metadata?.httpStatusCode;
  const detail = shape.message && shape.message !== name && shape.message !== 'UnknownError' ? `: ${shape.message}` : '';
  return {
    message: `${name}${status ? ` (HTTP ${status})` : ''}${detail}`,
    retryable: isTransientError(error) || /throttl/i.test(name),
    // The SDK names modeled errors after their shapes (AuthorizationErrorException for code AuthorizationError).
    hint: HINTS[name.replace(/Exception$/, '')] ?? (status === 403 ? HINTS.AuthorizationError : undefined),
  };
}

const HINTS: Record<string, string> = {
  AuthorizationError: 'allow sns:Publish on the topic for these credentials (or pass --profile); an encrypted topic also needs kms:GenerateDataKey* and kms:Decrypt',
  NotFound: 'check topicArn and region: no such topic there',
  InvalidParameter: 'SNS refused the request: check topicArn (a FIFO topic ends with .fifo) and subject',
  KMSAccessDenied: 'allow these credentials to use the topic\'s KMS key',
  CredentialsProviderError: 'set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, run aws configure or aws sso login, or pass --profile',
};
