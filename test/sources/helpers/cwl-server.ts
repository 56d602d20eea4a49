import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A log event the fake service holds. */
export interface FakeEvent {
  logStreamName: string;
  timestamp: number;
  message: string;
  eventId: string;
}

/** A FilterLogEvents request the fake service received. */
export interface FilterRequest {
  logGroupName?: string;
  logGroupIdentifier?: string;
  startTime?: number;
  endTime?: number;
  logStreamNames?: string[];
  filterPattern?: string;
  nextToken?: string;
}

/** What the fake service does: events per group, page size, throttling and empty pages to send first. */
export interface FakeLogsOptions {
  pageSize?: number;
  /** Answer this many requests with ThrottlingException before serving. */
  throttle?: number;
  /** Start every listing with an empty page that still carries a nextToken, as the service may. */
  emptyFirstPage?: boolean;
  /** The port to listen on (default: any free port). */
  port?: number;
  /** Flow log configurations for EC2 DescribeFlowLogs (Query protocol, XML); undefined answers UnauthorizedOperation. */
  flowLogs?: Record<string, string | number>[];
}

/** A loopback HTTP server speaking the CloudWatch Logs JSON 1.1 protocol for FilterLogEvents. */
export interface FakeLogsServer {
  endpoint: string;
  groups: Map<string, FakeEvent[]>;
  requests: FilterRequest[];
  options: FakeLogsOptions;
  addEvents(group: string, stream: string, events: { timestamp: number; message: string }[]): void;
  stop(): Promise<void>;
}

let nextEventId = 1;

/** Starts the fake CloudWatch Logs service on 127.0.0.1. */
export async function startFakeLogs(options: FakeLogsOptions = {}): Promise<FakeLogsServer> {
  const groups = new Map<string, FakeEvent[]>();
  const requests: FilterRequest[] = [];
  const state: FakeLogsServer = {
    endpoint: '',
    groups,
    requests,
    options,
    addEvents(group, stream, events) {
      const list = groups.get(group) ?? [];
      for (const event of events)
        list.push({ logStreamName: stream, eventId: String(nextEventId++).padStart(56, '0'), ...event });
      // The service returns events of all streams interleaved in time order.
      list.sort((a, b) => a.timestamp - b.timestamp || a.eventId.localeCompare(b.eventId));
      groups.set(group, list);
    },
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const server = createServer((req, res) => void handle(req, res, state));
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  state.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return state;
}

async function handle(req: IncomingMessage, res: ServerResponse, state: FakeLogsServer): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const target = req.headers['x-amz-target'];
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.startsWith('Action=DescribeFlowLogs')) return describeFlowLogs(res, state);
  if (target === 'Logs_20140328.DescribeLogGroups')
    return describeLogGroups(
      res,
      state,
      JSON.parse(text) as { logGroupNamePrefix?: string; nextToken?: string },
    );
  if (target !== 'Logs_20140328.FilterLogEvents')
    return reply(res, 400, { __type: 'UnknownOperationException', message: `unsupported ${String(target)}` });
  const body = JSON.parse(text || '{}') as FilterRequest;
  state.requests.push(body);
  if ((state.options.throttle ?? 0) > 0) {
    state.options.throttle = (state.options.throttle ?? 0) - 1;
    return reply(res, 400, { __type: 'ThrottlingException', message: 'Rate exceeded' });
  }
  const name =
    body.logGroupName ?? body.logGroupIdentifier?.replace(/^arn:[^:]+:logs:[^:]+:\d+:log-group:/, '');
  const events = name === undefined ? undefined : state.groups.get(name);
  if (!events)
    return reply(res, 400, {
      __type: 'ResourceNotFoundException',
      message: 'The specified log group does not exist.',
    });
  const matching = events.filter(
    (event) =>
      (body.startTime === undefined || event.timestamp >= body.startTime) &&
      (body.endTime === undefined || event.timestamp <= body.endTime) &&
      (!body.logStreamNames || body.logStreamNames.includes(event.logStreamName)) &&
      matchesPattern(event.message, body.filterPattern),
  );
  if (state.options.emptyFirstPage && body.nextToken === undefined)
    return reply(res, 200, { events: [], searchedLogStreams: [], nextToken: 'offset:0' });
  const offset = body.nextToken ? Number(body.nextToken.slice('offset:'.length)) : 0;
  const size = state.options.pageSize ?? 10_000;
  const page = matching
    .slice(offset, offset + size)
    .map((event) => ({ ...event, ingestionTime: event.timestamp + 60_000 }));
  const next = offset + size < matching.length ? `offset:${offset + size}` : undefined;
  reply(res, 200, { events: page, searchedLogStreams: [], ...(next ? { nextToken: next } : {}) });
}

function describeLogGroups(
  res: ServerResponse,
  state: FakeLogsServer,
  body: { logGroupNamePrefix?: string; nextToken?: string },
): void {
  const names = [...state.groups.keys()]
    .filter((name) => name.startsWith(body.logGroupNamePrefix ?? ''))
    .sort();
  // One group per page, to exercise pagination.
  const index = body.nextToken ? Number(body.nextToken) : 0;
  const name = names[index];
  const logGroups =
    name === undefined
      ? []
      : [
          {
            logGroupName: name,
            storedBytes: 1000 * (index + 1),
            creationTime: Date.UTC(2024, 0, 1),
            arn: `arn:aws:logs:us-east-1:123456789012:log-group:${name}:*`,
          },
        ];
  reply(res, 200, { logGroups, ...(index + 1 < names.length ? { nextToken: String(index + 1) } : {}) });
}

function describeFlowLogs(res: ServerResponse, state: FakeLogsServer): void {
  if (!state.options.flowLogs) {
    res.writeHead(403, { 'content-type': 'text/xml' });
    res.end(
      '<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>UnauthorizedOperation</Code><Message>You are not authorized to perform this operation.</Message></Error></Errors><RequestID>fake</RequestID></Response>',
    );
    return;
  }
  const items = state.options.flowLogs.map(
    (flowLog) =>
      `<item>${Object.entries(flowLog)
        .map(([k, v]) => `<${k}>${String(v).replaceAll('&', '&amp;').replaceAll('<', '&lt;')}</${k}>`)
        .join('')}</item>`,
  );
  res.writeHead(200, { 'content-type': 'text/xml' });
  res.end(
    `<?xml version="1.0" encoding="UTF-8"?><DescribeFlowLogsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>fake</requestId><flowLogSet>${items.join('')}</flowLogSet></DescribeFlowLogsResponse>`,
  );
}

/** A small part of the filter-pattern syntax: `[a, b="x", ...]` by position, else terms that must all appear. */
function matchesPattern(message: string, pattern: string | undefined): boolean {
  if (!pattern) return true;
  const tokens = message.trim().split(/\s+/);
  if (pattern.startsWith('[')) {
    return pattern
      .slice(1, -1)
      .split(',')
      .every((entry, i) => {
        const [, value] = entry.trim().split('=');
        return value === undefined || tokens[i] === value.replaceAll('"', '');
      });
  }
  return pattern.split(/\s+/).every((term) => message.includes(term.replaceAll('"', '')));
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': 'fake-request' });
  res.end(JSON.stringify(body));
}
