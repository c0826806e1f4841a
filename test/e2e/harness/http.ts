/** Raw HTTPS requests to a Canopy server, for tests that need byte-level control. */
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { parseKubeconfig } from '../../../src/apimachinery/kubeconfig.ts';

export interface RawResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

export interface RawRequest {
  readonly method?: string;
  readonly path: string;
  readonly headers?: Record<string, string>;
  readonly body?: string | Buffer;
  /** Bearer token; defaults to the kubeconfig's, `null` sends none. */
  readonly token?: string | null;
  /**
   * For a 2xx answer without a Content-Length (a watch's stream), resolve once its headers
   * arrive, with an empty body, and close it: a fuzzer's stray watch does not wait it out.
   */
  readonly streamHeadersOnly?: boolean;
}

/**
 * Requests with the kubeconfig's CA and token; to its server, or to `baseUrl` (another
 * listener with a certificate from the same CA, such as the hub).
 */
export function httpClient(kubeconfig: string, baseUrl?: string) {
  const config = parseKubeconfig(readFileSync(kubeconfig, 'utf8'));
  const cluster = config.clusters[0]?.cluster;
  const server = new URL(baseUrl ?? cluster?.server ?? '');
  const ca = Buffer.from(cluster?.['certificate-authority-data'] ?? '', 'base64');
  const defaultToken = config.users[0]?.user.token;
  return (r: RawRequest): Promise<RawResponse> =>
    new Promise((resolve, reject) => {
      const token = r.token === undefined ? defaultToken : r.token;
      const req = request(
        {
          host: server.hostname,
          port: server.port,
          method: r.method ?? 'GET',
          path: r.path,
          ca,
          headers: {
            ...(token ? { Authorization: `Bearer ${token}` } : {}),
            ...(r.body !== undefined
              ? {
                  'Content-Type': 'application/json',
                  'Content-Length': String(Buffer.byteLength(r.body)),
                }
              : {}),
            ...r.headers,
          },
        },
        (res) => {
          const streaming =
            r.streamHeadersOnly &&
            (res.statusCode ?? 0) < 300 &&
            res.headers['content-length'] === undefined;
          if (streaming) {
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: '' });
            res.destroy();
            return;
          }
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => {
            body += d;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        },
      );
      req.on('error', reject);
      if (r.body !== undefined) req.write(r.body);
      req.end();
    });
}
