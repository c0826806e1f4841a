/**
 * The routes file: what the operator tells the endpoint proxy process to serve
 * (`runtime/endpoint-proxy.ts` `ProxyRoutes`), as JSON in `<data-dir>/endpoints.json`.
 * Written whole and renamed into place, so the proxy never reads half a file; the proxy
 * reads it at start and on SIGHUP. A proxy restarted while no operator runs serves the last
 * routes written.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ProxyRoutes } from '../runtime/endpoint-proxy.ts';

export const ROUTES_FILE = 'endpoints.json';
export const PROXY_PID_FILE = 'endpoints.pid';
export const PROXY_LOG_FILE = 'endpoints.log';

export const routesPath = (dataDir: string) => join(dataDir, ROUTES_FILE);

export function writeRoutes(dataDir: string, routes: ProxyRoutes): void {
  const path = routesPath(dataDir);
  writeFileSync(`${path}.tmp`, `${JSON.stringify(routes, null, 2)}\n`, { mode: 0o644 });
  renameSync(`${path}.tmp`, path);
}

export function readRoutes(path: string): ProxyRoutes {
  if (!existsSync(path)) return { host: '127.0.0.1', backendHost: '127.0.0.1', clusters: {} };
  return JSON.parse(readFileSync(path, 'utf8')) as ProxyRoutes;
}
