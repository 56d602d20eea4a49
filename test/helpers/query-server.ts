import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What a Query-protocol handler answers: an HTTP status and an XML body. */
export interface QueryReply {
  status: number;
  xml: string;
}

/** A loopback server for AWS Query-protocol services (EC2, SNS): form-encoded POSTs in, XML out. */
export interface QueryServer {
  endpoint: string;
  /** Every request's form parameters, in arrival order (failed ones included). */
  requests: URLSearchParams[];
  stop(): Promise<void>;
}

/** Starts a Query-protocol server on 127.0.0.1 (a free port) that answers each form-encoded POST with `handle`. */
export async function startQueryServer(handle: (params: URLSearchParams) => QueryReply): Promise<QueryServer> {
  const requests: URLSearchParams[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const params = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      requests.push(params);
      const reply =
        req.method === 'POST' && String(req.headers['content-type']).startsWith('application/x-www-form-urlencoded')
          ? handle(params)
          : { status: 400, xml: '<Error><Code>BadRequest</Code><Message>expected a form-encoded POST</Message></Error>' };
      res.writeHead(reply.status, { 'content-type': 'text/xml', 'x-amzn-requestid': 'fake-request' });
      res.end(reply.xml);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Escapes text for an XML element. */
export function xmlText(value: unknown): string {
  return String(value).replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

/**
 * Writes a value in EC2's XML shape from its CLI/SDK JSON shape: members in lowerCamelCase, lists as
 * `<nameSet><item>…</item></nameSet>` (TagSet stays tagSet, PrivateIpAddresses becomes privateIpAddressesSet).
 */
export function toEc2Xml(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value !== 'object') return xmlText(value);
  return Object.entries(value as Record<string, unknown>)
    .map(([key, member]) => {
      const name = key.charAt(0).toLowerCase() + key.slice(1);
      if (Array.isArray(member)) {
        const list = name.endsWith('Set') ? name : `${name}Set`;
        return `<${list}>${member.map((item) => `<item>${toEc2Xml(item)}</item>`).join('')}</${list}>`;
      }
      return `<${name}>${toEc2Xml(member)}</${name}>`;
    })
    .join('');
}

/** An EC2 error response (`<Response><Errors><Error>`). */
export function ec2Error(status: number, code: string, message: string): QueryReply {
  return {
    status,
    xml: `<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>${code}</Code><Message>${xmlText(message)}</Message></Error></Errors><RequestID>fake-request</RequestID></Response>`,
  };
}

/** An error response of the other Query services, e.g. SNS (`<ErrorResponse><Error>`). */
export function queryError(status: number, code: string, message: string): QueryReply {
  return {
    status,
    xml: `<ErrorResponse><Error><Type>${status >= 500 ? 'Receiver' : 'Sender'}</Type><Code>${code}</Code><Message>${xmlText(message)}</Message></Error><RequestId>fake-request</RequestId></ErrorResponse>`,
  };
}

/** The values of a Query list parameter such as `Filter.1.Value.N`, in order. */
export function listParam(params: URLSearchParams, prefix: string): string[] {
  const values: string[] = [];
  for (let i = 1; params.has(`${prefix}.${i}`); i++) values.push(params.get(`${prefix}.${i}`) ?? '');
  return values;
}
