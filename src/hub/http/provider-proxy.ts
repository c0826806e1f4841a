/**
 * A provider's own HTTP surface on the hub's origin:
 * - `/ui/providers/{name}/*` → `spec.ui.url`: its micro-frontend's files. Paths that name
 *   no file (no `.` in the last segment) are pages of the portal and get its `index.html`.
 *   No credential of the caller is forwarded (no Authorization, no cookies).
 * - `/services/providers/{name}/*` → `spec.backend.url`: its backend, which acts as the
 *   caller with the caller's bearer token, forwarded unchanged; a token is required.
 * Inbound identity headers (`X-Kedge-*`, `X-Remote-*`, `X-Forwarded-User`… ,
 * `Impersonate-*`) are always stripped; for a verified caller the hub injects
 * `X-Kedge-User`, `X-Kedge-Groups` and, when the caller names a workspace in
 * `X-Kedge-Workspace` and may enter it, `X-Kedge-Workspace` and `X-Kedge-Cluster` (its
 * logical cluster). 404 for an unknown provider or one without that URL, 503 while it is
 * not Ready.
 */
import { createHash } from 'node:crypto';
import type http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname } from 'node:path';
import { LRUCache } from 'lru-cache';
import type { CatalogEntry } from '../../api/providers/types.ts';
import type { Workspace } from '../../api/tenancy/types.ts';
import { isConditionTrue } from '../../apimachinery/conditions.ts';
import {
  badRequest,
  forbiddenMessage,
  notFoundPath,
  StatusError,
} from '../../apimachinery/status.ts';
import { isForbidden, isNotFound } from '../../controller/kube/client.ts';
import type { Logger } from '../../logging/logger.ts';
import type { Catalog } from '../catalog.ts';
import type { ControlPlane } from '../control-plane.ts';
import { WORKSPACES } from '../refs.ts';
import { splitPath } from '../topology.ts';
import { optionalCaller, requiredCaller } from './caller.ts';
import { agentFor, forward, withoutHeaders } from './reverse-proxy.ts';
import type { StaticUi } from './static-ui.ts';

export const USER_HEADER = 'x-kedge-user';
export const GROUPS_HEADER = 'x-kedge-groups';
export const WORKSPACE_HEADER = 'x-kedge-workspace';
export const CLUSTER_HEADER = 'x-kedge-cluster';
export const BASE_PATH_HEADER = 'x-kedge-base-path';

const IDENTITY_PREFIXES = ['x-kedge-', 'x-canopy-', 'x-remote-', 'x-auth-request-', 'impersonate-'];
const IDENTITY_HEADERS = [
  'x-forwarded-user',
  'x-forwarded-email',
  'x-forwarded-groups',
  'x-forwarded-preferred-username',
];
/** Headers that claim an identity, which only the hub may set towards a provider. */
export function isIdentityHeader(name: string): boolean {
  return IDENTITY_PREFIXES.some((p) => name.startsWith(p)) || IDENTITY_HEADERS.includes(name);
}

const WORKSPACE_PATH = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(:[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export class ProviderProxy {
  readonly #catalog: Catalog;
  readonly #controlPlane: ControlPlane;
  readonly #ui: StaticUi;
  readonly #log: Logger;
  readonly #agents = new Map<string, http.Agent>();
  /** (token, workspace) → its logical cluster, for callers who may enter it. */
  readonly #access = new LRUCache<string, { cluster: string }>({ max: 10_000, ttl: 10_000 });

  constructor(options: {
    catalog: Catalog;
    controlPlane: ControlPlane;
    ui: StaticUi;
    log: Logger;
  }) {
    this.#catalog = options.catalog;
    this.#controlPlane = options.controlPlane;
    this.#ui = options.ui;
    this.#log = options.log;
  }

  /** `rest` is what follows `/ui/providers/{name}` (with its query), `''` or `/…`. */
  async ui(req: IncomingMessage, res: ServerResponse, name: string, rest: string): Promise<void> {
    const path = rest.split('?')[0] ?? '';
    if (extname(path.slice(path.lastIndexOf('/') + 1)) === '') {
      // A page of the portal (its route /ui/providers/<name>/…), not a provider file.
      return this.#ui.serve(req, res, `providers/${name}${path}`);
    }
    const entry = this.#ready(name);
    const target = entry.spec.ui?.url;
    if (!target) throw notFoundPath(`provider "${name}" has no UI`);
    const identity = await this.#identity(req, false);
    this.#forward(req, res, target, rest, {
      headers: {
        ...withoutHeaders(
          req.headers,
          (h) => isIdentityHeader(h) || h === 'authorization' || h === 'cookie' || h === 'host',
        ),
        ...identity,
        [BASE_PATH_HEADER]: `/ui/providers/${name}/`,
      },
      what: `the UI of provider "${name}"`,
    });
  }

  async backend(
    req: IncomingMessage,
    res: ServerResponse,
    name: string,
    rest: string,
  ): Promise<void> {
    const entry = this.#ready(name);
    const target = entry.spec.backend?.url;
    if (!target) throw notFoundPath(`provider "${name}" has no backend`);
    const identity = await this.#identity(req, true);
    this.#forward(req, res, target, rest, {
      headers: {
        ...withoutHeaders(
          req.headers,
          (h) => isIdentityHeader(h) || h === 'cookie' || h === 'host',
        ),
        ...identity,
      },
      what: `the backend of provider "${name}"`,
    });
  }

  close(): void {
    for (const agent of this.#agents.values()) agent.destroy();
    this.#agents.clear();
  }

  #ready(name: string): CatalogEntry {
    const entry = this.#catalog.get(name);
    if (!entry || entry.metadata.deletionTimestamp)
      throw notFoundPath(`provider "${name}" is not in the catalog`);
    if (!isConditionTrue(entry.status?.conditions, 'Ready')) {
      const ready = entry.status?.conditions?.find((c) => c.type === 'Ready');
      throw new StatusError({
        code: 503,
        reason: 'ServiceUnavailable',
        message: `provider "${name}" is not ready${ready?.message ? `: ${ready.message}` : ' yet'}`,
        details: { retryAfterSeconds: 5 },
      });
    }
    return entry;
  }

  /** The verified identity headers of a request (none for an anonymous UI request). */
  async #identity(req: IncomingMessage, required: boolean): Promise<Record<string, string>> {
    const caller = required
      ? await requiredCaller(this.#controlPlane, req)
      : await optionalCaller(this.#controlPlane, req);
    if (!caller) return {};
    const { token, user } = caller;
    const headers: Record<string, string> = {
      [USER_HEADER]: user.username,
      [GROUPS_HEADER]: user.groups.join(','),
    };
    const asked = req.headers[WORKSPACE_HEADER];
    if (typeof asked === 'string' && asked !== '') {
      if (!WORKSPACE_PATH.test(asked))
        throw badRequest(`${WORKSPACE_HEADER} "${asked}" is not a workspace path`);
      headers[WORKSPACE_HEADER] = asked;
      headers[CLUSTER_HEADER] = await this.#clusterFor(token, asked);
    }
    return headers;
  }

  /** The logical cluster of `workspace`, if the token's holder may enter it; else 403. */
  async #clusterFor(token: string, workspace: string): Promise<string> {
    const key = `${createHash('sha256').update(token).digest('hex')} ${workspace}`;
    const cached = this.#access.get(key);
    if (cached) return cached.cluster;
    const denied = () =>
      forbiddenMessage(`you may not enter workspace ${workspace}, or it does not exist`);
    try {
      // Any request into a workspace needs `access` there; this one changes nothing.
      await this.#controlPlane
        .asCaller(token)
        .scoped(`/clusters/${workspace}`)
        .request('POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', {
          body: {
            apiVersion: 'authorization.k8s.io/v1',
            kind: 'SelfSubjectAccessReview',
            spec: { nonResourceAttributes: { path: '/', verb: 'access' } },
          },
        });
    } catch (err) {
      if (isForbidden(err) || isNotFound(err)) throw denied();
      throw err;
    }
    let cluster = workspace;
    if (workspace.includes(':')) {
      const { parent, name } = splitPath(workspace);
      const ws = await this.#controlPlane
        .at(parent)
        .getOrUndefined<Workspace>(WORKSPACES, undefined, name);
      if (!ws?.spec.cluster) throw denied();
      cluster = ws.spec.cluster;
    }
    this.#access.set(key, { cluster });
    return cluster;
  }

  #forward(
    req: IncomingMessage,
    res: ServerResponse,
    target: string,
    rest: string,
    options: { headers: http.IncomingHttpHeaders; what: string },
  ): void {
    const base = new URL(target);
    let agent = this.#agents.get(base.origin);
    if (!agent) {
      agent = agentFor(base.origin);
      this.#agents.set(base.origin, agent);
    }
    forward(
      req,
      res,
      {
        url: base,
        path: base.pathname.replace(/\/$/, '') + (rest.startsWith('/') ? rest : `/${rest}`),
        agent,
        headers: options.headers,
        dropResponse: (h) => h === 'set-cookie',
        what: options.what,
      },
      this.#log,
    );
  }
}
