/**
 * The hub's way to the control plane, through its public API only, so the hub runs the
 * same against an in-process Canopy, another Canopy process or a kcp:
 * - `admin`: the kubeconfig the hub was given, for what the hub itself owns (the catalog,
 *   provider workspaces, exports, grants);
 * - `asCaller(token)`: a client that carries nothing but a caller's bearer token — never
 *   the hub's token or client certificate — for what the hub does on someone's behalf
 *   (enable, disable), so the control plane's own RBAC decides;
 * - `reviewToken(token)`: who a token belongs to (a TokenReview made as the hub), cached
 *   briefly, for the hub's own endpoints.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { AgentOptions } from 'node:https';
import { KubeConfig } from '@kubernetes/client-node';
import { LRUCache } from 'lru-cache';
import type { UserInfo } from '../apiserver/rest/scope.ts';
import { KubeClient } from '../controller/kube/client.ts';

/** How long a reviewed token's user is trusted before it is asked about again. */
const REVIEW_TTL_MS = 10_000;
/** The hub's field manager in the control plane's managedFields. */
export const FIELD_MANAGER = 'canopy-hub';

interface TokenReviewStatus {
  status?: {
    authenticated?: boolean;
    user?: {
      username?: string;
      uid?: string;
      groups?: string[];
      extra?: Record<string, string[]>;
    };
  };
}

/** `https://h:p/clusters/root` → `https://h:p` (a front proxy's base path is kept). */
export function controlPlaneOrigin(server: string): string {
  return server.replace(/\/+$/, '').replace(/\/clusters\/[^/]+$/, '');
}

const digest = (token: string) => createHash('sha256').update(token).digest('hex');

export class ControlPlane {
  /** The control plane's base URL, without a cluster path. */
  readonly origin: string;
  readonly admin: KubeClient;
  /** TLS settings for connections made on a caller's behalf: the CA, no credentials. */
  readonly tls: Pick<AgentOptions, 'ca' | 'rejectUnauthorized'>;
  readonly #cluster: { server: string; caData?: string; caFile?: string; skipTLSVerify: boolean };
  readonly #callers = new LRUCache<string, KubeClient>({
    max: 256,
    ttl: 10 * 60_000,
    dispose: (client) => client.close(),
  });
  readonly #reviews = new LRUCache<string, { user: UserInfo | undefined }>({
    max: 10_000,
    ttl: REVIEW_TTL_MS,
  });

  private constructor(config: KubeConfig, tls: ControlPlane['tls']) {
    const cluster = config.getCurrentCluster();
    if (!cluster) throw new Error('the kubeconfig has no current cluster');
    this.origin = controlPlaneOrigin(cluster.server);
    this.#cluster = {
      server: this.origin,
      ...(cluster.caData ? { caData: cluster.caData } : {}),
      ...(cluster.caFile ? { caFile: cluster.caFile } : {}),
      skipTLSVerify: cluster.skipTLSVerify === true,
    };
    const admin = new KubeConfig();
    const user = config.getCurrentUser();
    if (!user) throw new Error('the kubeconfig has no current user');
    admin.loadFromOptions({
      clusters: [{ name: 'control-plane', ...this.#cluster }],
      users: [user],
      contexts: [{ name: 'hub', cluster: 'control-plane', user: user.name }],
      currentContext: 'hub',
    });
    this.admin = KubeClient.fromConfig(admin, { fieldManager: FIELD_MANAGER });
    this.tls = tls;
  }

  static async fromKubeconfig(file: string, context?: string): Promise<ControlPlane> {
    const config = new KubeConfig();
    config.loadFromFile(file);
    if (context) config.setCurrentContext(context);
    const cluster = config.getCurrentCluster();
    if (!cluster) throw new Error(`kubeconfig ${file} has no current cluster`);
    const anonymous = new KubeConfig();
    anonymous.loadFromOptions({
      clusters: [cluster],
      users: [{ name: 'anonymous' }],
      contexts: [{ name: 'anonymous', cluster: cluster.name, user: 'anonymous' }],
      currentContext: 'anonymous',
    });
    const opts: AgentOptions = {};
    await anonymous.applyToHTTPSOptions(opts);
    return new ControlPlane(config, {
      ...(opts.ca ? { ca: opts.ca } : {}),
      ...(opts.rejectUnauthorized !== undefined
        ? { rejectUnauthorized: opts.rejectUnauthorized }
        : {}),
    });
  }

  /** The control plane's CA (base64 PEM, as kubeconfigs carry it), if the kubeconfig names one. */
  get caData(): string | undefined {
    const { caData, caFile } = this.#cluster;
    if (caData) return caData;
    return caFile ? readFileSync(caFile).toString('base64') : undefined;
  }

  /** The admin client inside one workspace (`root:kedge`). */
  at(path: string): KubeClient {
    return this.admin.scoped(`/clusters/${path}`);
  }

  /** A client acting as the holder of `token` and as nobody else. */
  asCaller(token: string): KubeClient {
    const key = digest(token);
    let client = this.#callers.get(key);
    if (!client) {
      const config = new KubeConfig();
      config.loadFromOptions({
        clusters: [{ name: 'control-plane', ...this.#cluster }],
        users: [{ name: 'caller', token }],
        contexts: [{ name: 'caller', cluster: 'control-plane', user: 'caller' }],
        currentContext: 'caller',
      });
      client = KubeClient.fromConfig(config, { fieldManager: FIELD_MANAGER });
      this.#callers.set(key, client);
    }
    return client;
  }

  /** The user a bearer token authenticates as, or undefined for a token the control plane refuses. */
  async reviewToken(token: string): Promise<UserInfo | undefined> {
    const key = digest(token);
    const cached = this.#reviews.get(key);
    if (cached) return cached.user;
    const review = await this.at('root').request<TokenReviewStatus>(
      'POST',
      '/apis/authentication.k8s.io/v1/tokenreviews',
      {
        body: {
          apiVersion: 'authentication.k8s.io/v1',
          kind: 'TokenReview',
          spec: { token },
        },
      },
    );
    const u = review.status?.user;
    const user: UserInfo | undefined =
      review.status?.authenticated === true && u?.username
        ? {
            username: u.username,
            ...(u.uid ? { uid: u.uid } : {}),
            groups: u.groups ?? [],
            ...(u.extra ? { extra: u.extra } : {}),
          }
        : undefined;
    this.#reviews.set(key, { user });
    return user;
  }

  close(): void {
    this.#callers.clear();
    this.admin.close();
  }
}
