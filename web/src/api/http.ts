/**
 * Every request the portal makes: same-origin only (the hub proxies the control plane under
 * /clusters and serves its own API under /api), with the session's bearer token. A refused
 * request becomes an ApiError carrying the server's Status — message, reason and field
 * causes — so pages show what the server said.
 */
import type { Status, StatusCause } from '../../../src/apimachinery/status.ts';

export const TABLE_ACCEPT = 'application/json;as=Table;v=v1;g=meta.k8s.io, application/json';

export class ApiError extends Error {
  readonly code: number;
  readonly reason: string;
  readonly causes: readonly StatusCause[];

  constructor(code: number, message: string, reason = '', causes: readonly StatusCause[] = []) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.reason = reason;
    this.causes = causes;
  }
}

/**
 * The token goes nowhere but the page's own origin: a path that is absolute, protocol-
 * relative or otherwise resolves elsewhere is refused before anything is sent.
 */
export function sameOriginUrl(path: string, origin: string): string {
  if (!path.startsWith('/') || path.startsWith('//') || path.includes('\\')) {
    throw new Error(`refusing to send credentials to ${JSON.stringify(path)}: not a local path`);
  }
  const url = new URL(path, origin);
  if (url.origin !== origin) throw new Error(`refusing to send credentials to ${url.origin}`);
  return url.pathname + url.search;
}

/** The error a non-2xx answer stands for: its Status when it carries one, else its text. */
export function errorFromResponse(code: number, statusText: string, body: string): ApiError {
  try {
    const parsed = JSON.parse(body) as Partial<Status> & { error?: string };
    if (parsed && typeof parsed === 'object') {
      if (parsed.kind === 'Status' && typeof parsed.message === 'string') {
        return new ApiError(
          parsed.code ?? code,
          parsed.message,
          parsed.reason ?? '',
          parsed.details?.causes ?? [],
        );
      }
      const message =
        typeof parsed.message === 'string'
          ? parsed.message
          : typeof parsed.error === 'string'
            ? parsed.error
            : '';
      if (message) return new ApiError(code, message, parsed.reason ?? '');
    }
  } catch {
    // Not JSON: the text itself is the message.
  }
  const text = body.trim().slice(0, 500);
  return new ApiError(code, text || `${code} ${statusText || 'error'}`.trim());
}

export interface RequestOptions {
  readonly method?: string;
  readonly body?: unknown;
  readonly accept?: string;
  readonly contentType?: string;
  readonly signal?: AbortSignal;
}

export type Fetcher = (path: string, init: RequestInit) => Promise<Response>;

/** Talks to the hub's origin with one bearer token. */
export class Api {
  readonly token: string;
  private readonly fetcher: Fetcher;
  private readonly onUnauthorized: () => void;

  constructor(token: string, onUnauthorized: () => void, fetcher?: Fetcher) {
    this.token = token;
    this.onUnauthorized = onUnauthorized;
    this.fetcher = fetcher ?? ((path, init) => fetch(path, init));
  }

  /** The raw response of a successful request (for streams); errors throw ApiError. */
  async send(path: string, options: RequestOptions = {}): Promise<Response> {
    const url = sameOriginUrl(path, globalThis.location?.origin ?? 'http://localhost');
    const headers: Record<string, string> = {
      Authorization: `Bearer ${this.token}`,
      Accept: options.accept ?? 'application/json',
    };
    let body: string | undefined;
    if (options.body !== undefined) {
      headers['Content-Type'] = options.contentType ?? 'application/json';
      body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    }
    let res: Response;
    try {
      res = await this.fetcher(url, {
        method: options.method ?? 'GET',
        headers,
        body,
        signal: options.signal,
        credentials: 'omit',
        cache: 'no-store',
      });
    } catch (err) {
      if ((err as Error).name === 'AbortError') throw err;
      throw new ApiError(0, `Cannot reach the hub: ${(err as Error).message}`);
    }
    if (!res.ok) {
      const error = errorFromResponse(res.status, res.statusText, await res.text());
      if (res.status === 401) this.onUnauthorized();
      throw error;
    }
    return res;
  }

  async json<T>(path: string, options: RequestOptions = {}): Promise<T> {
    const res = await this.send(path, options);
    const text = await res.text();
    return (text ? JSON.parse(text) : {}) as T;
  }
}
