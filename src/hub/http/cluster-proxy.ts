/**
 * `/clusters/*` on the hub's origin, reverse-proxied to the control plane as the caller, so
 * a browser talks to one origin only. What reaches the control plane is the caller's
 * request: method, path, query, body and headers (the bearer token unchanged), minus
 * hop-by-hop headers and cookies. The connection to the control plane trusts its CA and
 * presents no credential of the hub's, so a request without a token is anonymous there.
 * Responses stream through as they come (watches), and a caller going away ends the
 * upstream request.
 */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import http from 'node:http';
import https from 'node:https';
import { StatusError } from '../../apimachinery/status.ts';
import { writeError } from '../../apiserver/http/respond.ts';
import type { Logger } from '../../logging/logger.ts';

/** RFC 9110 §7.6.1 hop-by-hop headers, plus what must not cross to the control plane. */
const DROPPED_REQUEST_HEADERS = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
  'cookie',
]);
const DROPPED_RESPONSE_HEADERS = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'set-cookie',
]);

function filtered(headers: IncomingHttpHeaders, dropped: ReadonlySet<string>): IncomingHttpHeaders {
  const connectionTokens = String(headers.connection ?? '')
    .split(',')
    .map((t) => t.trim().toLowerCase())
    .filter(Boolean);
  const out: IncomingHttpHeaders = {};
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined || dropped.has(k) || connectionTokens.includes(k)) continue;
    out[k] = v;
  }
  return out;
}

export interface ProxyTarget {
  /** Base URL of the control plane (`https://host:port`). */
  readonly origin: string;
  /** TLS trust for it: its CA, nothing of the hub's identity. */
  readonly tls: Pick<https.AgentOptions, 'ca' | 'rejectUnauthorized'>;
}

export class ClusterProxy {
  readonly #target: URL;
  readonly #agent: http.Agent;
  readonly #log: Logger;

  constructor(target: ProxyTarget, log: Logger) {
    this.#target = new URL(target.origin);
    this.#agent =
      this.#target.protocol === 'https:'
        ? new https.Agent({ keepAlive: true, maxSockets: 256, ...target.tls })
        : new http.Agent({ keepAlive: true, maxSockets: 256 });
    this.#log = log;
  }

  handle(req: IncomingMessage, res: ServerResponse): void {
    const base = this.#target.pathname.replace(/\/$/, '');
    const mod = this.#target.protocol === 'https:' ? https : http;
    const upstream = mod.request({
      protocol: this.#target.protocol,
      hostname: this.#target.hostname,
      port: this.#target.port,
      method: req.method,
      path: base + (req.url ?? '/'),
      agent: this.#agent,
      headers: {
        ...filtered(req.headers, DROPPED_REQUEST_HEADERS),
        host: this.#target.host,
      },
    });
    upstream.on('response', (up) => {
      res.writeHead(up.statusCode ?? 502, filtered(up.headers, DROPPED_RESPONSE_HEADERS));
      // Watch events go out as they arrive.
      res.flushHeaders();
      res.socket?.setNoDelay(true);
      up.pipe(res);
      up.on('error', () => res.destroy());
    });
    upstream.on('error', (err) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      this.#log.warn({ err: err.message, path: req.url }, 'control plane did not answer');
      writeError(
        res,
        new StatusError({
          code: 502,
          reason: 'ServiceUnavailable',
          message: `the hub could not reach the control plane at ${this.#target.origin}: ${err.message}`,
        }),
      );
    });
    // The caller went away (a watch closed): end the upstream request too.
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
    req.pipe(upstream);
  }

  close(): void {
    this.#agent.destroy();
  }
}
