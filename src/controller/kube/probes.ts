/**
 * The HTTP endpoints of a component outside the server (the sync agent, the PostgreSQL
 * operator): Prometheus `/metrics`, `/healthz` and `/livez` (always `ok` while the process
 * answers), `/readyz` (200 `ok` when ready, else 503 with the reason), 404 elsewhere.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A Prometheus registry (prom-client's `Registry`). */
export interface MetricsSource {
  metrics(): Promise<string>;
  readonly contentType: string;
}

export interface ProbeOptions {
  /** Serves `/metrics` from this registry; without one `/metrics` is 404 (probes only). */
  readonly metrics?: MetricsSource;
  /** Undefined when ready; otherwise the reason `/readyz` answers 503 with. */
  readonly notReady: () => string | undefined;
}

export interface ProbeServer {
  /** `http://host:port` as bound (the port picked when 0 was asked for). */
  readonly url: string;
  close(): Promise<void>;
}

export function probeHandler(options: ProbeOptions): http.RequestListener {
  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const { metrics } = options;
    if (path === '/metrics' && metrics) {
      metrics
        .metrics()
        .then((text) => {
          res.writeHead(200, { 'Content-Type': metrics.contentType });
          res.end(text);
        })
        .catch((err: unknown) => {
          res.writeHead(500);
          res.end(String(err));
        });
      return;
    }
    if (path === '/healthz' || path === '/livez') {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end('ok');
      return;
    }
    if (path === '/readyz') {
      const reason = options.notReady();
      res.writeHead(reason === undefined ? 200 : 503, { 'Content-Type': 'text/plain' });
      res.end(reason ?? 'ok');
      return;
    }
    res.writeHead(404);
    res.end('not found');
  };
}

/**
 * Listens on `address` (`host:port`, `[v6]:port`, `:port` or `port`; port 0 picks one;
 * `defaultHost` when it names no host) and serves `probeHandler(options)`.
 */
export async function serveProbes(
  address: string,
  defaultHost: string,
  options: ProbeOptions,
): Promise<ProbeServer> {
  const m = /^(.*):(\d+)$/.exec(address);
  const host = (m?.[1] ?? '').replace(/^\[|\]$/g, '') || defaultHost;
  const port = Number(m?.[2] ?? address);
  const server = http.createServer(probeHandler(options));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const a = server.address() as AddressInfo;
  return {
    url: `http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
