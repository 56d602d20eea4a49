import { createServer } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the fake received: which protocol and operation, its headers and decoded parameters. */
export interface ReceivedCall {
  protocol: 'json-1.1' | 'json-1.0' | 'query';
  operation: string;
  headers: IncomingHttpHeaders;
  /** JSON body (JSON protocols) or form parameters as an object (Query). */
  params: Record<string, unknown>;
}

/** What the fake holds and how it answers: existing log groups, topics, and operations to deny. */
export interface FakeCloudWatchOptions {
  logGroups: string[];
  /** Operations answered with AccessDenied (HTTP 400, as the JSON services do). */
  deny?: string[];
}

/** A loopback endpoint speaking CloudWatch Logs (JSON 1.1), CloudWatch (JSON 1.0, or Query) and SNS (Query). */
export interface FakeCloudWatch {
  endpoint: string;
  calls: ReceivedCall[];
  metricFilters: Map<string, Record<string, unknown>>;
  alarms: Map<string, Record<string, unknown>>;
  topics: Map<string, string>;
  stop(): Promise<void>;
}

const ACCOUNT = '123456789012';

/**
 * Starts the fake on 127.0.0.1. Like the services, PutMetricFilter and PutMetricAlarm replace by name,
 * PutMetricFilter needs an existing log group, and CreateTopic returns the same ARN for the same name.
 */
export async function startFakeCloudWatch(options: FakeCloudWatchOptions): Promise<FakeCloudWatch> {
  const state = { calls: [] as ReceivedCall[], metricFilters: new Map<string, Record<string, unknown>>(), alarms: new Map<string, Record<string, unknown>>(), topics: new Map<string, string>() };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const type = String(req.headers['content-type'] ?? '');
      const target = String(req.headers['x-amz-target'] ?? '');
      let reply: { status: number; type: string; body: string };
      if (type.startsWith('application/x-amz-json-1.1') && target.startsWith('Logs_20140328.')) {
        const call: ReceivedCall = { protocol: 'json-1.1', operation: target.slice('Logs_20140328.'.length), headers: req.headers, params: JSON.parse(body) as Record<string, unknown> };
        state.calls.push(call);
        reply = json('1.1', logs(call, options, state));
      } else if (type.startsWith('application/x-amz-json-1.0') && target.startsWith('GraniteServiceVersion20100801.')) {
        const call: ReceivedCall = { protocol: 'json-1.0', operation: target.slice('GraniteServiceVersion20100801.'.length), headers: req.headers, params: JSON.parse(body) as Record<string, unknown> };
        state.calls.push(call);
        reply = json('1.0', cloudwatch(call, options, state));
      } else if (type.startsWith('application/x-www-form-urlencoded')) {
        const params = Object.fromEntries(new URLSearchParams(body));
        const call: ReceivedCall = { protocol: 'query', operation: String(params.Action), headers: req.headers, params };
        state.calls.push(call);
        reply = sns(call, options, state);
      } else {
        reply = { status: 400, type: 'text/plain', body: `unexpected request ${type} ${target}` };
      }
      res.writeHead(reply.status, { 'content-type': reply.type, 'x-amzn-requestid': 'fake-request' });
      res.end(reply.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    ...state,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

type JsonReply = { status: number; body: Record<string, unknown> };

function logs(call: ReceivedCall, options: FakeCloudWatchOptions, state: { metricFilters: Map<string, Record<string, unknown>> }): JsonReply {
  if (call.operation !== 'PutMetricFilter') return error(400, 'InvalidOperationException', `unsupported ${call.operation}`);
  if (options.deny?.includes(call.operation)) return error(400, 'AccessDeniedException', 'User is not authorized to perform: logs:PutMetricFilter');
  const group = String(call.params.logGroupName);
  if (!options.logGroups.includes(group)) return error(400, 'ResourceNotFoundException', 'The specified log group does not exist.');
  state.metricFilters.set(`${group}/${String(call.params.filterName)}`, call.params);
  return { status: 200, body: {} };
}

function cloudwatch(call: ReceivedCall, options: FakeCloudWatchOptions, state: { alarms: Map<string, Record<string, unknown>> }): JsonReply {
  if (call.operation !== 'PutMetricAlarm') return error(400, 'InvalidAction', `unsupported ${call.operation}`);
  if (options.deny?.includes(call.operation)) return error(403, 'AccessDenied', 'User is not authorized to perform: cloudwatch:PutMetricAlarm');
  state.alarms.set(String(call.params.AlarmName), call.params);
  return { status: 200, body: {} };
}

function sns(call: ReceivedCall, options: FakeCloudWatchOptions, state: { topics: Map<string, string> }): { status: number; type: string; body: string } {
  if (call.operation !== 'CreateTopic' || options.deny?.includes('CreateTopic')) {
    return { status: 403, type: 'text/xml', body: '<ErrorResponse><Error><Type>Sender</Type><Code>AuthorizationError</Code><Message>not authorized</Message></Error></ErrorResponse>' };
  }
  const name = String(call.params.Name);
  const arn = state.topics.get(name) ?? `arn:aws:sns:us-east-1:${ACCOUNT}:${name}`;
  state.topics.set(name, arn);
  return {
    status: 200,
    type: 'text/xml',
    body: `<CreateTopicResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><CreateTopicResult><TopicArn>${arn}</TopicArn></CreateTopicResult><ResponseMetadata><RequestId>fake</RequestId></ResponseMetadata></CreateTopicResponse>`,
  };
}

function json(version: '1.0' | '1.1', reply: JsonReply): { status: number; type: string; body: string } {
  return { status: reply.status, type: `application/x-amz-json-${version}`, body: JSON.stringify(reply.body) };
}

function error(status: number, code: string, message: string): JsonReply {
  return { status, body: { __type: code, message } };
}
