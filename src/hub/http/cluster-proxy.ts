/**
 * `/clusters/*` on the hub's origin, reverse-proxied to the control plane as the caller, so
 * a browser talks to one origin only. What reaches the control plane is the caller's
 * request: method, path, query, body and headers (the bearer token unchanged), minus
 * hop-by-hop headers and cookies. The connection to the control plane trusts its CA and
 * presents no credential of the hub's, so a request without a token is anonymous there.
 */
import type http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AgentOptions } from 'node:https';
import type { Logger } from '../../logging/logger.ts';
import { agentFor, forward, withoutHeaders } from './reverse-proxy.ts';

export interface ProxyTarget {
  /** Base URL of the control plane (`https://host:port`). */
  readonly origin: string;
  /** TLS trust for it: its CA, nothing of the hub's identity. */
  readonly tls: Pick<AgentOptions, 'ca' | 'rejectUnauthorized'>;
}

export class ClusterProxy {
  readonly #origin: URL;
  readonly #agent: http.Agent;
  readonly #log: Logger;

  constructor(target: ProxyTarget, log: Logger) {
    this.#origin = new URL(target.origin);
    this.#agent = agentFor(target.origin, target.tls);
    this.#log = log;
  }

  handle(req: IncomingMessage, res: ServerResponse): void {
    forward(
      req,
      res,
      {
        url: this.#origin,
        // A front proxy's base path, then the caller's path and query exactly as sent.
        path: this.#origin.pathname.replace(/\/$/, '') + (req.url ?? '/'),
        agent: this.#agent,
        headers: withoutHeaders(req.headers, (h) => h === 'host' || h === 'cookie'),
        dropResponse: (h) => h === 'set-cookie',
        what: 'the control plane',
      },
      this.#log,
    );
  }

  close(): void {
    this.#agent.destroy();
  }
}
