/**
 * The hub's HTTPS surface, one origin for the portal:
 * - `/healthz`, `/livez`, `/readyz`, `/metrics`: probes and Prometheus, no credentials;
 * - `/` → `/ui/`; `/ui/*`: the portal (`static-ui.ts`);
 * - `/clusters/*`: the control plane, as the caller (`cluster-proxy.ts`);
 * - `/api/…`: the hub's own API (kedge's paths). Kubernetes' own `/api` is reached only
 *   under a cluster path (`/clusters/<ws>/api/v1/…`), so the two never meet.
 * Every error is a Kubernetes Status.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { notFoundPath, StatusError, unauthorized } from '../../apimachinery/status.ts';
import { bearerToken } from '../../apiserver/authn/authenticator.ts';
import { writeError, writeJson } from '../../apiserver/http/respond.ts';
import type { UserInfo } from '../../apiserver/rest/scope.ts';
import type { Logger } from '../../logging/logger.ts';
import type { Catalog } from '../catalog.ts';
import type { ControlPlane } from '../control-plane.ts';
import type { HubMetrics } from '../metrics.ts';
import type { ClusterProxy } from './cluster-proxy.ts';
import type { StaticUi } from './static-ui.ts';

export interface HubHandlerOptions {
  readonly controlPlane: ControlPlane;
  readonly catalog: Catalog;
  readonly proxy: ClusterProxy;
  readonly ui: StaticUi;
  readonly metrics: HubMetrics;
  readonly log: Logger;
  /** Undefined when ready, else why not. */
  readonly notReady: () => string | undefined;
}

/** The route a path belongs to, for metrics (bounded label values). */
export function routeOf(path: string): string {
  if (path === '/healthz' || path === '/livez' || path === '/readyz' || path === '/metrics')
    return path.slice(1);
  if (path === '/' || path === '/ui' || path.startsWith('/ui/')) return 'ui';
  if (path.startsWith('/clusters/')) return 'clusters';
  if (path === '/api/providers') return 'providers';
  if (path.startsWith('/api/')) return 'api';
  return 'other';
}

function methodNotAllowed(method: string | undefined): StatusError {
  return new StatusError({
    code: 405,
    reason: 'MethodNotAllowed',
    message: `the method ${method ?? ''} is not allowed here`,
  });
}

export function hubHandler(options: HubHandlerOptions) {
  const { controlPlane, catalog, proxy, ui, metrics, log } = options;

  /** The verified user of a request's bearer token; 401 without one the control plane accepts. */
  async function authenticate(req: IncomingMessage): Promise<UserInfo> {
    const token = bearerToken(req);
    if (!token) throw unauthorized('send a bearer token (Authorization: Bearer <token>)');
    const user = await controlPlane.reviewToken(token);
    if (!user) throw unauthorized('the control plane does not accept this token');
    return user;
  }

  async function api(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    if (path === '/api/providers') {
      if (req.method !== 'GET') throw methodNotAllowed(req.method);
      await authenticate(req);
      writeJson(res, 200, catalog.providers());
      return;
    }
    throw notFoundPath(path);
  }

  async function serve(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    switch (path) {
      case '/healthz':
      case '/livez':
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        res.end('ok');
        return;
      case '/readyz': {
        const reason = options.notReady();
        res.writeHead(reason === undefined ? 200 : 503, { 'Content-Type': 'text/plain' });
        res.end(reason ?? 'ok');
        return;
      }
      case '/metrics': {
        const text = await metrics.registry.metrics();
        res.writeHead(200, { 'Content-Type': metrics.registry.contentType });
        res.end(text);
        return;
      }
      case '/':
      case '/ui':
        res.writeHead(302, { Location: '/ui/' });
        res.end();
        return;
    }
    if (path.startsWith('/ui/')) return ui.serve(req, res, path.slice('/ui/'.length));
    if (path.startsWith('/clusters/')) return proxy.handle(req, res);
    if (path.startsWith('/api/')) return api(req, res, path);
    throw notFoundPath(path);
  }

  return (req: IncomingMessage, res: ServerResponse): void => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const route = routeOf(path);
    const end = metrics.latency.startTimer({ route });
    res.on('close', () => {
      end();
      metrics.requests.inc({ route, code: String(res.statusCode) });
    });
    serve(req, res, path).catch((err: unknown) => {
      if (!(err instanceof StatusError))
        log.error({ err: (err as Error).message, path }, 'hub request failed');
      writeError(res, err);
    });
  };
}
