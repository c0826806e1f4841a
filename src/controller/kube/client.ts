/**
 * The Kubernetes client of everything that runs outside the API server (the sync agent,
 * the PostgreSQL operator, their tests and benchmarks), used exactly as a third-party
 * client would: a kubeconfig read by `@kubernetes/client-node` (credentials, CA, client
 * certificates, exec plugins), plain JSON requests over one keep-alive HTTP(S) agent per
 * client, and client-node's `Watch` for watch streams. A client can be re-based onto
 * another URL with the same credentials (the APIExport virtual workspace) and scoped to a
 * path prefix (`/clusters/<name>` in a virtual workspace).
 */
import http from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';
import { KubeConfig, Watch } from '@kubernetes/client-node';
import type { KubeList, KubeObject } from '../../apimachinery/meta.ts';

export type ContentType =
  | 'application/json'
  | 'application/merge-patch+json'
  | 'application/json-patch+json'
  | 'application/apply-patch+yaml';

/** A failed request: the HTTP status and the Status object's reason and message. */
export class KubeError extends Error {
  readonly code: number;
  readonly reason: string;
  constructor(code: number, reason: string, message: string) {
    super(message);
    this.code = code;
    this.reason = reason;
  }
}

export const isNotFound = (err: unknown) => err instanceof KubeError && err.code === 404;
export const isConflict = (err: unknown) => err instanceof KubeError && err.code === 409;
export const isAlreadyExists = (err: unknown) =>
  err instanceof KubeError && err.code === 409 && err.reason === 'AlreadyExists';
export const isForbidden = (err: unknown) => err instanceof KubeError && err.code === 403;

/** A resource of an API group: where its objects live. */
export interface ResourceRef {
  /** '' for the core group. */
  readonly group: string;
  readonly version: string;
  readonly plural: string;
  readonly namespaced: boolean;
}

/** The resources the toolkit itself writes (event recorder, leader election). */
export const EVENTS: ResourceRef = { group: '', version: 'v1', plural: 'events', namespaced: true };
export const LEASES: ResourceRef = {
  group: 'coordination.k8s.io',
  version: 'v1',
  plural: 'leases',
  namespaced: true,
};

export function apiVersionOfRef(ref: ResourceRef): string {
  return ref.group ? `${ref.group}/${ref.version}` : ref.version;
}

/** `/apis/g/v[/namespaces/ns]/plural[/name[/sub]]` (namespace ignored for cluster-scoped). */
export function resourcePath(
  ref: ResourceRef,
  namespace?: string,
  name?: string,
  subresource?: string,
): string {
  let path = ref.group ? `/apis/${ref.group}/${ref.version}` : `/api/${ref.version}`;
  if (ref.namespaced && namespace) path += `/namespaces/${encodeURIComponent(namespace)}`;
  path += `/${ref.plural}`;
  if (name) path += `/${encodeURIComponent(name)}`;
  if (subresource) path += `/${subresource}`;
  return path;
}

export interface RequestOptions {
  readonly body?: unknown;
  readonly contentType?: ContentType;
  readonly query?: Record<string, string | undefined>;
  readonly timeoutMs?: number;
}

export interface KubeconfigOptions {
  readonly context?: string;
  /** Replaces the server URL of the kubeconfig (api-syncagent's --kubeconfig-host-override). */
  readonly hostOverride?: string;
  /** Replaces the CA of the kubeconfig (--kubeconfig-ca-file-override). */
  readonly caFileOverride?: string;
  /** Sent as `fieldManager` with every create, update and patch (none when unset). */
  readonly fieldManager?: string;
}

/** A KubeConfig whose current cluster has another server URL (and optionally CA file). */
function rebased(config: KubeConfig, server: string, caFile?: string): KubeConfig {
  const cluster = config.getCurrentCluster();
  const user = config.getCurrentUser();
  if (!cluster || !user) throw new Error('kubeconfig has no current cluster or user');
  const out = new KubeConfig();
  const nextCluster = caFile
    ? { ...cluster, server, caFile, caData: undefined }
    : { ...cluster, server };
  out.loadFromOptions({
    clusters: [nextCluster],
    users: [user],
    contexts: [{ name: 'current', cluster: cluster.name, user: user.name }],
    currentContext: 'current',
  });
  return out;
}

/** Connection state shared by every client made from one kubeconfig and base URL. */
class Transport {
  readonly config: KubeConfig;
  readonly server: string;
  #agent: https.Agent | http.Agent | undefined;
  #headers: Record<string, string> = {};
  #preparedAt = 0;
  #watch: Watch | undefined;

  constructor(config: KubeConfig) {
    this.config = config;
    const cluster = config.getCurrentCluster();
    if (!cluster) throw new Error('kubeconfig has no current cluster');
    this.server = cluster.server.replace(/\/$/, '');
  }

  /** Credentials are re-read every minute so exec/OIDC tokens can rotate. */
  async prepare(): Promise<{ agent: https.Agent | http.Agent; headers: Record<string, string> }> {
    if (!this.#agent || Date.now() - this.#preparedAt > 60_000) {
      const opts: https.RequestOptions = {};
      await this.config.applyToHTTPSOptions(opts);
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(opts.headers ?? {}))
        if (v !== undefined) headers[k] = String(v);
      if (opts.auth) headers.Authorization = `Basic ${Buffer.from(opts.auth).toString('base64')}`;
      this.#headers = headers;
      this.#preparedAt = Date.now();
      if (!this.#agent) {
        this.#agent = this.server.startsWith('https:')
          ? new https.Agent({
              keepAlive: true,
              maxSockets: 32,
              ...(opts.ca ? { ca: opts.ca } : {}),
              ...(opts.cert ? { cert: opts.cert } : {}),
              ...(opts.key ? { key: opts.key } : {}),
              ...(opts.rejectUnauthorized !== undefined
                ? { rejectUnauthorized: opts.rejectUnauthorized }
                : {}),
              ...(opts.servername ? { servername: opts.servername } : {}),
            })
          : new http.Agent({ keepAlive: true, maxSockets: 32 });
      }
    }
    return { agent: this.#agent as https.Agent | http.Agent, headers: this.#headers };
  }

  get watcher(): Watch {
    if (!this.#watch) {
      this.#watch = new Watch(this.config);
      // Servers send a bookmark about once a minute; a silent stream is a dead one.
      (this.#watch as unknown as { requestTimeoutMs: number }).requestTimeoutMs = 150_000;
    }
    return this.#watch;
  }

  close(): void {
    this.#agent?.destroy();
    this.#agent = undefined;
  }
}

export interface WatchEvent<T = KubeObject> {
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  readonly object: T;
}

export class KubeClient {
  readonly #transport: Transport;
  /** Path prepended to every request (`/clusters/<name>` in a virtual workspace). */
  readonly prefix: string;
  readonly #fieldManager: string | undefined;

  private constructor(transport: Transport, prefix: string, fieldManager: string | undefined) {
    this.#transport = transport;
    this.prefix = prefix;
    this.#fieldManager = fieldManager;
  }

  /** A client for a kubeconfig file (the default loading rules when there is none). */
  static fromKubeconfig(file: string | undefined, options: KubeconfigOptions = {}): KubeClient {
    const config = new KubeConfig();
    if (file) config.loadFromFile(file);
    else config.loadFromDefault();
    if (options.context) config.setCurrentContext(options.context);
    const cluster = config.getCurrentCluster();
    if (!cluster) throw new Error(`kubeconfig ${file ?? '(default)'} has no current cluster`);
    const final =
      options.hostOverride || options.caFileOverride
        ? rebased(config, options.hostOverride ?? cluster.server, options.caFileOverride)
        : config;
    return new KubeClient(new Transport(final), '', options.fieldManager);
  }

  /** A client for a kubeconfig built in memory (a caller's bearer token, say). */
  static fromConfig(config: KubeConfig, options: { fieldManager?: string } = {}): KubeClient {
    return new KubeClient(new Transport(config), '', options.fieldManager);
  }

  /** The server URL, without the prefix. */
  get server(): string {
    return this.#transport.server;
  }

  /** The same credentials against another base URL (e.g. a virtual workspace). */
  rebase(server: string): KubeClient {
    return new KubeClient(
      new Transport(rebased(this.#transport.config, server)),
      '',
      this.#fieldManager,
    );
  }

  /** The same connection with a path prefix (shares sockets and credentials). */
  scoped(prefix: string): KubeClient {
    return new KubeClient(this.#transport, prefix, this.#fieldManager);
  }

  async request<T = KubeObject>(
    method: string,
    path: string,
    options: RequestOptions = {},
  ): Promise<T> {
    const text = await this.requestText(method, path, options, 'application/json');
    return (text ? JSON.parse(text) : {}) as T;
  }

  /** A request whose answer is not JSON (e.g. `/metrics`): its body as text. */
  async requestText(
    method: string,
    path: string,
    options: RequestOptions = {},
    accept = '*/*',
  ): Promise<string> {
    const { agent, headers } = await this.#transport.prepare();
    const url = new URL(this.#transport.server + this.prefix + path);
    for (const [k, v] of Object.entries(options.query ?? {}))
      if (v !== undefined && v !== '') url.searchParams.set(k, v);
    const payload =
      options.body === undefined
        ? undefined
        : Buffer.from(
            typeof options.body === 'string' ? options.body : JSON.stringify(options.body),
          );
    const mod = url.protocol === 'https:' ? https : http;
    return new Promise<string>((resolve, reject) => {
      const req = mod.request(
        url,
        {
          method,
          agent,
          headers: {
            ...headers,
            Accept: accept,
            ...(payload
              ? {
                  'Content-Type': options.contentType ?? 'application/json',
                  'Content-Length': payload.length,
                }
              : {}),
          },
          timeout: options.timeoutMs ?? 30_000,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            const code = res.statusCode ?? 0;
            if (code >= 200 && code < 300) {
              resolve(text);
              return;
            }
            let reason = '';
            let message = text || `HTTP ${code}`;
            try {
              const status = JSON.parse(text) as { reason?: string; message?: string };
              reason = status.reason ?? '';
              message = status.message ?? message;
            } catch {
              // not a Status object
            }
            reject(new KubeError(code, reason, `${method} ${url.pathname}: ${message}`));
          });
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${url.pathname}: timed out`)));
      req.on('error', reject);
      req.end(payload);
    });
  }

  /**
   * A request that switches protocols (`Connection: Upgrade`): resolves with the connection
   * once the server answers `101 Switching Protocols`; any other answer is a KubeError with
   * the Status message. The connection is the caller's from then on (not pooled).
   */
  async upgrade(method: string, path: string, protocol: string): Promise<Duplex> {
    const { agent, headers } = await this.#transport.prepare();
    const url = new URL(this.#transport.server + this.prefix + path);
    const tls = (agent as https.Agent).options ?? {};
    const mod = url.protocol === 'https:' ? https : http;
    return new Promise<Duplex>((resolve, reject) => {
      const req = mod.request(url, {
        method,
        agent: false,
        ...(url.protocol === 'https:'
          ? {
              ca: tls.ca,
              cert: tls.cert,
              key: tls.key,
              ...(tls.rejectUnauthorized !== undefined
                ? { rejectUnauthorized: tls.rejectUnauthorized }
                : {}),
              ...(tls.servername ? { servername: tls.servername } : {}),
            }
          : {}),
        headers: { ...headers, Connection: 'Upgrade', Upgrade: protocol },
        timeout: 30_000,
      });
      req.on('upgrade', (_res, socket, head) => {
        socket.setTimeout(0);
        if (head.length > 0) socket.unshift(head);
        resolve(socket);
      });
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let status: { reason?: string; message?: string } = {};
          try {
            status = JSON.parse(text);
          } catch {
            // not a Status object
          }
          reject(
            new KubeError(
              res.statusCode ?? 0,
              status.reason ?? '',
              `${method} ${url.pathname}: ${status.message ?? (text || `HTTP ${res.statusCode}`)}`,
            ),
          );
        });
      });
      req.on('timeout', () => req.destroy(new Error(`${method} ${url.pathname}: timed out`)));
      req.on('error', reject);
      req.end();
    });
  }

  get<T = KubeObject>(ref: ResourceRef, namespace: string | undefined, name: string): Promise<T> {
    return this.request<T>('GET', resourcePath(ref, namespace, name));
  }

  async getOrUndefined<T = KubeObject>(
    ref: ResourceRef,
    namespace: string | undefined,
    name: string,
  ): Promise<T | undefined> {
    try {
      return await this.get<T>(ref, namespace, name);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /** Lists every page. */
  async list<T extends KubeObject = KubeObject>(
    ref: ResourceRef,
    namespace?: string,
    query: Record<string, string | undefined> = {},
  ): Promise<KubeList<T>> {
    const items: T[] = [];
    let cont: string | undefined;
    let last: KubeList<T> | undefined;
    do {
      last = await this.request<KubeList<T>>('GET', resourcePath(ref, namespace), {
        query: { ...query, limit: '500', continue: cont },
        timeoutMs: 60_000,
      });
      items.push(...(last.items ?? []));
      cont = last.metadata?.continue || undefined;
    } while (cont);
    return { ...last, items };
  }

  create<T = KubeObject>(ref: ResourceRef, namespace: string | undefined, body: unknown) {
    return this.request<T>('POST', resourcePath(ref, namespace), {
      body,
      query: { fieldManager: this.#fieldManager },
    });
  }

  update<T = KubeObject>(
    ref: ResourceRef,
    namespace: string | undefined,
    name: string,
    body: unknown,
    subresource?: string,
  ) {
    return this.request<T>('PUT', resourcePath(ref, namespace, name, subresource), {
      body,
      query: { fieldManager: this.#fieldManager },
    });
  }

  /** A JSON merge patch unless another type is given. */
  patch<T = KubeObject>(
    ref: ResourceRef,
    namespace: string | undefined,
    name: string,
    body: unknown,
    options: { subresource?: string; type?: ContentType; query?: Record<string, string> } = {},
  ) {
    return this.request<T>('PATCH', resourcePath(ref, namespace, name, options.subresource), {
      body,
      contentType: options.type ?? 'application/merge-patch+json',
      query: { fieldManager: this.#fieldManager, ...options.query },
    });
  }

  /** True when something was deleted, false when it was already gone. */
  async delete(
    ref: ResourceRef,
    namespace: string | undefined,
    name: string,
    options: {
      propagationPolicy?: 'Background' | 'Foreground' | 'Orphan';
      /** Delete only the object with this uid (409 Conflict if the name now holds another). */
      uid?: string;
    } = {},
  ): Promise<boolean> {
    const { propagationPolicy, uid } = options;
    try {
      await this.request('DELETE', resourcePath(ref, namespace, name), {
        ...(propagationPolicy || uid
          ? {
              body: {
                apiVersion: 'v1',
                kind: 'DeleteOptions',
                ...(propagationPolicy ? { propagationPolicy } : {}),
                ...(uid ? { preconditions: { uid } } : {}),
              },
            }
          : {}),
      });
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  /**
   * Opens a watch (client-node's Watch) on a collection path. `done` is called once when
   * the stream ends or fails; the returned function aborts it.
   */
  async watch<T = KubeObject>(
    path: string,
    query: Record<string, string | undefined>,
    onEvent: (event: WatchEvent<T>) => void,
    done: (err: unknown) => void,
  ): Promise<() => void> {
    const params: Record<string, string> = {};
    for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') params[k] = v;
    const controller = await this.#transport.watcher.watch(
      this.prefix + path,
      params,
      (type: string, object: unknown) => onEvent({ type, object } as WatchEvent<T>),
      (err: unknown) => done(err ?? null),
    );
    return () => controller.abort();
  }

  close(): void {
    this.#transport.close();
  }
}

/** The HTTP status of a failed watch start (client-node puts it on the error). */
export function watchErrorCode(err: unknown): number | undefined {
  if (err instanceof KubeError) return err.code;
  const code = (err as { statusCode?: unknown } | null)?.statusCode;
  return typeof code === 'number' ? code : undefined;
}
