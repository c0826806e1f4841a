/**
 * GET a JSON document from an OpenID provider (discovery, JWKS) over HTTPS, trusting the
 * given CA certificates or the system's. Bounded in time and size: a slow or hostile issuer
 * costs one request, never a stalled server or unbounded memory. Redirects are not followed
 * (as go-oidc's client, which the issuer must answer directly).
 */
import { request } from 'node:https';

export interface FetchJsonOptions {
  /** PEM CA certificates; the system's roots when absent. */
  readonly ca?: string;
  readonly timeoutMs?: number;
  readonly maxBytes?: number;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_BYTES = 1024 * 1024;

export function fetchJson(url: string, options: FetchJsonOptions = {}): Promise<unknown> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  return new Promise((resolve, reject) => {
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      reject(new Error(`${url} is not a URL`));
      return;
    }
    if (target.protocol !== 'https:') {
      reject(new Error(`${url}: only https is allowed`));
      return;
    }
    const req = request(
      target,
      {
        method: 'GET',
        headers: { accept: 'application/json' },
        ...(options.ca ? { ca: options.ca } : {}),
        timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      },
      (res) => {
        const status = res.statusCode ?? 0;
        if (status < 200 || status > 299) {
          res.resume();
          reject(new Error(`GET ${url}: ${status} ${res.statusMessage ?? ''}`.trimEnd()));
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxBytes) {
            req.destroy(new Error(`GET ${url}: response larger than ${maxBytes} bytes`));
            return;
          }
          chunks.push(chunk);
        });
        res.on('end', () => {
          try {
            resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
          } catch {
            reject(new Error(`GET ${url}: the response is not JSON`));
          }
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`GET ${url}: no answer in time`)));
    req.on('error', (err) =>
      reject(
        new Error(err.message.startsWith('GET ') ? err.message : `GET ${url}: ${err.message}`),
      ),
    );
    req.end();
  });
}
