/**
 * The hub's HTTPS surface, one origin for the portal:
 * - `/healthz`, `/livez`, `/readyz`, `/metrics`: probes and Prometheus, no credentials;
 * - `/` → `/ui/`; `/ui/*`: the portal (`static-ui.ts`);
 * - `/clusters/*`: the control plane, as the caller (`cluster-proxy.ts`);
 * - `/ui/providers/{name}/*`, `/services/providers/{name}/*`: a provider's UI and backend
 *   (`provider-proxy.ts`);
 * - `/auth/*`: "Sign in with <issuer>" (`sign-in.ts`);
 * - `/api/…`: the hub's own API (kedge's paths). Kubernetes' own `/api` is reached only
 *   under a cluster path (`/clusters/<ws>/api/v1/…`), so the two never meet.
 * Every error is a Kubernetes Status.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { notFoundPath, StatusError, serviceUnavailable } from '../../apimachinery/status.ts';
import { writeError } from '../../apiserver/http/respond.ts';
import { KubeError } from '../../controller/kube/client.ts';
import type { Logger } from '../../logging/logger.ts';
import type { HubMetrics } from '../metrics.ts';
import type { ClusterProxy } from './cluster-proxy.ts';
import type { ProviderProxy } from './provider-proxy.ts';
import type { StaticUi } from './static-ui.ts';

export interface HubHandlerOptions {
  /** `/api/…` (`providers-api.ts`). */
  readonly api: (req: IncomingMessage, res: ServerResponse, path: string) => Promise<void>;
  /** `/auth/*` (`sign-in.ts`). */
  readonly signIn: (req: IncomingMessage, res: ServerResponse, path: string) => Promise<void>;
  readonly proxy: ClusterProxy;
  readonly providers: ProviderProxy;
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
  if (path.startsWith('/ui/providers/')) return 'provider-ui';
  if (path.startsWith('/services/providers/')) return 'provider-backend';
  if (path === '/' || path === '/ui' || path.startsWith('/ui/')) return 'ui';
  if (path.startsWith('/clusters/')) return 'clusters';
  if (path.startsWith('/auth/')) return 'auth';
  if (path === '/api/kubeconfig') return 'kubeconfig';
  if (path === '/api/providers') return 'providers';
  if (/^\/api\/providers\/[^/]+\/heartbeat$/.test(path)) return 'heartbeat';
  if (/^\/api\/workspaces\/[^/]+\/providers\/enabled$/.test(path)) return 'enabled';
  if (/^\/api\/workspaces\/[^/]+\/providers\/[^/]+\/enable$/.test(path)) return 'enable';
  if (/^\/api\/workspaces\/[^/]+\/providers\/[^/]+\/disable$/.test(path)) return 'disable';
  if (path.startsWith('/api/')) return 'api';
  return 'other';
}

/** Network failures of a request to the control plane, as Node reports them. */
const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * A 503 for a request the hub could not complete because the control plane did not answer
 * or failed (a token review, a list as the caller); undefined for anything else.
 */
export function controlPlaneTrouble(err: unknown): StatusError | undefined {
  if (err instanceof KubeError && err.code >= 500)
    return serviceUnavailable(
      `the control plane failed a request of the hub: ${err.message}; try again shortly`,
      5,
    );
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (
    err instanceof Error &&
    !(err instanceof KubeError) &&
    ((code && UNREACHABLE.has(code)) || / timed out$/.test(err.message))
  )
    return serviceUnavailable(
      `the hub cannot reach the control plane: ${err.message}; try again shortly`,
      5,
    );
  return undefined;
}

export function hubHandler(options: HubHandlerOptions) {
  const { api, signIn, proxy, providers, ui, metrics, log } = options;

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
    const provider = /^\/(ui|services)\/providers\/([a-z0-9-]+)(\/.*)?$/.exec(path);
    if (provider) {
      const rest = (req.url ?? '').slice(`/${provider[1]}/providers/${provider[2]}`.length);
      const name = provider[2] as string;
      return provider[1] === 'ui'
        ? providers.ui(req, res, name, rest)
        : providers.backend(req, res, name, rest);
    }
    if (path.startsWith('/ui/')) return ui.serve(req, res, path.slice('/ui/'.length));
    if (path.startsWith('/clusters/')) return proxy.handle(req, res);
    if (path.startsWith('/auth/')) return signIn(req, res, path);
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
      const status = controlPlaneTrouble(err);
      if (!status && !(err instanceof StatusError))
        log.error({ err: (err as Error).message, path }, 'hub request failed');
      writeError(res, status ?? err);
    });
  };
}
