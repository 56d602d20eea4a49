import { serve } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import type { Hono } from 'hono';
import { allowedHostsFor, hostRefusal, isAllowedHost } from './guards.js';

/** A running HTTP server: its URL and a close function. */
export interface RunningServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Where to listen: host (default 127.0.0.1), port (0 picks a free one) and extra Host names to answer. */
export interface StartServerOptions {
  port?: number | undefined;
  host?: string | undefined;
  /** Host names besides the loopback names and the bound address (a LAN name, a proxy's name). */
  allowedHosts?: readonly string[] | undefined;
}

/** Serves the app on host:port and resolves once it listens; requests for another Host are refused (DNS rebinding). */
export function startServer(app: Hono, options: StartServerOptions = {}): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  let allowed = new Set<string>();
  const fetch = (request: Request, env: unknown): Response | Promise<Response> => {
    const requested = request.headers.get('host');
    return isAllowedHost(requested, allowed) ? app.fetch(request, env) : hostRefusal(requested);
  };
  return new Promise((resolve, reject) => {
    const server = serve({ fetch, port: options.port ?? 0, hostname: host }, (info: AddressInfo) => {
      allowed = allowedHostsFor(host, info.port, options.allowedHosts);
      const shown = host.includes(':') ? `[${host}]` : host;
      resolve({
        url: `http://${shown}:${info.port}/`,
        port: info.port,
        close: () => new Promise<void>((done) => {
          server.close(() => done());
          (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
        }),
      });
    });
    server.once('error', reject);
  });
}
