/**
 * Forwarding one request to another server and streaming the answer back: the hub's
 * proxies to the control plane (`cluster-proxy.ts`) and to providers' UIs and backends
 * (`provider-proxy.ts`) differ only in where they go and which headers they send, which
 * their callers decide. Hop-by-hop headers (RFC 9110 §7.6.1, and any the Connection header
 * names) never cross; responses stream as they come (watches), and a caller going away
 * ends the upstream request. Written here rather than taken from a library because each
 * proxy must control exactly which headers pass, and the rest is a pipe.
 */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import http from 'node:http';
import https from 'node:https';
import { StatusError } from '../../apimachinery/status.ts';
import { writeError } from '../../apiserver/http/respond.ts';
import type { Logger } from '../../logging/logger.ts';

const HOP_BY_HOP = [
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
];

/** `headers` without hop-by-hop ones, the ones Connection names, and `drop`'s. */
export function withoutHeaders(
  headers: IncomingHttpHeaders,
  drop: (name: string) => boolean,
): IncomingHttpHeaders {
  const named = String(headers.connection ?? '')
    .split(',')
    .map((t) => t.trim().toLowerCase())
    .filter(Boolean);
  const out: IncomingHttpHeaders = {};
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined || HOP_BY_HOP.includes(k) || named.includes(k) || drop(k)) continue;
    out[k] = v;
  }
  return out;
}

export interface Upstream {
  /** Where to connect: protocol, host and port. */
  readonly url: URL;
  /** The request target sent there, as is (path and query). */
  readonly path: string;
  readonly agent: http.Agent;
  /** The request headers to send (`host` is set from `url`). */
  readonly headers: IncomingHttpHeaders;
  /** Response headers to leave out, besides hop-by-hop ones. */
  readonly dropResponse?: (name: string) => boolean;
  /** Extra response headers. */
  readonly responseHeaders?: Record<string, string>;
  /** Names the upstream in the 502 a failed connection answers with. */
  readonly what: string;
}

export function forward(
  req: IncomingMessage,
  res: ServerResponse,
  upstream: Upstream,
  log: Logger,
): void {
  const { url } = upstream;
  const mod = url.protocol === 'https:' ? https : http;
  const out = mod.request({
    protocol: url.protocol,
    hostname: url.hostname,
    port: url.port,
    method: req.method,
    path: upstream.path,
    agent: upstream.agent,
    headers: { ...upstream.headers, host: url.host },
  });
  out.on('response', (up) => {
    res.writeHead(up.statusCode ?? 502, {
      ...withoutHeaders(up.headers, upstream.dropResponse ?? (() => false)),
      ...upstream.responseHeaders,
    });
    res.flushHeaders();
    res.socket?.setNoDelay(true);
    up.pipe(res);
    up.on('error', () => res.destroy());
  });
  out.on('error', (err) => {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    log.warn({ err: err.message, upstream: url.origin }, 'upstream did not answer');
    writeError(
      res,
      new StatusError({
        code: 502,
        reason: 'ServiceUnavailable',
        message: `the hub could not reach ${upstream.what} at ${url.origin}: ${err.message}`,
      }),
    );
  });
  res.on('close', () => {
    if (!res.writableFinished) out.destroy();
  });
  req.pipe(out);
}

/** A keep-alive agent for `origin` (its CA, when given, and nothing else of the hub's). */
export function agentFor(origin: string, tls: https.AgentOptions = {}): http.Agent {
  return origin.startsWith('https:')
    ? new https.Agent({ keepAlive: true, maxSockets: 256, ...tls })
    : new http.Agent({ keepAlive: true, maxSockets: 256 });
}
