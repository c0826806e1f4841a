/**
 * Plain HTTP(S) requests with a kubeconfig's credentials: bearer token (or token file),
 * basic auth, client certificates, the cluster CA, `insecure-skip-tls-verify` and
 * `tls-server-name`. Exec and auth-provider users are handed to @kubernetes/client-node
 * (loaded only then) to obtain their credentials. Errors come back as ApiError with the
 * server's Status message, or client-go's generic message when there is none.
 */
import { readFileSync } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import type { KubeconfigCluster, KubeconfigUser } from '../../apimachinery/kubeconfig.ts';
import type { EffectiveConfig } from './client-config.ts';

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface HttpResponse {
  readonly status: number;
  /** Parsed JSON body, or undefined when the body is not JSON. */
  readonly body: unknown;
  readonly text: string;
}

/** Requests relative to one base URL (`https://host[:port][/prefix]`). */
export interface Transport {
  /** `path` starts with `/` and is appended to the base URL as is. */
  request(method: Method, path: string, body?: unknown): Promise<HttpResponse>;
}

/** A failed API request, shaped like client-go's StatusError. */
export class ApiError extends Error {
  readonly status: number;
  readonly reason: string;
  constructor(status: number, reason: string, message: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.reason = reason;
  }
}

export function isNotFound(err: unknown): boolean {
  return err instanceof ApiError && err.status === 404;
}

export function isForbidden(err: unknown): boolean {
  return err instanceof ApiError && err.status === 403;
}

export function isAlreadyExists(err: unknown): boolean {
  return err instanceof ApiError && err.status === 409 && err.reason === 'AlreadyExists';
}

/** A write refused because the object changed since it was read. */
export function isConflict(err: unknown): boolean {
  return err instanceof ApiError && err.status === 409 && err.reason === 'Conflict';
}

const GENERIC: Record<number, [reason: string, message: string]> = {
  400: ['BadRequest', 'the server rejected our request for an unknown reason'],
  401: ['Unauthorized', 'the server has asked for the client to provide credentials'],
  403: ['Forbidden', 'the server does not allow access to the requested resource'],
  404: ['NotFound', 'the server could not find the requested resource'],
  405: ['MethodNotAllowed', 'the server does not allow this method on the requested resource'],
  409: ['Conflict', 'the server reported a conflict'],
  422: ['Invalid', 'the server rejected our request due to an error in our request'],
  429: [
    'TooManyRequests',
    'the server has received too many requests and has asked us to try again later',
  ],
  503: ['ServiceUnavailable', 'the server is currently unable to handle the request'],
  504: [
    'Timeout',
    'the server was unable to return a response in the time allotted, but may still be processing the request',
  ],
};

/** The error for a non-2xx response. */
export function errorFromResponse(res: HttpResponse): ApiError {
  const body = res.body as { kind?: unknown; message?: unknown; reason?: unknown } | undefined;
  if (body && body.kind === 'Status' && typeof body.message === 'string' && body.message !== '') {
    return new ApiError(
      res.status,
      typeof body.reason === 'string' ? body.reason : '',
      body.message,
    );
  }
  const generic = GENERIC[res.status];
  if (generic) return new ApiError(res.status, generic[0], generic[1]);
  const snippet = res.text.trim().slice(0, 200);
  return new ApiError(
    res.status,
    'InternalError',
    snippet
      ? `an error on the server (${JSON.stringify(snippet)}) has prevented the request from succeeding`
      : `the server responded with the status code ${res.status} but did not return more information`,
  );
}

/** Throws the ApiError for a non-2xx response; returns the JSON body otherwise. */
export function expectOk<T>(res: HttpResponse): T {
  if (res.status < 200 || res.status > 299) throw errorFromResponse(res);
  return res.body as T;
}

interface Credentials {
  headers: Record<string, string>;
  tls: https.RequestOptions;
}

function fileOrData(file: unknown, data: unknown): Buffer | undefined {
  if (typeof data === 'string' && data !== '') return Buffer.from(data, 'base64');
  if (typeof file === 'string' && file !== '') return readFileSync(file);
  return undefined;
}

async function credentials(cluster: KubeconfigCluster, user: KubeconfigUser): Promise<Credentials> {
  const headers: Record<string, string> = {};
  const tls: https.RequestOptions = {};
  const ca = fileOrData(cluster['certificate-authority'], cluster['certificate-authority-data']);
  if (ca && !cluster['insecure-skip-tls-verify']) tls.ca = ca;
  if (cluster['insecure-skip-tls-verify']) tls.rejectUnauthorized = false;
  if (cluster['tls-server-name']) tls.servername = cluster['tls-server-name'];
  const cert = fileOrData(user['client-certificate'], user['client-certificate-data']);
  const key = fileOrData(user['client-key'], user['client-key-data']);
  if (cert) tls.cert = cert;
  if (key) tls.key = key;
  if (typeof user.token === 'string' && user.token !== '') {
    headers.Authorization = `Bearer ${user.token}`;
  } else if (typeof user.tokenFile === 'string' && user.tokenFile !== '') {
    headers.Authorization = `Bearer ${readFileSync(user.tokenFile, 'utf8').trim()}`;
  } else if (typeof user.username === 'string' && user.username !== '') {
    const pair = `${user.username}:${typeof user.password === 'string' ? user.password : ''}`;
    headers.Authorization = `Basic ${Buffer.from(pair).toString('base64')}`;
  } else if (user.exec || user['auth-provider']) {
    Object.assign(headers, await pluginCredentials(cluster, user));
  }
  if (typeof user.as === 'string' && user.as !== '') headers['Impersonate-User'] = user.as;
  return { headers, tls };
}

/** Exec and auth-provider credentials, via @kubernetes/client-node's authenticators. */
async function pluginCredentials(
  cluster: KubeconfigCluster,
  user: KubeconfigUser,
): Promise<Record<string, string>> {
  const k8s = await import('@kubernetes/client-node');
  const kc = new k8s.KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: cluster.server, skipTLSVerify: true }],
    users: [
      {
        name: 'u',
        exec: user.exec,
        authProvider: user['auth-provider'],
      },
    ],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  const opts: https.RequestOptions = {};
  await kc.applyToHTTPSOptions(opts);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(opts.headers ?? {})) {
    if (typeof v === 'string') out[k] = v;
  }
  return out;
}

export interface ConnectOptions {
  /** Per-request timeout. Default 30 s. */
  readonly timeoutMs?: number;
  readonly userAgent?: string;
}

/** A transport to `base` with the credentials of `config`. */
export async function connect(
  config: EffectiveConfig,
  base: string,
  options: ConnectOptions = {},
): Promise<Transport> {
  const creds = await credentials(config.cluster, config.user);
  const timeoutMs = options.timeoutMs ?? 30_000;
  const userAgent = options.userAgent ?? 'kubectl-kcp-plugin (canopy)';
  const root = base.replace(/\/+$/, '');
  const once = (method: Method, path: string, body: unknown) =>
    new Promise<HttpResponse & { retryAfter?: number }>((resolve, reject) => {
      const url = new URL(root + path);
      const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
      const headers: Record<string, string> = {
        Accept: 'application/json',
        'User-Agent': userAgent,
        ...creds.headers,
      };
      if (payload) {
        headers['Content-Type'] = 'application/json';
        headers['Content-Length'] = String(payload.length);
      }
      const lib = url.protocol === 'http:' ? http : https;
      const req = lib.request(
        url,
        { method, headers, ...(url.protocol === 'https:' ? creds.tls : {}), timeout: timeoutMs },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown;
            try {
              parsed = text === '' ? undefined : JSON.parse(text);
            } catch {
              parsed = undefined;
            }
            const retry = Number(res.headers['retry-after']);
            resolve({
              status: res.statusCode ?? 0,
              body: parsed,
              text,
              ...(Number.isFinite(retry) ? { retryAfter: retry } : {}),
            });
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error('context deadline exceeded')));
      req.on('error', (err) => {
        const verb = method.charAt(0) + method.slice(1).toLowerCase();
        reject(new Error(`${verb} ${JSON.stringify(url.toString())}: ${err.message}`));
      });
      req.end(payload);
    });
  return {
    async request(method, path, body) {
      // Like client-go, honour Retry-After on 429 (kcp shards answer so while a workspace moves).
      for (let attempt = 0; ; attempt++) {
        const res = await once(method, path, body);
        if (res.status !== 429 || res.retryAfter === undefined || attempt >= 5) {
          return { status: res.status, body: res.body, text: res.text };
        }
        await new Promise((r) => setTimeout(r, Math.min(res.retryAfter ?? 1, 2) * 1000));
      }
    },
  };
}
