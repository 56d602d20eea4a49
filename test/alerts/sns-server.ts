import { queryError, startQueryServer, xmlText } from '../helpers/query-server.js';
import type { QueryReply, QueryServer } from '../helpers/query-server.js';

/** One message the fake SNS accepted. */
export interface PublishedMessage {
  topicArn: string;
  subject: string | null;
  message: unknown;
  groupId: string | null;
  deduplicationId: string | null;
  attributes: Record<string, string>;
}

/** What the fake SNS does: which topics exist, failures to answer first, denial. */
export interface FakeSnsOptions {
  topics: string[];
  /** Answer this many Publish calls with InternalError (HTTP 500) before accepting. */
  failures?: number;
  /** Answer every Publish with AuthorizationError (HTTP 403). */
  deny?: boolean;
}

/** A loopback SNS speaking the Query protocol for Publish. */
export interface FakeSns extends QueryServer {
  options: FakeSnsOptions;
  published: PublishedMessage[];
}

/** Starts the fake SNS on 127.0.0.1. */
export async function startFakeSns(options: FakeSnsOptions): Promise<FakeSns> {
  const published: PublishedMessage[] = [];
  const server = await startQueryServer((params) => publish(params, options, published));
  return { ...server, options, published };
}

function publish(params: URLSearchParams, options: FakeSnsOptions, published: PublishedMessage[]): QueryReply {
  if (params.get('Action') !== 'Publish') return queryError(400, 'InvalidAction', `unsupported ${params.get('Action')}`);
  if (options.deny) return queryError(403, 'AuthorizationError', 'User: arn:aws:iam::123456789012:user/test is not authorized to perform: SNS:Publish');
  if ((options.failures ?? 0) > 0) {
    options.failures = (options.failures ?? 0) - 1;
    return queryError(500, 'InternalError', 'Internal error');
  }
  const topicArn = params.get('TopicArn') ?? '';
  if (!options.topics.includes(topicArn)) return queryError(404, 'NotFound', 'Topic does not exist');
  const subject = params.get('Subject');
  // SNS's own checks: a FIFO topic needs a group id, a subject is one line under 100 characters.
  if (topicArn.endsWith('.fifo') && !params.get('MessageGroupId')) return queryError(400, 'InvalidParameter', 'Invalid parameter: The MessageGroupId parameter is required for FIFO topics');
  if (subject !== null && (subject.length >= 100 || /[\r\n]/.test(subject))) return queryError(400, 'InvalidParameter', 'Invalid parameter: Subject');
  const attributes: Record<string, string> = {};
  attributeNames(params).forEach((name, i) => (attributes[name] = params.get(`MessageAttributes.entry.${i + 1}.Value.StringValue`) ?? ''));
  published.push({
    topicArn,
    subject,
    message: JSON.parse(params.get('Message') ?? 'null'),
    groupId: params.get('MessageGroupId'),
    deduplicationId: params.get('MessageDeduplicationId'),
    attributes,
  });
  return {
    status: 200,
    xml: `<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>${xmlText(`msg-${published.length}`)}</MessageId></PublishResult><ResponseMetadata><RequestId>fake-request</RequestId></ResponseMetadata></PublishResponse>`,
  };
}

function attributeNames(params: URLSearchParams): string[] {
  const names: string[] = [];
  for (let i = 1; params.has(`MessageAttributes.entry.${i}.Name`); i++) names.push(params.get(`MessageAttributes.entry.${i}.Name`) ?? '');
  return names;
}
