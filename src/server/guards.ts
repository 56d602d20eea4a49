import { hostname, networkInterfaces } from 'node:os';
import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { ErrorResponse } from './protocol.js';

/** The largest request body the API reads (1 MiB); a larger one is answered 413. */
export const MAX_BODY_BYTES = 1024 * 1024;

const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]'];
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The Host header values the server answers: the loopback names, the bound address and any extra names, each with
 * the port (and without it on port 80). A wildcard bind (0.0.0.0, ::) adds the machine's addresses and host name.
 * Any other Host is a DNS-rebinding page or a misdirected request.
 */
export function allowedHostsFor(bindHost: string, port: number, extra: readonly string[] = []): Set<string> {
  const names = new Set([...LOOPBACK_NAMES, bracketed(bindHost), ...extra.map(bracketed)]);
  if (bindHost === '0.0.0.0' || bindHost === '::' || bindHost === '[::]') {
    names.add(hostname());
    for (const addresses of Object.values(networkInterfaces())) for (const address of addresses ?? []) names.add(bracketed(address.address));
  }
  const allowed = new Set<string>();
  for (const name of names) {
    allowed.add(`${name.toLowerCase()}:${port}`);
    if (port === 80) allowed.add(name.toLowerCase());
  }
  return allowed;
}

/** Whether a request's Host header is one of `allowed` (see allowedHostsFor); a missing Host is refused. */
export function isAllowedHost(host: string | null | undefined, allowed: ReadonlySet<string>): boolean {
  return host !== null && host !== undefined && allowed.has(host.trim().toLowerCase());
}

/** The 403 answer to a request whose Host is not the server's own (DNS rebinding). */
export function hostRefusal(host: string | null): Response {
  return jsonError(403, {
    error: `requests for host ${JSON.stringify(host ?? '')} are not served`,
    code: 'host-not-allowed',
    hint: 'open the page at the address `flowlens serve` printed (127.0.0.1 or localhost); other names need `--allowed-host NAME`',
  });
}

/**
 * Refuses state-changing requests (POST, PUT, PATCH, DELETE) that a page of another origin sent: an Origin other than
 * the server's own (`http://` or `https://` + Host), or a Sec-Fetch-Site other than same-origin/none. Clients without these headers
 * (curl, scripts) are not browsers and pass.
 */
export function sameOriginGuard(): MiddlewareHandler {
  return async (c, next) => {
    if (SAFE_METHODS.has(c.req.method)) return next();
    const origin = c.req.header('origin')?.toLowerCase();
    const host = (c.req.header('host') ?? '').toLowerCase();
    // The page's own origin: this Host over http, or over https behind a TLS proxy (`--allowed-host`).
    const own = origin === `http://${host}` || origin === `https://${host}`;
    const site = c.req.header('sec-fetch-site');
    if ((origin !== undefined && !own) || (site !== undefined && site !== 'same-origin' && site !== 'none')) {
      return jsonError(403, {
        error: `cross-origin ${c.req.method} refused (Origin ${origin ?? 'none'}, Sec-Fetch-Site ${site ?? 'none'})`,
        code: 'cross-origin',
        hint: 'only the page served by this flowlens server may send queries to it',
      });
    }
    return next();
  };
}

/** Requires `Content-Type: application/json` on requests with a body, and caps the body at `maxBytes` (413 beyond). */
export function jsonBodyGuard(maxBytes = MAX_BODY_BYTES): MiddlewareHandler {
  const limit = bodyLimit({
    maxSize: maxBytes,
    onError: () => jsonError(413, { error: `the request body is larger than ${maxBytes} bytes`, code: 'body-too-large', hint: 'send a shorter query' }),
  });
  return async (c, next) => {
    if (SAFE_METHODS.has(c.req.method)) return next();
    const type = (c.req.header('content-type') ?? '').split(';')[0]?.trim().toLowerCase();
    if (type !== 'application/json') {
      return jsonError(415, {
        error: `the body must be JSON (Content-Type: application/json), not ${type || 'untyped'}`,
        code: 'unsupported-media-type',
        hint: 'send {"language": "sql", "text": "SELECT …"} with Content-Type: application/json',
      });
    }
    return limit(c, next);
  };
}

function bracketed(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

function jsonError(status: number, body: ErrorResponse): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json; charset=utf-8' } });
}
