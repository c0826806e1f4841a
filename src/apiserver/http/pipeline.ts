/**
 * The request path, in order: route (health and version need no credentials) →
 * authenticate → impersonate → which logical cluster (`/clusters/<path|name>`, the bare
 * paths go to root) → kcp's `access` to that workspace → RBAC of that cluster → OpenAPI,
 * discovery or the resource handler. Unknown and forbidden workspaces answer the same
 * 403, so a workspace's existence does not leak. Every request is counted, timed and,
 * when enabled, audited.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  methodNotAllowed,
  notFoundPath,
  StatusError,
  tooManyRequests,
  unauthorized,
} from '../../apimachinery/status.ts';
import type { Logger } from '../../logging/logger.ts';
import type { Store } from '../../storage/store.ts';
import type { AuditLog } from '../audit.ts';
import { createdNameOf, sourceIPs } from '../audit.ts';
import type { Authenticator } from '../authn/authenticator.ts';
import { impersonate } from '../authn/impersonation.ts';
import { isPrivileged } from '../authz/authorization.ts';
import {
  type Attributes,
  type Authorizer,
  attributesFor,
  type Decision,
  forbiddenError,
  nonResourceAttributes,
} from '../authz/authorizer.ts';
import { CLUSTER_NAME_EXTRA, isForeign, isInScope, isServiceAccount } from '../authz/scopes.ts';
import type { DiscoveryHandler } from '../discovery/handler.ts';
import type { ApiMetrics } from '../metrics.ts';
import type { OpenApiHandler } from '../openapi/handler.ts';
import type { TypeRegistry } from '../registry/type-registry.ts';
import type { ResourceStorage } from '../rest/resource-storage.ts';
import { type UserInfo, WILDCARD_CLUSTER } from '../rest/scope.ts';
import { isPretty, isWatch } from './query.ts';
import { type RequestInfo, requestInfo } from './request-info.ts';
import { handleResource, type ResourceHandlerDeps } from './resource-handler.ts';
import { writeError, writeJson } from './respond.ts';
import { requestTarget, route } from './router.ts';

/** kcp's reason for refusing a workspace, unknown or forbidden alike. */
export const WORKSPACE_ACCESS_NOT_PERMITTED = 'workspace access not permitted';

/** How requests find their logical cluster; plain mode has only one. */
export interface ClusterResolver {
  /** The logical cluster name of a path or name, or undefined when there is none. */
  resolve(pathOrName: string): string | undefined;
}

export interface PipelineDeps {
  readonly plain: boolean;
  readonly defaultCluster: string;
  readonly clusters: ClusterResolver;
  readonly authenticator: Authenticator;
  readonly authorizer: Authorizer;
  readonly registry: TypeRegistry;
  readonly storage: ResourceStorage;
  readonly discovery: DiscoveryHandler;
  readonly openapi: OpenApiHandler;
  readonly metrics: ApiMetrics;
  readonly logger: Logger;
  readonly audit?: AuditLog | undefined;
  readonly health: (
    check: 'livez' | 'readyz' | 'healthz',
  ) => Promise<{ ok: boolean; message: string }>;
  readonly version: () => Record<string, string>;
  /** Requests (watches excluded) served at once before new ones get 429. */
  readonly maxInFlight: number;
  /** Virtual workspaces under /services/ (workspace mode). */
  readonly virtual?: VirtualWorkspace | undefined;
}

export interface VirtualWorkspace {
  handles(pathname: string): boolean;
  /**
   * Serves a request of `requester`; `actAs(cluster)` is the user it acts as once
   * impersonation (if asked for) is allowed in the logical cluster whose RBAC governs the
   * request, and scoped to it.
   */
  handle(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    requester: UserInfo,
    actAs: (cluster: string) => UserInfo,
  ): Promise<void>;
}

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * After a write failed (refused, or Stale): waits until this replica has seen all etcd had
 * acknowledged, and says whether that is more than the write was decided on.
 */
async function seenMoreSince(store: Store, basis: number): Promise<boolean> {
  try {
    await store.fresh();
    return (await store.currentRevision()) > basis;
  } catch {
    return false;
  }
}

/** The code metrics and the audit log record for a request its client abandoned (nginx's). */
const CLIENT_CLOSED_REQUEST = 499;

/** The client closed the connection mid-request: the request failed for that reason only. */
function clientWentAway(req: IncomingMessage, res: ServerResponse, err: unknown): boolean {
  if (err instanceof StatusError) return false;
  return req.destroyed || res.destroyed || req.socket.destroyed;
}

/** Whether an error is written indented, as the request's responses would be. */
function pretty(req: IncomingMessage): boolean {
  return isPretty(requestTarget(req.url ?? '/').query, req.headers['user-agent']);
}

export class RequestPipeline {
  private readonly deps: PipelineDeps;
  private readonly resources: ResourceHandlerDeps;
  private inFlight = 0;

  constructor(deps: PipelineDeps) {
    this.deps = deps;
    this.resources = {
      storage: deps.storage,
      registry: deps.registry,
      onWatchEvent: () => deps.metrics.watchEvents.inc(),
    };
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const d = this.deps;
    const started = performance.now();
    const receivedAt = Date.now();
    let user: UserInfo | undefined;
    let acting: UserInfo | undefined;
    let info: RequestInfo | undefined;
    let cluster: string | undefined;
    let decision: Decision | undefined;
    let audited = true;
    let counted = false;
    let labels = { verb: (req.method ?? '').toLowerCase(), group: '', resource: '' };
    let watching = false;
    try {
      const target = requestTarget(req.url ?? '/');
      const r = route(target.path, { defaultCluster: d.defaultCluster, workspaces: !d.plain });
      if (r.kind === 'health') {
        audited = false; // probes would drown the log
        const h = await d.health(r.check);
        res.writeHead(h.ok ? 200 : 503, { 'Content-Type': 'text/plain; charset=utf-8' });
        res.end(h.message);
        return;
      }
      if (r.kind === 'version') return writeJson(res, 200, d.version());
      const store = d.storage.store;
      // Everything a replica sharing the store acknowledged before a request governs it (a
      // no-op on one process's own store). A read first waits until this replica has seen
      // it. A write is decided on what the replica has seen and commits only if nothing
      // that decides requests changed since (Scope.basis); when it fails (refused, or
      // Stale), the replica catches up and, if there was more to see, decides it again
      // the way reads are: on a view at least as new as the request. Metrics stay readable
      // while the store is away.
      const optimistic =
        store.shared &&
        r.kind === 'cluster' &&
        MUTATING.has(req.method ?? '') &&
        !req.headers.upgrade;
      if (r.kind !== 'metrics' && !optimistic) await store.fresh();
      for (let attempt = 0; ; attempt++) {
        const basis = optimistic && attempt === 0 ? await store.currentRevision() : undefined;
        try {
          user = await d.authenticator.authenticate(req);
          if (!user) throw unauthorized();
          if (r.kind === 'metrics') {
            acting = impersonate(req, user, d.defaultCluster, d.authorizer);
            decision = this.authorize(
              nonResourceAttributes(acting, d.defaultCluster, 'get', '/metrics'),
            );
            const text = await d.metrics.registry.metrics();
            res.writeHead(200, { 'Content-Type': d.metrics.registry.contentType });
            res.end(text);
            return;
          }
          if (r.kind === 'services') {
            const url = URL.parse(req.url ?? '/', 'https://canopy');
            if (!url || !d.virtual?.handles(url.pathname)) throw notFoundPath();
            const requester = user;
            watching = isWatch(target.query);
            if (watching) d.metrics.watchers.inc();
            await d.virtual.handle(req, res, url, requester, (c) => {
              acting = impersonate(req, requester, c, d.authorizer);
              return acting;
            });
            return;
          }
          if (r.kind !== 'cluster') throw notFoundPath();
          info = requestInfo(req.method ?? 'GET', r.path, target.query);
          labels = { verb: info.verb, group: info.apiGroup, resource: info.resource };
          watching = info.verb === 'watch';
          if (!watching && !counted) {
            if (this.inFlight >= d.maxInFlight) {
              throw tooManyRequests('Too many requests, please try again later.', 1);
            }
            this.inFlight++;
            counted = true;
          }
          const wildcard = r.cluster === WILDCARD_CLUSTER;
          const resolved = wildcard ? WILDCARD_CLUSTER : d.clusters.resolve(r.cluster);
          // Impersonation is allowed (and scoped) in the cluster of the request; an unknown one,
          // or the wildcard for anyone but system:masters, is refused below as it comes.
          const refused = resolved === undefined || (wildcard && !isPrivileged(user));
          acting = refused ? user : impersonate(req, user, resolved, d.authorizer);
          const attrs = attributesFor(acting, resolved ?? r.cluster, info);
          cluster = resolved;
          this.checkWorkspaceAccess(acting, resolved, attrs);
          decision = this.authorize(attrs);
          if (!info.isResourceRequest) {
            const c = resolved as string;
            const types = () => d.openapi.forCluster(c);
            if (d.openapi.handle(req, res, types, r.path, target.query)) return;
            if (d.discovery.handle(req, res, c, r.path)) return;
            if (req.method !== 'GET' && req.method !== 'HEAD') throw methodNotAllowed();
            throw notFoundPath();
          }
          if (watching) d.metrics.watchers.inc();
          await handleResource(
            {
              req,
              res,
              info,
              query: target.query,
              cluster: resolved as string,
              user: acting,
              ...(basis !== undefined ? { basis } : {}),
            },
            this.resources,
          );
          return;
        } catch (err) {
          if (basis === undefined || attempt > 0 || res.headersSent) throw err;
          if (!(await seenMoreSince(store, basis))) throw err;
        }
      }
    } catch (err) {
      if (clientWentAway(req, res, err)) {
        // Nothing to answer and nothing wrong here: not a 5xx, not an error in the log.
        res.statusCode = CLIENT_CLOSED_REQUEST;
        res.destroy();
        d.logger.debug({ path: req.url, err: (err as Error).message }, 'client closed the request');
        return;
      }
      const status = writeError(res, err, pretty(req));
      if (status.code >= 500) {
        d.logger.error(
          { err: (err as Error).message, stack: (err as Error).stack, path: req.url },
          'request failed',
        );
      }
    } finally {
      if (counted) this.inFlight--;
      if (watching && res.headersSent) d.metrics.watchers.dec();
      d.metrics.requests.inc({ ...labels, code: String(res.statusCode) });
      if (!watching) d.metrics.latency.observe(labels, (performance.now() - started) / 1000);
      if (d.audit && audited) {
        d.audit.write({
          received: receivedAt,
          completed: Date.now(),
          method: req.method ?? '',
          requestURI: req.url ?? '/',
          ...(user ? { user } : {}),
          ...(acting && acting !== user ? { impersonatedUser: acting } : {}),
          ...(info ? { info } : {}),
          ...(cluster ? { cluster } : {}),
          ...(createdNameOf(res) ? { createdName: createdNameOf(res) } : {}),
          code: res.statusCode,
          ...(req.headers['user-agent'] ? { userAgent: req.headers['user-agent'] } : {}),
          sourceIPs: sourceIPs(req.headers, req.socket.remoteAddress),
          ...(decision
            ? {
                decision: decision.allowed ? ('allow' as const) : ('forbid' as const),
                ...(decision.reason ? { reason: decision.reason } : {}),
              }
            : {}),
        });
      }
    }
  }

  private authorize(attrs: Attributes): Decision {
    const decision = this.deps.authorizer.authorize(attrs);
    if (!decision.allowed) throw forbiddenError(attrs, decision.reason);
    return decision;
  }

  /**
   * kcp's workspace content authorization: entering a logical cluster needs the `access`
   * verb on `/` there (cluster-admin has it). The wildcard is for system:masters only, and
   * reads only. An unknown workspace is refused exactly like a forbidden one.
   */
  private checkWorkspaceAccess(
    user: UserInfo,
    cluster: string | undefined,
    attrs: Attributes,
  ): void {
    if (this.deps.plain) return;
    if (cluster === WILDCARD_CLUSTER) {
      const read = attrs.verb === 'list' || attrs.verb === 'watch' || attrs.verb === 'get';
      if (isPrivileged(user) && read) return;
      throw forbiddenError(attrs, WORKSPACE_ACCESS_NOT_PERMITTED);
    }
    if (cluster === undefined) throw forbiddenError(attrs, WORKSPACE_ACCESS_NOT_PERMITTED);
    if (isPrivileged(user)) return;
    // A workspace's own service accounts are always let in (RBAC still decides the rest).
    if (
      isServiceAccount(user) &&
      user.extra?.[CLUSTER_NAME_EXTRA]?.length === 1 &&
      !isForeign(user, cluster) &&
      isInScope(user, cluster)
    )
      return;
    const access = this.deps.authorizer.authorize(
      nonResourceAttributes(user, cluster, 'access', '/'),
    );
    if (!access.allowed) throw forbiddenError(attrs, WORKSPACE_ACCESS_NOT_PERMITTED);
  }
}
