/**
 * The operator's Kubernetes client: an external client reading a kubeconfig through
 * `@kubernetes/client-node` (credentials, TLS), plain JSON requests over one keep-alive
 * HTTPS agent, and list+watch informers (client-node's ListWatch) for the watched kinds.
 */
import http from 'node:http';
import https from 'node:https';
import { KubeConfig, type KubernetesObject, ListWatch, Watch } from '@kubernetes/client-node';
import type { KubeObject } from '../../apimachinery/meta.ts';

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

export interface ResourceRef {
  /** '' for the core group. */
  readonly group: string;
  readonly version: string;
  readonly plural: string;
}

export const SECRETS: ResourceRef = { group: '', version: 'v1', plural: 'secrets' };
export const EVENTS: ResourceRef = { group: '', version: 'v1', plural: 'events' };

export function resourcePath(
  ref: ResourceRef,
  namespace?: string,
  name?: string,
  subresource?: string,
): string {
  const base = ref.group ? `/apis/${ref.group}/${ref.version}` : `/api/${ref.version}`;
  let path = base;
  if (namespace) path += `/namespaces/${encodeURIComponent(namespace)}`;
  path += `/${ref.plural}`;
  if (name) path += `/${encodeURIComponent(name)}`;
  if (subresource) path += `/${subresource}`;
  return path;
}

export class KubeClient {
  readonly config: KubeConfig;
  readonly server: string;
  #agent: https.Agent | http.Agent | undefined;
  #headers: Record<string, string> = {};
  #headersAt = 0;

  constructor(kubeconfigPath: string, context?: string) {
    this.config = new KubeConfig();
    this.config.loadFromFile(kubeconfigPath);
    if (context) this.config.setCurrentContext(context);
    const cluster = this.config.getCurrentCluster();
    if (!cluster) throw new Error(`kubeconfig ${kubeconfigPath} has no current cluster`);
    this.server = cluster.server.replace(/\/$/, '');
  }

  /** Credentials are re-read every minute so exec/OIDC tokens can rotate. */
  async #prepare(): Promise<void> {
    if (this.#agent && Date.now() - this.#headersAt < 60_000) return;
    const opts: https.RequestOptions = {};
    await this.config.applyToHTTPSOptions(opts);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(opts.headers ?? {}))
      if (v !== undefined) headers[k] = String(v);
    if (opts.auth) headers.Authorization = `Basic ${Buffer.from(opts.auth).toString('base64')}`;
    this.#headers = headers;
    this.#headersAt = Date.now();
    if (!this.#agent) {
      this.#agent = this.server.startsWith('https:')
        ? new https.Agent({
            keepAlive: true,
            maxSockets: 16,
            ...(opts.ca ? { ca: opts.ca } : {}),
            ...(opts.cert ? { cert: opts.cert } : {}),
            ...(opts.key ? { key: opts.key } : {}),
            ...(opts.rejectUnauthorized !== undefined
              ? { rejectUnauthorized: opts.rejectUnauthorized }
              : {}),
            ...(opts.servername ? { servername: opts.servername } : {}),
          })
        : new http.Agent({ keepAlive: true, maxSockets: 16 });
    }
  }

  async request<T = KubeObject>(
    method: string,
    path: string,
    body?: unknown,
    contentType: ContentType = 'application/json',
    timeoutMs = 30_000,
  ): Promise<T> {
    await this.#prepare();
    const url = new URL(this.server + path);
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const mod = url.protocol === 'https:' ? https : http;
    return new Promise<T>((resolve, reject) => {
      const req = mod.request(
        url,
        {
          method,
          agent: this.#agent,
          headers: {
            ...this.#headers,
            Accept: 'application/json',
            ...(payload ? { 'Content-Type': contentType, 'Content-Length': payload.length } : {}),
          },
          timeout: timeoutMs,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            const code = res.statusCode ?? 0;
            if (code >= 200 && code < 300) {
              try {
                resolve((text ? JSON.parse(text) : {}) as T);
              } catch (err) {
                reject(err);
              }
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
            reject(new KubeError(code, reason, `${method} ${path}: ${message}`));
          });
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${path}: timed out`)));
      req.on('error', reject);
      req.end(payload);
    });
  }

  get<T = KubeObject>(ref: ResourceRef, namespace: string | undefined, name: string) {
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

  list<T = KubeObject>(ref: ResourceRef, namespace?: string, query = '') {
    return this.request<{ metadata: { resourceVersion?: string }; items: T[] }>(
      'GET',
      resourcePath(ref, namespace) + (query ? `?${query}` : ''),
    );
  }

  create<T = KubeObject>(ref: ResourceRef, namespace: string | undefined, body: unknown) {
    return this.request<T>('POST', resourcePath(ref, namespace), body);
  }

  replace<T = KubeObject>(
    ref: ResourceRef,
    namespace: string | undefined,
    name: string,
    body: unknown,
  ) {
    return this.request<T>('PUT', resourcePath(ref, namespace, name), body);
  }

  patch<T = KubeObject>(
    ref: ResourceRef,
    namespace: string | undefined,
    name: string,
    body: unknown,
    options: { subresource?: string; type?: ContentType; query?: string } = {},
  ) {
    const path = resourcePath(ref, namespace, name, options.subresource);
    return this.request<T>(
      'PATCH',
      path + (options.query ? `?${options.query}` : ''),
      body,
      options.type ?? 'application/merge-patch+json',
    );
  }

  async delete(ref: ResourceRef, namespace: string | undefined, name: string): Promise<boolean> {
    try {
      await this.request('DELETE', resourcePath(ref, namespace, name));
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  /** A list+watch cache over every namespace (started by the caller). */
  informer<T extends KubeObject>(ref: ResourceRef): Informer<T> {
    return new Informer<T>(this, ref);
  }

  close(): void {
    this.#agent?.destroy();
  }
}

/**
 * client-node's ListWatch (list, then watch from the list's resourceVersion, relist on
 * 410) over plain JSON objects, typed as Canopy's own object model.
 */
export class Informer<T extends KubeObject> {
  readonly ref: ResourceRef;
  readonly #lw: ListWatch<KubernetesObject>;

  constructor(client: KubeClient, ref: ResourceRef) {
    this.ref = ref;
    const list = async () => {
      const result = await client.list<KubernetesObject>(ref);
      return { ...result, apiVersion: '', kind: '' } as never;
    };
    this.#lw = new ListWatch<KubernetesObject>(
      resourcePath(ref),
      new Watch(client.config),
      list,
      false,
    );
  }

  get(name: string, namespace?: string): T | undefined {
    return this.#lw.get(name, namespace) as unknown as T | undefined;
  }

  list(namespace?: string): T[] {
    return this.#lw.list(namespace) as unknown as T[];
  }

  on(verb: 'add' | 'update' | 'delete', cb: (obj: T) => void): void {
    this.#lw.on(verb, cb as unknown as (obj: KubernetesObject) => void);
  }

  onError(cb: (err: unknown) => void): void {
    this.#lw.on('error', cb);
  }

  start(): Promise<void> {
    return this.#lw.start();
  }

  stop(): Promise<void> {
    return this.#lw.stop();
  }
}
