import { ec2Error, listParam, startQueryServer, toEc2Xml, xmlText } from '../../helpers/query-server.js';
import type { QueryReply, QueryServer } from '../../helpers/query-server.js';

/** What the fake EC2 does: its interfaces (CLI JSON shape), page size, throttled calls to answer first, denial. */
export interface FakeEc2Options {
  interfaces: Record<string, unknown>[];
  pageSize?: number;
  /** Answer this many calls with RequestLimitExceeded (HTTP 503) before serving. */
  throttle?: number;
  /** Answer every call with UnauthorizedOperation (HTTP 403). */
  deny?: boolean;
}

/** A loopback EC2 speaking the Query protocol for DescribeNetworkInterfaces (filters network-interface-id and vpc-id, nextToken pages). */
export interface FakeEc2 extends QueryServer {
  options: FakeEc2Options;
  /** The DescribeNetworkInterfaces calls served or refused, as filter values by name plus the token. */
  calls(): { filters: Record<string, string[]>; nextToken: string | null; maxResults: string | null }[];
}

/** Starts the fake EC2 on 127.0.0.1. */
export async function startFakeEc2(options: FakeEc2Options): Promise<FakeEc2> {
  const server = await startQueryServer((params) => describe(params, options));
  return {
    ...server,
    options,
    calls: () =>
      server.requests
        .filter((params) => params.get('Action') === 'DescribeNetworkInterfaces')
        .map((params) => ({ filters: filtersOf(params), nextToken: params.get('NextToken'), maxResults: params.get('MaxResults') })),
  };
}

function describe(params: URLSearchParams, options: FakeEc2Options): QueryReply {
  if (params.get('Action') !== 'DescribeNetworkInterfaces') return ec2Error(400, 'InvalidAction', `unsupported ${params.get('Action')}`);
  if (options.deny) return ec2Error(403, 'UnauthorizedOperation', 'You are not authorized to perform this operation.');
  if ((options.throttle ?? 0) > 0) {
    options.throttle = (options.throttle ?? 0) - 1;
    return ec2Error(503, 'RequestLimitExceeded', 'Request limit exceeded.');
  }
  const filters = filtersOf(params);
  const matching = options.interfaces.filter((eni) =>
    Object.entries(filters).every(([name, values]) => values.includes(String(eni[FILTER_FIELDS[name] ?? name] ?? ''))),
  );
  const offset = Number(params.get('NextToken') ?? 0);
  const size = options.pageSize ?? 1000;
  const next = offset + size < matching.length ? `<nextToken>${xmlText(offset + size)}</nextToken>` : '';
  const items = matching.slice(offset, offset + size).map((eni) => `<item>${toEc2Xml(eni)}</item>`);
  return {
    status: 200,
    xml: `<?xml version="1.0" encoding="UTF-8"?><DescribeNetworkInterfacesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>fake-request</requestId><networkInterfaceSet>${items.join('')}</networkInterfaceSet>${next}</DescribeNetworkInterfacesResponse>`,
  };
}

const FILTER_FIELDS: Record<string, string> = { 'network-interface-id': 'NetworkInterfaceId', 'vpc-id': 'VpcId' };

function filtersOf(params: URLSearchParams): Record<string, string[]> {
  const filters: Record<string, string[]> = {};
  for (let i = 1; params.has(`Filter.${i}.Name`); i++) filters[params.get(`Filter.${i}.Name`) ?? ''] = listParam(params, `Filter.${i}.Value`);
  return filters;
}
